import * as tf from '@tensorflow/tfjs-core';
import { initModelWeights } from '../model/causal-lm';
import { SeededRandom } from '../random';
import { Trainer } from '../train/trainer';
import { DEFAULT_SETTINGS, type DpoSettings, type Stage } from '../train/settings';
import type { PreferencePair } from '../data/preference-pairs';
import { tokenLogProbsPath } from '../dpo/token-logprobs';
import { causalAttentionPath } from '../ops/attention';
import { estimateTrainingMemory } from '../model/memory-estimate';
import type { BenchCase } from './bench-cases';
import { ATTENTION_LENGTHS, attentionShape, benchAttention, type AttentionBenchRun, type AttentionPeak, type AttentionShape } from './attention-bench';
import { pathTaken, withPortableOps, type KernelPath } from '../ops/kernel-path';
import type { FirstStepBenchRequest, FirstStepBenchRun } from './first-step-bench';
import type { PackedLinearBenchRequest, PackedLinearBenchRun } from './packed-linear-bench';
import type { LogProbsBenchRequest, LogProbsBenchRun } from './logprobs-bench';

export { BENCH_CASES, type BenchCase } from './bench-cases';

export interface BenchOptions {
  /** Steps before timing (after the first, compiling one). */
  warmup: number;
  /** Timed steps; reported as the median of blocks of `block` steps, one read-back per block. */
  measure: number;
  block: number;
  /** Steps over which tensor (and GPU byte) growth is counted. */
  growthSteps: number;
  /** When set, the log-prob memory benchmark runs instead of the model cases. */
  logprobs?: LogProbsBenchRequest;
  /** When set, the time to the first step at these dataset sizes runs instead (first-step-bench.ts). */
  firstStep?: FirstStepBenchRequest;
  /** Compile the step's shaders ahead of the first step, as the app does (WebGPU); default on. */
  shaderWarmUp?: boolean;
  /** Lengths of the attention memory measurement (default 256, 512, 1,024; empty: none). */
  attentionLengths?: number[];
  /** When set, only each model's attention memory at `attentionLengths` runs (attention-bench.ts). */
  attentionOnly?: boolean;
  /** When set, the packed 16-bit matmul against float32 runs instead (packed-linear-bench.ts). */
  packedLinear?: PackedLinearBenchRequest;
}

/** The caller's shader warm-up (the worker's, on WebGPU): ms spent, or null when nothing was compiled. */
export type ShaderWarmUp = (rehearse: () => void) => Promise<number | null>;

export const QUICK_BENCH: BenchOptions = { warmup: 2, measure: 12, block: 4, growthSteps: 100 };

/** A benchmark result: training steps of a model case, the log-prob memory benchmark, or the first step's time. */
export type BenchRun = StepBenchRun | LogProbsBenchRun | FirstStepBenchRun | AttentionBenchRun | PackedLinearBenchRun;

export interface StepBenchRun {
  kind?: 'step';
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
  /** The very first DPO step (its reference cached ahead), shader compilation included unless warmed up ahead of it. */
  first_step_ms: number;
  /** Time the shader warm-up took before the first step; null without one. */
  warmup_ms: number | null;
  tensors_before: number;
  tensors_after: number;
  bytes_before: number;
  bytes_after: number;
  /** Highest bytes held during the timed DPO steps (GPU bytes on webgpu). */
  peak_bytes: number;
  /** tf.profile's peak during one cached DPO step: every tensor alive at the step's fullest, weights and optimizer state included. */
  step_peak_bytes: number;
  /** What the app's memory estimate says this DPO step needs (estimateTrainingMemory, fused log-probs and attention where the backend has them). */
  estimated_bytes: number;
  /** Kernels of one cached DPO step (forward, backward, optimizer), fused kernels where the backend has them. */
  kernels_per_step: number | null;
  /** Distinct kernels the profiled DPO step ran, by name: shows which fused ops (e.g. CausalAttention) a backend really used. */
  step_kernel_names: string[];
  /** Kernel calls of one cached DPO step by kernel name (DPO Studio's fused kernels among them where they ran). */
  kernel_counts: Record<string, number>;
  /** The same step with every op on its portable TF.js path (withPortableOps). */
  kernels_per_step_portable: number | null;
  /** step_peak_bytes with the portable ops. */
  step_peak_bytes_portable: number;
  /** Whether the unforced DPO step took any fused kernel. */
  kernel_path: KernelPath;
  /** One attention forward + backward at B = 1 and the case's heads: peak bytes per length, both ways. */
  attention: (AttentionShape & { peaks: AttentionPeak[] }) | null;
  /** Kernels of one SFT step, for comparison with the DPO step's. */
  sft_kernels_per_step: number | null;
  growth_steps: number;
  /** Tensors and bytes after each quarter of the growth steps. */
  growth_trace?: { step: number; tensors: number; bytes: number }[];
}

