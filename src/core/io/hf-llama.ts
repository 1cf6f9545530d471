/**
 * config.json of the Llama family (model_type llama, qwen2, qwen3) read into LlamaConfig.
 * Whatever these configs can say that changes the maths and is not implemented (an active
 * sliding window, rope_scaling other than Llama 3's, experts, another activation) is
 * refused with the field named, so a model never trains on silently wrong maths.
 */
import { validateLlamaConfig, type Llama3RopeScaling, type LlamaConfig, type LlamaModelType } from '../model/llama/config';

export const LLAMA_MODEL_TYPES: readonly LlamaModelType[] = ['llama', 'qwen2', 'qwen3'];

const ARCHITECTURES: Record<LlamaModelType, string> = { llama: 'LlamaForCausalLM', qwen2: 'Qwen2ForCausalLM', qwen3: 'Qwen3ForCausalLM' };

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function refuse(why: string): never {
  throw new Error(`config.json: ${why}`);
}

function ropeScaling(c: Json): Llama3RopeScaling | null {
  // transformers 5 moves rope_theta and the scaling into rope_parameters.
  const raw = isObject(c.rope_parameters) ? c.rope_parameters : c.rope_scaling;
  if (raw === undefined || raw === null) return null;
  if (!isObject(raw)) refuse('rope_scaling must be an object or null');
  const type = raw.rope_type ?? raw.type;
  if (type === 'default' || (type === undefined && raw.factor === undefined)) return null;
  if (type !== 'llama3') refuse(`rope_scaling.rope_type "${String(type)}" is not supported (only Llama 3's "llama3" scaling or none)`);
  const number = (key: string): number => {
    const value = raw[key];
    if (typeof value !== 'number' || !(value > 0)) refuse(`rope_scaling.${key} must be a positive number, got ${String(value)}`);
    return value;
  };
  const scaling = {
    factor: number('factor'),
    lowFreqFactor: number('low_freq_factor'),
    highFreqFactor: number('high_freq_factor'),
    originalMaxPositionEmbeddings: number('original_max_position_embeddings'),
  };
  if (scaling.highFreqFactor <= scaling.lowFreqFactor) refuse('rope_scaling.high_freq_factor must exceed low_freq_factor');
  return scaling;
}

function checkUnsupported(c: Json, type: LlamaModelType): void {
  if (c.hidden_act !== undefined && c.hidden_act !== 'silu') refuse(`hidden_act "${String(c.hidden_act)}" is not supported (only silu)`);
  if (c.use_sliding_window === true) refuse('use_sliding_window true is not supported (attention over a sliding span is not implemented)');
  if (type === 'llama' && typeof c.sliding_window === 'number') refuse('sliding_window is set; attention over a sliding span is not implemented');
  for (const key of ['num_experts', 'num_local_experts', 'n_routed_experts']) {
    if (typeof c[key] === 'number' && (c[key] as number) > 0) refuse(`${key} ${String(c[key])}: mixture-of-experts models are not supported`);
  }
  const architectures = c.architectures;
  if (Array.isArray(architectures) && architectures.length > 0 && !architectures.includes(ARCHITECTURES[type])) {
    refuse(`architecture ${String(architectures[0])} is not supported for model_type ${type} (expected ${ARCHITECTURES[type]})`);
  }
}

/** Reads a llama / qwen2 / qwen3 config.json; names the field that is wrong or unsupported. */
export function parseLlamaConfigJson(c: Json): LlamaConfig {
  const type = c.model_type as LlamaModelType;
  if (!LLAMA_MODEL_TYPES.includes(type)) refuse(`model_type "${String(c.model_type)}" is not a Llama-family type (${LLAMA_MODEL_TYPES.join(', ')})`);
  checkUnsupported(c, type);
  const int = (key: string, fallback?: number): number => {
    const value = c[key] ?? fallback;
    if (typeof value !== 'number') refuse(`${key} is missing or not a number`);
    return value;
  };
  const flag = (key: string) => c[key] === true;
  const nHead = int('num_attention_heads');
  const hidden = int('hidden_size');
  const attentionBias = flag('attention_bias');
  const ropeParameters = isObject(c.rope_parameters) ? c.rope_parameters : {};
  const config: LlamaConfig = {
    family: 'llama',
    modelType: type,
    vocabSize: int('vocab_size'),
    nPositions: int('max_position_embeddings'),
    nEmbd: hidden,
    nLayer: int('num_hidden_layers'),
    nHead,
    nKvHead: int('num_key_value_heads', nHead),
    headDim: typeof c.head_dim === 'number' ? c.head_dim : hidden / nHead,
    intermediateSize: int('intermediate_size'),
    layerNormEpsilon: typeof c.rms_norm_eps === 'number' ? c.rms_norm_eps : 1e-6,
    ropeTheta: typeof ropeParameters.rope_theta === 'number' ? ropeParameters.rope_theta : int('rope_theta', 10000),
    ropeScaling: ropeScaling(c),
    // Qwen2 always biases q, k and v (never o); llama's and qwen3's attention_bias covers all four.
    qkvBias: type === 'qwen2' || attentionBias,
    outputBias: type !== 'qwen2' && attentionBias,
    mlpBias: type === 'llama' && flag('mlp_bias'),
    qkNorm: type === 'qwen3',
    tieWordEmbeddings: flag('tie_word_embeddings'),
  };
  try {
    validateLlamaConfig(config);
  } catch (error) {
    refuse((error as Error).message.replace(/^model config: /, ''));
  }
  return config;
}

/** A config.json transformers reads back to the same model, for a Llama-family model built without one. */
export function llamaConfigJson(c: LlamaConfig): Json {
  const json: Json = {
    architectures: [ARCHITECTURES[c.modelType]],
    model_type: c.modelType,
    vocab_size: c.vocabSize,
    max_position_embeddings: c.nPositions,
    hidden_size: c.nEmbd,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.nLayer,
    num_attention_heads: c.nHead,
    num_key_value_heads: c.nKvHead,
    head_dim: c.headDim,
    hidden_act: 'silu',
    rms_norm_eps: c.layerNormEpsilon,
    rope_theta: c.ropeTheta,
    rope_scaling: c.ropeScaling && {
      rope_type: 'llama3',
      factor: c.ropeScaling.factor,
      low_freq_factor: c.ropeScaling.lowFreqFactor,
      high_freq_factor: c.ropeScaling.highFreqFactor,
      original_max_position_embeddings: c.ropeScaling.originalMaxPositionEmbeddings,
    },
    tie_word_embeddings: c.tieWordEmbeddings,
    torch_dtype: 'float32',
  };
  if (c.modelType !== 'qwen2') json.attention_bias = c.qkvBias;
  if (c.modelType === 'llama') json.mlp_bias = c.mlpBias;
  if (c.modelType !== 'llama') json.use_sliding_window = false;
  return json;
}
