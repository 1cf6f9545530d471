import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from '../model/config';
import { initGptWeights } from '../model/gpt-weights';
import { SeededRandom } from '../random';
import { Trainer } from '../train/trainer';
import { DEFAULT_SETTINGS, type DpoSettings, type Stage } from '../train/settings';
import type { PreferencePair } from '../data/preference-pairs';

/** A fixed model shape, batch and length to time. */
export interface BenchCase {
  model: string;
  config: GptConfig;
  /** Pairs per DPO step; the SFT step takes the same 2 × pairs sequences. */
  pairs: number;
  length: number;
}

export interface BenchOptions {
  /** Steps before timing (after the first, compiling one). */
  warmup: number;
  /** Timed steps; reported as the median of blocks of `block` steps, one read-back per block. */
  measure: number;
  block: number;
  /** Steps over which tensor (and GPU byte) growth is counted. */
  growthSteps: number;
}

export const QUICK_BENCH: BenchOptions = { warmup: 2, measure: 12, block: 4, growthSteps: 100 };

export interface BenchRun {
  backend: string;
  model: string;
  /** Tokens per step (2 × pairs × length, padding included: shapes are fixed). */
  tokens: number;
  dpo_ms: number;
  sft_ms: number;
  /** The DPO step with the reference forward every step (TRL without precompute_ref_log_probs). */
  dpo_uncached_ms: number;
  /** dpo_ms comes from cached reference log-probs. */
  ref_cached: boolean;
  /** The very first DPO step, shader compilation included. */
  first_step_ms: number;
  tensors_before: number;
  tensors_after: number;
  bytes_before: number;
  bytes_after: number;
  /** Highest bytes held during the timed DPO steps (GPU bytes on webgpu). */
  peak_bytes: number;
  kernels_per_step: number | null;
  growth_steps: number;
}

/**
 * The benchmark shapes: the tiny and default (small) presets, the PyTorch anchor shape,
 * and GPT-2 small's shape (124M parameters).
 */
export const BENCH_CASES: Record<string, BenchCase> = {
  tiny: {
    model: 'tiny (d32 L2 V258)',
    config: { vocabSize: 258, nPositions: 64, nEmbd: 32, nLayer: 2, nHead: 2, layerNormEpsilon: 1e-5 },
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
  'gpt2-small': {
    model: 'gpt2-small shape (d768 L12 V50257)',
    config: { vocabSize: 50257, nPositions: 128, nEmbd: 768, nLayer: 12, nHead: 12, layerNormEpsilon: 1e-5 },
    pairs: 1,
    length: 128,
  },
};

/** Pairs whose byte tokens fill the length exactly (prompt a quarter, completions the rest). */
function fixedPairs(c: BenchCase): PreferencePair[] {
  const rng = new SeededRandom(5);
  const text = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + rng.int(26))).join('');
  const prompt = Math.floor(c.length / 4);
  return Array.from({ length: c.pairs * 2 }, () => ({
    prompt: text(prompt),
    chosen: text(c.length - prompt - 1),
    rejected: text(c.length - prompt - 1),
  }));
}

function settingsFor(c: BenchCase, stage: Stage, cached: boolean): DpoSettings {
  const rows = stage === 'sft' ? c.pairs * 2 : c.pairs;
  return {
    ...DEFAULT_SETTINGS,
    stage,
    batchSize: rows,
    maxLength: c.length,
    maxPromptLength: c.length - 1,
    precomputeReference: cached,
    steps: 1e9,
    evalFraction: 0,
    evalEvery: 0,
    sampleEvery: 0,
  };
}

const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Memory now: tensors, bytes (GPU bytes on webgpu, where TF.js reports them). */
function memory(): { tensors: number; bytes: number } {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesInGPUAllocated?: number };
  return { tensors: m.numTensors, bytes: m.numBytesInGPUAllocated ?? m.numBytesInGPU ?? m.numBytes };
}

/** Times `trainer` steps in blocks (one read-back per block), as the app's loop reads metrics. */
async function timeSteps(trainer: Trainer, o: BenchOptions, now: () => number, onPeak?: (bytes: number) => void): Promise<number> {
  const blocks: number[] = [];
  for (let done = 0; done < o.measure; done += o.block) {
    const started = now();
    const pending: tf.Tensor[] = [];
    for (let i = 0; i < o.block; i++) pending.push(trainer.trainStep().metrics);
    onPeak?.(memory().bytes);
    const all = tf.concat(pending);
    await all.data();
    tf.dispose([all, ...pending]);
    blocks.push((now() - started) / o.block);
  }
  return median(blocks);
}

async function started(c: BenchCase, stage: Stage, cached: boolean): Promise<Trainer> {
  const trainer = new Trainer(c.config, initGptWeights(c.config, new SeededRandom(1)), settingsFor(c, stage, cached));
  trainer.setData({ train: fixedPairs(c), eval: [] });
  await trainer.prepare();
  return trainer;
}

/**
 * DPO (cached and uncached reference) and SFT steps of one case on the current backend.
 * `now` is the caller's clock (performance.now in browsers and Node).
 */
export async function benchCase(c: BenchCase, o: BenchOptions, now: () => number): Promise<BenchRun> {
  const dpo = await started(c, 'dpo', true);
  let first_step_ms: number;
  let dpo_ms: number;
  let peak = 0;
  let kernels: number | null = null;
  let before: { tensors: number; bytes: number };
  let after: { tensors: number; bytes: number };
  try {
    const t0 = now();
    const firstMetrics = dpo.trainStep().metrics;
    await firstMetrics.data();
    firstMetrics.dispose();
    first_step_ms = now() - t0;
    for (let i = 0; i < o.warmup; i++) tf.dispose(dpo.trainStep().metrics);
    dpo_ms = await timeSteps(dpo, o, now, (bytes) => (peak = Math.max(peak, bytes)));
    const profile = await tf.profile(() => dpo.trainStep().metrics);
    kernels = profile.kernels.length;
    tf.dispose(profile.result as tf.Tensor);
    // Growth is counted from the steady state: everything the run allocates once exists by now.
    before = memory();
    for (let i = 0; i < o.growthSteps; i++) {
      const m = dpo.trainStep().metrics;
      if (i % 32 === 31) await m.data();
      m.dispose();
    }
    after = memory();
  } finally {
    dpo.dispose();
  }
  const uncached = await started(c, 'dpo', false);
  const sft = await started(c, 'sft', true);
  try {
    for (let i = 0; i < o.warmup + 1; i++) tf.dispose([uncached.trainStep().metrics, sft.trainStep().metrics]);
    const dpo_uncached_ms = await timeSteps(uncached, o, now);
    const sft_ms = await timeSteps(sft, o, now);
    return {
      backend: tf.getBackend(),
      model: c.model,
      tokens: 2 * c.pairs * c.length,
      dpo_ms,
      sft_ms,
      dpo_uncached_ms,
      ref_cached: true,
      first_step_ms,
      tensors_before: before.tensors,
      tensors_after: after.tensors,
      bytes_before: before.bytes,
      bytes_after: after.bytes,
      peak_bytes: peak,
      kernels_per_step: kernels,
      growth_steps: o.growthSteps,
    };
  } finally {
    uncached.dispose();
    sft.dispose();
  }
}