/** The app's estimate for the case's cached DPO step, as the Train button checks it. */
function estimatedBytes(c: BenchCase): number {
  return estimateTrainingMemory({
    config: c.config,
    lora: c.lora,
    batchSize: c.pairs,
    maxLength: c.length,
    stage: 'dpo',
    referenceCopy: !c.lora,
    optimizerSlots: 2,
    fusedLogProbs: tokenLogProbsPath() === 'fused',
    fusedAttention: causalAttentionPath() === 'fused',
  }).totalBytes;
}

/** `count` pairs whose byte tokens fill the length exactly (prompt a quarter, completions the rest). */
export function fixedPairs(c: BenchCase, count = c.pairs * 2): PreferencePair[] {
  const rng = new SeededRandom(5);
  const text = (n: number) => Array.from({ length: n }, () => String.fromCharCode(97 + rng.int(26))).join('');
  const prompt = Math.floor(c.length / 4);
  return Array.from({ length: count }, () => ({
    prompt: text(prompt),
    chosen: text(c.length - prompt - 1),
    rejected: text(c.length - prompt - 1),
  }));
}

export function settingsFor(c: BenchCase, stage: Stage, cached: boolean): DpoSettings {
  const rows = stage === 'sft' ? c.pairs * 2 : c.pairs;
  return {
    ...DEFAULT_SETTINGS,
    stage,
    batchSize: rows,
    maxLength: c.length,
    maxPromptLength: c.length - 1,
    precomputeReference: cached,
    ...(c.lora ? { lora: c.lora } : {}),
    steps: 1e9,
    evalFraction: 0,
    evalEvery: 0,
    sampleEvery: 0,
  };
}

export const median = (values: number[]) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Memory now: tensors, bytes (GPU bytes on webgpu, where TF.js reports them). */
function memory(): { tensors: number; bytes: number } {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesInGPUAllocated?: number };
  return { tensors: m.numTensors, bytes: m.numBytesInGPUAllocated ?? m.numBytesInGPU ?? m.numBytes };
}

/** One block of `o.block` steps with one read-back, as the app's loop reads metrics: ms per step. */
async function timeBlock(trainer: Trainer, o: BenchOptions, now: () => number, onPeak?: (bytes: number) => void): Promise<number> {
  const started = now();
  const pending: tf.Tensor[] = [];
  for (let i = 0; i < o.block; i++) pending.push(trainer.trainStep().metrics);
  onPeak?.(memory().bytes);
  const all = tf.concat(pending);
  await all.data();
  tf.dispose([all, ...pending]);
  return (now() - started) / o.block;
}

async function started(c: BenchCase, stage: Stage, cached: boolean): Promise<Trainer> {
  const trainer = new Trainer(c.config, initModelWeights(c.config, new SeededRandom(1)), settingsFor(c, stage, cached));
  trainer.setData({ train: fixedPairs(c), eval: [] });
  // Every row's reference up front, so each measured DPO step is a cached one from the start
  // (a run fills the cache during its first epoch; first-step-bench.ts times that path).
  await trainer.prepare();
  return trainer;
}

/**
 * DPO (cached and uncached reference) and SFT steps of one case on the current backend.
 * `now` is the caller's clock (performance.now in browsers and Node).
 */
