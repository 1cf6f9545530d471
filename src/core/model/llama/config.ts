/**
 * The Llama family's shape (llama, qwen2, qwen3 by config.json's model_type), with the fields
 * every causal LM shares (vocabSize, nPositions, nEmbd, nLayer, nHead, layerNormEpsilon)
 * under the same names as GptConfig, so code that only needs sizes reads either family.
 */

/** Llama 3's frequency-dependent RoPE scaling (`rope_scaling.rope_type: "llama3"`). */
export interface Llama3RopeScaling {
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

export type LlamaModelType = 'llama' | 'qwen2' | 'qwen3';

export interface LlamaConfig {
  family: 'llama';
  modelType: LlamaModelType;
  vocabSize: number;
  /** max_position_embeddings: the longest context the model is trained for. */
  nPositions: number;
  /** hidden_size */
  nEmbd: number;
  nLayer: number;
  nHead: number;
  /** num_key_value_heads: query head h reads key/value head h / (nHead / nKvHead). */
  nKvHead: number;
  /** head_dim; Qwen3's differs from nEmbd / nHead. */
  headDim: number;
  intermediateSize: number;
  /** rms_norm_eps */
  layerNormEpsilon: number;
  ropeTheta: number;
  ropeScaling: Llama3RopeScaling | null;
  /** Biases on q, k and v (qwen2, llama's attention_bias). */
  qkvBias: boolean;
  /** A bias on o_proj (llama's attention_bias). */
  outputBias: boolean;
  mlpBias: boolean;
  /** Qwen3's RMSNorm over head_dim on q and on k before RoPE. */
  qkNorm: boolean;
  tieWordEmbeddings: boolean;
}

/** Throws with the offending field named when the shape cannot be built. */
export function validateLlamaConfig(c: LlamaConfig): void {
  const positive: (keyof LlamaConfig)[] = ['vocabSize', 'nPositions', 'nEmbd', 'nLayer', 'nHead', 'nKvHead', 'headDim', 'intermediateSize'];
  for (const key of positive) {
    const value = c[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new Error(`model config: ${key} must be a positive integer, got ${String(value)}`);
  }
  if (c.nHead % c.nKvHead !== 0) throw new Error(`model config: num_attention_heads (${c.nHead}) must be a multiple of num_key_value_heads (${c.nKvHead})`);
  if (c.headDim % 2 !== 0) throw new Error(`model config: head_dim (${c.headDim}) must be even for rotary embeddings`);
  if (!(c.ropeTheta > 0)) throw new Error(`model config: rope_theta must be positive, got ${c.ropeTheta}`);
}
