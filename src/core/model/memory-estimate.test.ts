import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { dpoForward, type DeviceBatch } from '../train/dpo-step';
import type { GptConfig } from './config';
import { initModelWeights, type ModelConfig } from './causal-lm';
import { causalMask } from './gpt';
import { uploadWeights } from './gpt-weights';
import type { LlamaConfig } from './llama/config';
import { SeededRandom } from '../random';
import { checkMemoryFits, estimateTrainingMemory, type MemoryEstimateInput } from './memory-estimate';
import { registerReferenceAttentionKernels } from '../testing/attention-reference-kernels';
import { SUGGESTED_MODELS } from './suggested-models';

/**
 * Measured peak of one full-fine-tune DPO step's forward + backward on the cpu backend, with
 * everything a run holds alive: the policy variables, a frozen reference copy and two Adam
 * slots per weight. tf.profile's peakBytes is the engine's total at its fullest.
 */
async function measuredPeak(config: ModelConfig, pairs: number, length: number, useWeighting = false): Promise<number> {
  const host = initModelWeights(config, new SeededRandom(1));
  const policy: Record<string, tf.Variable> = {};
  for (const [name, { shape, data }] of host) policy[name] = tf.tidy(() => tf.variable(tf.tensor(data, shape), true, `mem_${name}`));
  const reference = uploadWeights(host);
  const slots = Object.values(policy).flatMap((p) => [tf.zerosLike(p), tf.zerosLike(p)]);
  const rows = 2 * pairs;
  const rng = new SeededRandom(2);
  const ids = Array.from({ length: rows * length }, () => Math.floor(rng.next() * (config.vocabSize - 2)));
  const batch: DeviceBatch = {
    rows,
    inputIds: tf.tensor2d(ids, [rows, length], 'int32'),
    labels: tf.tensor2d([...ids.slice(1), 0], [rows, length], 'int32'),
    completionMask: tf.ones([rows, length]) as tf.Tensor2D,
  };
  const mask = causalMask(length);
  const refLogProbs = tf.zeros([rows]) as tf.Tensor1D;
  const settings = { beta: 0.1, lossTypes: ['sigmoid' as const], lossWeights: [1], labelSmoothing: 0, simpoGamma: 0.5, useWeighting };
  const profile = await tf.profile(() => {
    const { value, grads } = tf.variableGrads(() => {
      const { loss, metrics } = dpoForward(policy, config, batch, refLogProbs, mask, settings);
      metrics.dispose();
      return loss;
    });
    tf.dispose([value, grads]);
  });
  tf.dispose([
    ...Object.values(policy),
    ...Object.values(reference),
    ...slots,
    batch.inputIds,
    batch.labels,
    batch.completionMask,
    mask,
    refLogProbs,
  ]);
  return profile.peakBytes;
}

const LLAMA: LlamaConfig = {
  family: 'llama',
  modelType: 'qwen2',
  vocabSize: 1000,
  nPositions: 128,
  nEmbd: 64,
  nLayer: 3,
  nHead: 4,
  nKvHead: 2,
  headDim: 16,
  intermediateSize: 160,
  layerNormEpsilon: 1e-6,
  ropeTheta: 10000,
  ropeScaling: null,
  qkvBias: true,
  outputBias: false,
  mlpBias: false,
  qkNorm: false,
  tieWordEmbeddings: true,
};

const CASES: { name: string; config: ModelConfig; pairs: number; length: number }[] = [
  {
    name: 'byte vocab, d=32',
    config: { vocabSize: 258, nPositions: 64, nEmbd: 32, nLayer: 2, nHead: 2, layerNormEpsilon: 1e-5 },
    pairs: 2,
    length: 32,
  },
  {
    name: 'vocab 1000, d=64',
    config: { vocabSize: 1000, nPositions: 128, nEmbd: 64, nLayer: 3, nHead: 4, layerNormEpsilon: 1e-5 },
    pairs: 2,
    length: 64,
  },
  { name: 'qwen2 layout, grouped K/V, d=64', config: LLAMA, pairs: 2, length: 64 },
  { name: 'SmolLM2 widths (d576, I1536, 9/3 heads), 2 layers, V 16384', config: { ...LLAMA, modelType: 'llama' as const, qkvBias: false, nEmbd: 576, nHead: 9, nKvHead: 3, headDim: 64, intermediateSize: 1536, nLayer: 2, vocabSize: 16384 }, pairs: 1, length: 64 },
  { name: 'qwen3 layout, head_dim 32, d=64', config: { ...LLAMA, modelType: 'qwen3' as const, qkvBias: false, qkNorm: true, headDim: 32, tieWordEmbeddings: false }, pairs: 2, length: 48 },
];

