import type { ModelConfig } from '../model/causal-lm';
import type { LlamaConfig } from '../model/llama/config';
import type { LoraConfig } from '../model/lora';
import { SUGGESTED_MODELS } from '../model/suggested-models';

/** A fixed model shape, batch and length to time. */
export interface BenchCase {
  model: string;
  config: ModelConfig;
  /** Pairs per DPO step; the SFT step takes the same 2 × pairs sequences. */
  pairs: number;
  length: number;
  /** Train LoRA adapters on the frozen base (also the reference) instead of every weight. */
  lora?: LoraConfig;
}

/**
 * The benchmark shapes: the tiny, default (small) and base presets, the PyTorch anchor
 * shape, GPT-2 small's shape (124M parameters), the base preset with LoRA, and a Llama-family
 * shapes (SmolLM2-135M, Qwen2.5-0.5B) with LoRA.
 */
const BASE_CONFIG: ModelConfig = { vocabSize: 258, nPositions: 256, nEmbd: 256, nLayer: 6, nHead: 8, layerNormEpsilon: 1e-5 };

/** A suggested model's shape, from the same data the model panel offers. */
function suggested(repo: string): LlamaConfig {
  const model = SUGGESTED_MODELS.find((m) => m.repo === repo);
  if (!model) throw new Error(`bench: no suggested model ${repo}`);
  return model.config;
}
const SMOLLM2_135M = suggested('HuggingFaceTB/SmolLM2-135M-Instruct');
const QWEN25_05B = suggested('Qwen/Qwen2.5-0.5B-Instruct');

export const BENCH_CASES: Record<string, BenchCase> = {
  tiny: {
    model: 'tiny (d32 L2 V258)',
    config: { vocabSize: 258, nPositions: 64, nEmbd: 32, nLayer: 2, nHead: 2, layerNormEpsilon: 1e-5 },
    pairs: 2,
    length: 64,
  },
  // A Qwen3-style toy (grouped K/V heads, q/k norms, SwiGLU, RoPE): the Llama family's kernels at the tiny case's size.
  'tiny-llama': {
    model: 'tiny Llama-family (d32 L2 4/2 heads hd16 I64 V258, q/k norm)',
    config: {
      family: 'llama', modelType: 'qwen3', vocabSize: 258, nPositions: 64, nEmbd: 32, nLayer: 2, nHead: 4, nKvHead: 2, headDim: 16,
      intermediateSize: 64, layerNormEpsilon: 1e-6, ropeTheta: 10000, ropeScaling: null, qkvBias: false, outputBias: false,
      mlpBias: false, qkNorm: true, tieWordEmbeddings: true,
    },
    pairs: 2,
    length: 64,
  },
  small: {
    model: 'small (d128 L4 V258)',
    config: { vocabSize: 258, nPositions: 128, nEmbd: 128, nLayer: 4, nHead: 4, layerNormEpsilon: 1e-5 },
    pairs: 4,
    length: 128,
  },
  anchor: {
    model: 'anchor (d128 L4 V512)',
    config: { vocabSize: 512, nPositions: 64, nEmbd: 128, nLayer: 4, nHead: 4, layerNormEpsilon: 1e-5 },
    pairs: 8,
    length: 64,
  },
  base: {
    model: 'base (d256 L6 V258)',
    config: BASE_CONFIG,
    pairs: 8,
    length: 256,
  },
  'base-lora': {
    model: 'base + LoRA r16 (d256 L6 V258)',
    config: BASE_CONFIG,
    pairs: 8,
    length: 256,
    lora: { rank: 16, alpha: 32, dropout: 0, targets: ['c_attn', 'c_proj', 'c_fc'] },
  },
  // SmolLM2-135M-Instruct and Qwen2.5-0.5B-Instruct as the newcomer trains them: the app's default
  // LoRA (r 8 on q/k/v/o) at 2 pairs × 256 tokens.
  'smollm2-lora': {
    model: 'SmolLM2-135M shape + LoRA r8 q/k/v/o (d576 L30 V49152)',
    config: SMOLLM2_135M,
    pairs: 2,
    length: 256,
    lora: { rank: 8, alpha: 16, dropout: 0, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] },
  },
  // The same at a size wasm's 4 GiB heap holds (2 × 256 needs ~12 GiB): what two CPU cores can do.
  'smollm2-lora-64': {
    model: 'SmolLM2-135M shape + LoRA r8 q/k/v/o, 1 pair × 64 (d576 L30 V49152)',
    config: SMOLLM2_135M,
    pairs: 1,
    length: 64,
    lora: { rank: 8, alpha: 16, dropout: 0, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] },
  },
  'qwen2.5-0.5b-lora': {
    model: 'Qwen2.5-0.5B shape + LoRA r8 q/k/v/o (d896 L24 V151936)',
    config: QWEN25_05B,
    pairs: 2,
    length: 256,
    lora: { rank: 8, alpha: 16, dropout: 0, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] },
  },
  'gpt2-small': {
    model: 'gpt2-small shape (d768 L12 V50257)',
    config: { vocabSize: 50257, nPositions: 128, nEmbd: 768, nLayer: 12, nHead: 12, layerNormEpsilon: 1e-5 },
    pairs: 1,
    length: 128,
  },
};

