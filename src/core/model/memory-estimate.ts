/**
 * Memory a training step needs, estimated from shapes alone, so the app can refuse (or
 * shrink) a run before it starts instead of crashing the GPU process mid-step. Counts are
 * float32 and follow what TF.js keeps alive: autodiff holds every forward op's output until
 * the backward pass has used it, so "activations" is the sum of the forward pass's
 * intermediates, not just the layer outputs. Agreement with tf.profile's measured peak is
 * checked in memory-estimate.test.ts.
 */
import { countParameters, familyOf, type ModelConfig } from './causal-lm';
import { countLoraParameters, loraTargetModules, type LoraConfig } from './lora';
import { formatBytes } from '../format-bytes';
import type { Stage } from '../train/settings';
import { packedBaseBytes } from '../ops/packed-weights';

export interface MemoryEstimateInput {
  config: ModelConfig;
  lora?: LoraConfig;
  /** Pairs per micro-batch (DPO runs 2 rows per pair, SFT 1). */
  batchSize: number;
  maxLength: number;
  /** KTO's KL rows run without the gradient tape, so it keeps activations for B rows like SFT. */
  stage: Stage;
  /** A full fine-tune's frozen reference copy of the weights (LoRA needs none). */
  referenceCopy: boolean;
  /** Optimizer state tensors per trainable weight: 2 for Adam(W), 1 for RMSprop. */
  optimizerSlots: number;
  /** Log-probs from a fused kernel that never materializes log-softmax and one-hot labels. */
  fusedLogProbs: boolean;
  /**
   * Attention from the fused tiled kernels (causalAttentionPath() === 'fused'), which keep each
   * row's log-sum-exp instead of [rows, H, T, T] scores: attention memory grows with T, not T².
   */
  fusedAttention?: boolean;
  /** WPO (use_weighting): log Σ p² over the vocabulary, one row at a time (wpo-weights.ts). */
  useWeighting?: boolean;
  /**
   * LoRA's frozen base packed two 16-bit values to a word (a BF16/F16 checkpoint on a backend
   * with the packed kernels): 2 bytes per base matrix parameter instead of 4. Ignored without LoRA.
   */
  packedBase?: boolean;
}

export interface MemoryEstimate {
  input: MemoryEstimateInput;
  weightBytes: number;
  referenceBytes: number;
  gradientBytes: number;
  optimizerBytes: number;
  /** Forward intermediates kept for the backward pass and the activation gradients alive with them (all but vocabulary-sized ones). */
  activationBytes: number;
  /** [rows, T, V] tensors: the logits and, unfused, log-softmax, one-hot labels and their gradients (plus WPO's per-row [T, V] temporaries). */
  logitsBytes: number;
  totalBytes: number;
  largestTensorBytes: number;
  /** What the largest tensor is, e.g. "logits [8, 128, 50257]". */
  largestTensor: string;
}

const F32 = 4;

/** Portable attention's [rows, H, T, T] tensors kept per layer: scores, scaled, masked, softmax. */
const ATTENTION_COPIES = 4;
/** Fused attention's only extra per layer beyond the context (already counted): lse [rows, H, T]. */
const FUSED_ATTENTION_FLOATS_PER_ROW_HEAD_TOKEN = 1;
/**
 * TF.js frees the forward tape only when the whole backward pass is done, and the
 * activation gradients it computes on the way are about as large again: the measured peak
 * holds ~2x the forward activations (186d and 9 attention copies per layer for 91d and 4).
 */
const BACKWARD_FACTOR = 2;
/**
 * Vocabulary-sized [rows, T, V] tensors alive at the peak. Unfused (the portable log-softmax
 * and gather of cpu, wasm and webgl): the logits, log-sum-exp's intermediates, softmax in the
 * backward, the gradients and the LM head's transposed products (measured: 7 at V = 1,000 on
 * GPT-2, 7.8 at V = 49,152 on SmolLM2's layout). Fused (WebGPU's kernel): the logits and their gradient.
 */
const LOGITS_COPIES_UNFUSED = 8;
const LOGITS_COPIES_FUSED = 2;
/** WPO's [T, V] temporaries for one row at a time: the row's logits, their exp and its square. */
const WPO_ROW_COPIES = 3;

function shape(dims: number[]): string {
  return `[${dims.join(', ')}]`;
}

/**
 * Estimates one training step's memory (forward + backward + optimizer state).
 * @returns bytes by category; `totalBytes` is their sum
 */