describe('estimateTrainingMemory', () => {
  it.each(CASES)('is within 0.8x-1.25x of the measured peak ($name)', async ({ config, pairs, length }) => {
    const peak = await measuredPeak(config, pairs, length);
    const estimate = estimateTrainingMemory({
      config,
      batchSize: pairs,
      maxLength: length,
      stage: 'dpo',
      referenceCopy: true,
      optimizerSlots: 2,
      fusedLogProbs: false,
    });
    const ratio = estimate.totalBytes / peak;
    console.log(`memory estimate ${estimate.totalBytes} vs measured peak ${peak}: ratio ${ratio.toFixed(3)}`);
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.25);
  });

  it('stays within 0.8x-1.25x of the measured peak with WPO weighting (use_weighting)', async () => {
    const { config, pairs, length } = CASES[1];
    const peak = await measuredPeak(config, pairs, length, true);
    const input: MemoryEstimateInput = { config, batchSize: pairs, maxLength: length, stage: 'dpo', referenceCopy: true, optimizerSlots: 2, fusedLogProbs: false, useWeighting: true };
    const ratio = estimateTrainingMemory(input).totalBytes / peak;
    console.log(`WPO: memory estimate vs measured peak ${peak}: ratio ${ratio.toFixed(3)}`);
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.25);
  });

  it('counts LoRA as a small trainable set with no reference copy', () => {
    const config = CASES[1].config;
    const base: MemoryEstimateInput = {
      config,
      batchSize: 2,
      maxLength: 64,
      stage: 'dpo',
      referenceCopy: true,
      optimizerSlots: 2,
      fusedLogProbs: false,
    };
    const full = estimateTrainingMemory(base);
    const lora = estimateTrainingMemory({ ...base, lora: { rank: 4, alpha: 8, dropout: 0, targets: ['c_attn'] } });
    expect(lora.referenceBytes).toBe(0);
    expect(lora.optimizerBytes).toBeLessThan(full.optimizerBytes / 10);
    expect(full.referenceBytes).toBe(full.weightBytes);
    const sft = estimateTrainingMemory({ ...base, stage: 'sft' });
    expect(sft.logitsBytes).toBe(full.logitsBytes / 2);
  });

  it("counts a packed LoRA base at 2 bytes per matrix parameter: Qwen2.5-0.5B's base in about 1 GB instead of 2", () => {
    const qwen = SUGGESTED_MODELS.find((m) => m.repo === 'Qwen/Qwen2.5-0.5B-Instruct')!;
    const input: MemoryEstimateInput = {
      config: qwen.config,
      lora: { rank: 8, alpha: 16, dropout: 0, targets: ['q_proj', 'v_proj'] },
      batchSize: 1,
      maxLength: 64,
      stage: 'dpo',
      referenceCopy: false,
      optimizerSlots: 2,
      fusedLogProbs: true,
    };
    const float32 = estimateTrainingMemory(input);
    const packed = estimateTrainingMemory({ ...input, packedBase: true });
    const GB = 1e9;
    console.log(`Qwen2.5-0.5B LoRA weights: float32 ${(float32.weightBytes / GB).toFixed(3)} GB, packed ${(packed.weightBytes / GB).toFixed(3)} GB`);
    expect(float32.weightBytes / GB).toBeGreaterThan(1.9);
    expect(packed.weightBytes / GB).toBeGreaterThan(0.95);
    expect(packed.weightBytes / GB).toBeLessThan(1.05);
    expect(float32.totalBytes - packed.totalBytes).toBe(float32.weightBytes - packed.weightBytes);
    // Without LoRA every weight trains: nothing is packed.
    expect(estimateTrainingMemory({ ...input, lora: undefined, packedBase: true }).weightBytes).toBe(estimateTrainingMemory({ ...input, lora: undefined }).weightBytes);
  });
});

describe('estimateTrainingMemory with fused attention (no [rows, H, T, T] scores)', () => {
  // Long enough that the portable path's scores are a large part of the step.
  const FUSED_CASES = [
    { name: 'GPT-2 layout, 4 heads, T 128', config: { vocabSize: 258, nPositions: 128, nEmbd: 32, nLayer: 2, nHead: 4, layerNormEpsilon: 1e-5 }, pairs: 1, length: 128 },
    { name: 'qwen2 layout, grouped K/V, T 128', config: LLAMA, pairs: 1, length: 128 },
  ];
  it.each(FUSED_CASES)('is within 0.8x-1.25x of the peak measured through the attention kernels ($name)', async ({ config, pairs, length }) => {
    // The cpu reference kernels create only the contract's outputs, as the WebGPU ones do.
    const unregister = registerReferenceAttentionKernels();
    let fusedPeak: number;
    try {
      fusedPeak = await measuredPeak(config, pairs, length);
    } finally {
      unregister();
    }
    const portablePeak = await measuredPeak(config, pairs, length);
    const input: MemoryEstimateInput = { config, batchSize: pairs, maxLength: length, stage: 'dpo', referenceCopy: true, optimizerSlots: 2, fusedLogProbs: false };
    const fused = estimateTrainingMemory({ ...input, fusedAttention: true });
    const portable = estimateTrainingMemory(input);
    console.log(`fused attention: estimate ${fused.totalBytes} vs measured ${fusedPeak}; portable: estimate ${portable.totalBytes} vs measured ${portablePeak}`);
    expect(fused.totalBytes / fusedPeak).toBeGreaterThan(0.8);
    expect(fused.totalBytes / fusedPeak).toBeLessThan(1.25);
    // The portable estimate would overstate the fused step by more than the tolerance.
    expect(portable.totalBytes / fusedPeak).toBeGreaterThan(1.25);
    expect(portablePeak).toBeGreaterThan(1.25 * fusedPeak);
    expect(fused.largestTensor).not.toMatch(/attention scores/);
  });
});