export async function benchCase(c: BenchCase, o: BenchOptions, now: () => number, warmUp?: ShaderWarmUp): Promise<StepBenchRun> {
  const dpo = await started(c, 'dpo', true);
  const others: Trainer[] = [];
  try {
    let warmup_ms: number | null = null;
    if (warmUp && o.shaderWarmUp !== false) warmup_ms = await warmUp(() => dpo.rehearseStep());
    const t0 = now();
    const firstMetrics = dpo.trainStep().metrics;
    await firstMetrics.data();
    firstMetrics.dispose();
    const first_step_ms = now() - t0;
    let kernel_path: KernelPath = 'portable';
    // Read at once: TF.js hands every tf.profile call the same info object, refilled.
    const profiled = async (t: Trainer) => {
      const profile = await tf.profile(() => {
        const { result, path } = pathTaken(() => t.trainStep().metrics);
        if (path === 'fused') kernel_path = 'fused';
        return result;
      });
      tf.dispose(profile.result as tf.Tensor);
      return { kernels: profile.kernels.length, names: profile.kernels.map((k) => k.name), peakBytes: profile.peakBytes };
    };
    // Profiled while this trainer is the only one alive: the peak is what a run of it holds.
    const dpoProfile = await profiled(dpo);
    const portableProfile = await withPortableOps(() => profiled(dpo));
    const sft = await started(c, 'sft', true);
    others.push(sft);
    const uncached = await started(c, 'dpo', false);
    others.push(uncached);
    const trainers = [dpo, sft, uncached];
    let queued: tf.Tensor | null = null;
    for (const [i, t] of trainers.entries())
      for (let s = 0; s < o.warmup + (i === 0 ? 0 : 1); s++) {
        queued?.dispose();
        queued = t.trainStep().metrics;
      }
    // On WebGPU the warm-up steps are still queued on the device until something is read back:
    // without this read, the first timed block would pay for them.
    if (queued) {
      await queued.data();
      queued.dispose();
    }
    // Blocks interleave the three step kinds, in a rotating order, so that drift (other load,
    // clock boost, a JIT warming up) hits each alike instead of whichever is timed last.
    const times: number[][] = [[], [], []];
    let peak = 0;
    for (let b = 0; b < Math.max(1, Math.round(o.measure / o.block)); b++)
      for (let k = 0; k < 3; k++) {
        const i = (b + k) % 3;
        times[i].push(await timeBlock(trainers[i], o, now, i === 0 ? (bytes) => (peak = Math.max(peak, bytes)) : undefined));
      }
    const kernels_per_step = dpoProfile.kernels;
    const kernel_counts: Record<string, number> = {};
    for (const name of dpoProfile.names) kernel_counts[name] = (kernel_counts[name] ?? 0) + 1;
    const sft_kernels_per_step = (await profiled(sft)).kernels;
    // Growth is counted from the steady state: everything the run allocates once exists by now.
    // Memory is sampled right after a read-back, when WebGPU has submitted its queue: host
    // uploads stage through buffers that count until the next submit, which would otherwise
    // show up as "growth" depending on where the sample falls.
    const settled = async (m: tf.Tensor) => {
      await m.data();
      return memory();
    };
    const first = dpo.trainStep().metrics;
    const before = await settled(first);
    first.dispose();
    // Checkpoints every quarter show whether any growth levels off (a pool filling) or keeps on (a leak).
    const growth_trace: { step: number; tensors: number; bytes: number }[] = [];
    const quarter = Math.max(1, Math.floor(o.growthSteps / 4));
    let after = before;
    for (let i = 0; i < o.growthSteps; i++) {
      const m = dpo.trainStep().metrics;
      if ((i + 1) % quarter === 0 || i === o.growthSteps - 1) {
        after = await settled(m);
        if ((i + 1) % quarter === 0) growth_trace.push({ step: i + 1, ...after });
      } else if (i % 32 === 31) await m.data();
      m.dispose();
    }
    const attentionLengths = o.attentionLengths ?? ATTENTION_LENGTHS;
    const attention = attentionLengths.length > 0 ? { ...attentionShape(c), peaks: await benchAttention(c, attentionLengths) } : null;
    return {
      backend: tf.getBackend(),
      model: c.model,
      tokens: 2 * c.pairs * c.length,
      dpo_ms: median(times[0]),
      sft_ms: median(times[1]),
      dpo_uncached_ms: median(times[2]),
      ref_cached: true,
      first_step_ms,
      warmup_ms,
      tensors_before: before.tensors,
      tensors_after: after.tensors,
      bytes_before: before.bytes,
      bytes_after: after.bytes,
      peak_bytes: peak,
      step_peak_bytes: dpoProfile.peakBytes,
      estimated_bytes: estimatedBytes(c),
      kernels_per_step,
      step_kernel_names: Object.keys(kernel_counts).sort(),
      kernel_counts,
      kernels_per_step_portable: portableProfile.kernels,
      step_peak_bytes_portable: portableProfile.peakBytes,
      kernel_path,
      attention,
      sft_kernels_per_step,
      growth_steps: o.growthSteps,
      growth_trace,
    };
  } finally {
    dpo.dispose();
    for (const t of others) t.dispose();
  }
}