export function estimateTrainingMemory(input: MemoryEstimateInput): MemoryEstimate {
  const { config, lora, batchSize, maxLength: T } = input;
  const d = config.nEmbd;
  const V = config.vocabSize;
  const rows = input.stage === 'dpo' ? 2 * batchSize : batchSize;
  const tokens = rows * T;
  const baseParams = countParameters(config);
  const adapterParams = lora ? countLoraParameters(config, lora) : 0;
  const trainable = lora ? adapterParams : baseParams;

  const family = familyOf(config);
  const packed = lora !== undefined && input.packedBase === true;
  const baseBytes = packed ? packedBaseBytes(family.parameterShapes(config), family.projectionLayout) : F32 * baseParams;
  const weightBytes = baseBytes + F32 * adapterParams;
  const referenceBytes = input.referenceCopy && !lora ? F32 * baseParams : 0;
  const gradientBytes = F32 * trainable;
  const optimizerBytes = F32 * trainable * input.optimizerSlots;

  // LoRA per adapted module and token: dropout mask and output (2·in), A·x (r), B·(A·x),
  // its scaling and the sum with the base projection (3·out).
  const loraFloats = lora
    ? loraTargetModules(config, lora).reduce((sum, m) => sum + 2 * m.inFeatures + lora.rank + 3 * m.outFeatures, 0) / config.nLayer
    : 0;
  const attentionFloats = input.fusedAttention
    ? FUSED_ATTENTION_FLOATS_PER_ROW_HEAD_TOKEN * rows * config.nHead * T
    : ATTENTION_COPIES * rows * config.nHead * T * T;
  const perLayer = tokens * (family.activationFloatsPerLayer(config) + loraFloats) + attentionFloats;
  // Embedding lookup and position add (3d), the final LayerNorm (4d).
  const activationBytes = F32 * BACKWARD_FACTOR * (config.nLayer * perLayer + tokens * 7 * d);
  const logitsBytes =
    F32 * tokens * V * (input.fusedLogProbs ? LOGITS_COPIES_FUSED : LOGITS_COPIES_UNFUSED) +
    (input.useWeighting && input.stage === 'dpo' ? F32 * WPO_ROW_COPIES * T * V : 0);

  const candidates: [number, string][] = [
    [F32 * tokens * V, `logits ${shape([rows, T, V])}`],
    [input.fusedAttention ? 0 : F32 * rows * config.nHead * T * T, `attention scores ${shape([rows, config.nHead, T, T])}`],
    [F32 * tokens * family.mlpWidth(config), `MLP hidden ${shape([rows, T, family.mlpWidth(config)])}`],
    [(packed ? 2 : F32) * V * d, `token embedding ${shape([V, d])}`],
  ];
  const [largestTensorBytes, largestTensor] = candidates.reduce((a, b) => (b[0] > a[0] ? b : a));
  return {
    input,
    weightBytes,
    referenceBytes,
    gradientBytes,
    optimizerBytes,
    activationBytes,
    logitsBytes,
    totalBytes: weightBytes + referenceBytes + gradientBytes + optimizerBytes + activationBytes + logitsBytes,
    largestTensorBytes,
    largestTensor,
  };
}

export interface MemoryLimits {
  /** What the run may use in all. */
  budgetBytes: number;
  /** WebGPU's limit on one bound buffer (128 MiB by default). */
  maxStorageBufferBindingSize?: number;
  /** WebGPU's limit on one buffer (256 MiB by default). */
  maxBufferSize?: number;
  /** A backend whose whole memory is one fixed heap (wasm's), whatever the budget says. */
  heap?: { bytes: number; name: string };
}

/** The bytes a run may hold: the budget, or a smaller backend heap. */
function allowedBytes(limits: MemoryLimits): number {
  return Math.min(limits.budgetBytes, limits.heap?.bytes ?? Infinity);
}

function fits(input: MemoryEstimateInput, limits: MemoryLimits): boolean {
  const e = estimateTrainingMemory(input);
  const tensorLimit = Math.min(limits.maxStorageBufferBindingSize ?? Infinity, limits.maxBufferSize ?? Infinity);
  return e.totalBytes <= allowedBytes(limits) && e.largestTensorBytes <= tensorLimit;
}

/** The largest value in [1, current) for which `ok` holds (ok is monotone: smaller fits better), or null. */
function largestFitting(current: number, ok: (value: number) => boolean): number | null {
  if (current <= 1 || !ok(1)) return null;
  let lo = 1;
  let hi = current - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The LoRA a user would reach for first: the defaults' rank on the family's default targets. */
function suggestedLora(config: ModelConfig): LoraConfig {
  return { rank: 8, alpha: 16, dropout: 0, targets: [...familyOf(config).defaultLoraTargets] };
}

/**
 * Null when the estimate fits the limits; otherwise a message that says what is over and
 * what to shrink, with the largest batch size and max length that would fit (other
 * settings unchanged) and whether LoRA alone would make it fit.
 */
export function checkMemoryFits(estimate: MemoryEstimate, limits: MemoryLimits): string | null {
  const { input } = estimate;
  if (fits(input, limits)) return null;
  const tensorLimit = Math.min(limits.maxStorageBufferBindingSize ?? Infinity, limits.maxBufferSize ?? Infinity);
  const heapBinds = limits.heap !== undefined && limits.heap.bytes < limits.budgetBytes;
  const problem =
    estimate.totalBytes > allowedBytes(limits)
      ? heapBinds
        ? `This run needs ~${formatBytes(estimate.totalBytes)}, more than the ${limits.heap!.name}'s ${formatBytes(limits.heap!.bytes)} heap`
        : `This run needs ~${formatBytes(estimate.totalBytes)}, the budget is ${formatBytes(limits.budgetBytes)}`
      : `This run's largest tensor (${estimate.largestTensor}) is ${formatBytes(estimate.largestTensorBytes)}, above the GPU's ${formatBytes(tensorLimit)} buffer limit`;
  const lower: string[] = [];
  const batch = largestFitting(input.batchSize, (b) => fits({ ...input, batchSize: b }, limits));
  if (batch !== null) lower.push(`the batch size to ${batch}`);
  const length = largestFitting(input.maxLength, (t) => fits({ ...input, maxLength: t }, limits));
  if (length !== null && length >= 2) lower.push(`the max length to ${length}`);
  const lora = !input.lora && fits({ ...input, lora: suggestedLora(input.config), referenceCopy: false }, limits);
  if (lower.length === 0 && !lora) {
    return `${problem}, and no smaller batch size, max length or LoRA alone fits: choose a smaller model.`;
  }
  const shrink = lower.length > 0 ? `lower ${lower.join(lora ? ', ' : ' or ')}` : '';
  return `${problem}: ${[shrink, lora ? 'use LoRA' : ''].filter(Boolean).join(', or ')}.`;
}