describe('checkMemoryFits', () => {
  const gpt2: GptConfig = { vocabSize: 50257, nPositions: 1024, nEmbd: 768, nLayer: 12, nHead: 12, layerNormEpsilon: 1e-5 };
  const input: MemoryEstimateInput = {
    config: gpt2,
    batchSize: 8,
    maxLength: 256,
    stage: 'dpo',
    referenceCopy: true,
    optimizerSlots: 2,
    fusedLogProbs: true,
  };
  const GiB = 1024 ** 3;

  it('passes a run that fits', () => {
    expect(checkMemoryFits(estimateTrainingMemory({ ...input, batchSize: 1, maxLength: 64 }), { budgetBytes: 8 * GiB })).toBeNull();
  });

  it('names a batch size, a max length and LoRA that would fit, each checked', () => {
    // A budget between what the run needs with LoRA and without it.
    const small = { ...input, batchSize: 2 };
    const full = estimateTrainingMemory(small).totalBytes;
    const lora = estimateTrainingMemory({
      ...small,
      lora: { rank: 8, alpha: 16, dropout: 0, targets: ['c_attn'] },
      referenceCopy: false,
    }).totalBytes;
    const limits = { budgetBytes: Math.round((full + lora) / 2) };
    const message = checkMemoryFits(estimateTrainingMemory(small), limits)!;
    expect(message).toMatch(
      /^This run needs ~[\d.]+ GiB, the budget is [\d.]+ GiB: lower the batch size to 1, the max length to \d+, or use LoRA\.$/,
    );
    const batch = Number(/batch size to (\d+)/.exec(message)![1]);
    const length = Number(/max length to (\d+)/.exec(message)![1]);
    expect(checkMemoryFits(estimateTrainingMemory({ ...small, batchSize: batch }), limits)).toBeNull();
    expect(checkMemoryFits(estimateTrainingMemory({ ...small, maxLength: length }), limits)).toBeNull();
    expect(checkMemoryFits(estimateTrainingMemory({ ...small, maxLength: length + 1 }), limits)).not.toBeNull();
    const big = checkMemoryFits(estimateTrainingMemory(input), { budgetBytes: 4 * GiB });
    expect(big).toMatch(/needs ~3\d GiB, the budget is 4\.0 GiB: lower the max length to \d+\.$/);
  });

  it("points at WebGPU's buffer limit when one tensor is too big", () => {
    const message = checkMemoryFits(estimateTrainingMemory({ ...input, fusedLogProbs: false }), {
      budgetBytes: 64 * GiB,
      maxStorageBufferBindingSize: 256 * 1024 ** 2,
      maxBufferSize: 1024 ** 3,
    })!;
    expect(message).toMatch(
      /^This run's largest tensor \(logits \[16, 256, 50257\]\) is [\d.]+ MiB, above the GPU's 256 MiB buffer limit: lower the batch size to 2 or the max length to \d+\./,
    );
  });

  it("names wasm's heap when it, not the budget, is what the run exceeds", () => {
    const message = checkMemoryFits(estimateTrainingMemory({ ...input, batchSize: 2 }), { budgetBytes: 64 * GiB, heap: { bytes: 2 * GiB, name: 'wasm backend' } })!;
    expect(message).toMatch(/^This run needs ~[\d.]+ GiB, more than the wasm backend's 2\.0 GiB heap/);
    const lora = { ...input, batchSize: 2, maxLength: 64, lora: { rank: 8, alpha: 16, dropout: 0, targets: ['c_attn'] }, referenceCopy: false };
    expect(checkMemoryFits(estimateTrainingMemory(lora), { budgetBytes: 64 * GiB, heap: { bytes: 3 * GiB, name: 'wasm backend' } })).toBeNull();
    expect(checkMemoryFits(estimateTrainingMemory(lora), { budgetBytes: 64 * GiB, heap: { bytes: 2 * GiB, name: 'wasm backend' } })).toMatch(/2\.0 GiB heap: lower the batch size to 1/);
    // A budget below the heap is the limit that binds, and is named as before.
    expect(checkMemoryFits(estimateTrainingMemory(lora), { budgetBytes: 1 * GiB, heap: { bytes: 2 * GiB, name: 'wasm backend' } })).toMatch(/the budget is 1\.0 GiB/);
  });

  it('says when nothing but a smaller model fits', () => {
    expect(checkMemoryFits(estimateTrainingMemory(input), { budgetBytes: 100 * 1024 ** 2 })).toMatch(/choose a smaller model/);
  });
});
