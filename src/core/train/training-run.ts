/**
 * The one training run: the worker (studio), the CLI and the sentiment demo all step a
 * Trainer through here and differ only in their sinks (post an event, write a file, plot a
 * frontier point) and in how often they read metrics back. Nothing else calls trainStep
 * outside benchmarks and tests.
 *
 * Each flush reads every pending step's metrics back once; the run checks them for
 * divergence (or reports the skipped steps) before any sink sees them, and never reads a
 * block again after handing it over, so a sink may transfer it to another thread.
 */
import type { IndexedBatch, Trainer } from './trainer';
import { DeviceMetricsBuffer } from './metrics';
import { countNonFinite, findDivergence, type Divergence } from './divergence';
import { forwardMetrics, metricRowCount, type ForwardMetricName } from './metric-names';
import { samplePolicyAndReference, samplingPrompts, type SampleRow } from './samples';
import { yieldToEventLoop } from '../yield-to-event-loop';

export type RunPhase = 'compiling' | 'training';

/** When pending metrics are read back (besides before every evaluation, sampling and the end). */
export interface FlushPolicy {
  /** Every N steps; 0 or absent: not by count. */
  everySteps?: number;
  /** When this long has passed since the last read-back (ms, on `now`). */
  intervalMs?: number;
  /** When this many steps are unread. */
  maxPending?: number;
  /** Right after the first step (it shows that training has started). */
  first?: boolean;
}

export interface MetricsBlock {
  /** The rows' step numbers. */
  steps: number[];
  /** Row-major [steps × METRIC_COUNT] in METRIC_NAMES order; the run never reads it again. */
  values: Float32Array;
  /** Time since the previous read-back (s) and tokens trained in it, for rates. */
  seconds: number;
  tokens: number;
}

export type EvalMetrics = Record<ForwardMetricName, number>;

export interface TrainingRunSinks {
  phase?(phase: RunPhase): void;
  metrics?(block: MetricsBlock): void | Promise<void>;
  /** Steps skipNonFinite left without an update, per read-back. */
  skipped?(steps: number[]): void;
  /**
   * Held-out metrics at step 0 (when evalEvery > 0), every evalEvery steps and at the end;
   * `values` in FORWARD_METRIC_NAMES order. Both null when the run has no held-out pairs.
   */
  evaluation?(step: number, metrics: EvalMetrics | null, values: Float32Array | null): void | Promise<void>;
  samples?(step: number, rows: SampleRow[]): void | Promise<void>;
  /** After each read-back of a run that goes on: where a checkpoint may be saved. */
  checkpoint?(): Promise<void>;
  /** Before each optimizer step, with the micro-batches it will train on. */
  beforeStep?(step: number, batches: IndexedBatch[]): Promise<void>;
  /** Compiles the step's kernels ahead of the first step (WebGPU). */
  warmUp?(): Promise<void>;
  /**
   * Asked before each step with the step about to be taken: true ends the run. An answer that
   * is a promise may take its time (an end-to-end test holding the run): the pending metrics
   * are read back and checkpointed first, so everything trained so far is out while it waits.
   */
  shouldStop?(nextStep: number): boolean | Promise<boolean>;
}

export interface TrainingRunOptions {
  flush: FlushPolicy;
  /** The clock for the flush interval and the rates (ms). */
  now?: () => number;
}

export interface TrainingRunOutcome {
  diverged: Divergence | null;
  /** A stop request ended it before the target step. */
  stopped: boolean;
  step: number;
}

/**
 * Trains until the trainer reaches `settings.steps` (its current settings), a stop request or
 * a non-finite loss or gradient norm (unless skipNonFinite). Yields to the event loop between
 * steps, so a stop request is handled there. A target of step 0 reads the first batch's
 * metrics without an update, as step 0.
 */
export async function runTraining(trainer: Trainer, sinks: TrainingRunSinks, options: TrainingRunOptions): Promise<TrainingRunOutcome> {
  const settings = trainer.currentSettings;
  const target = settings.steps;
  const now = options.now ?? Date.now;
  const policy = options.flush;
  const due = (every: number) => every > 0 && trainer.step % every === 0;
  const buffer = new DeviceMetricsBuffer();
  const pending: number[] = [];
  let tokens = 0;
  let lastFlush = now();
  let flushes = 0;
  let diverged: Divergence | null = null;
  const flush = async () => {
    const values = await buffer.flush();
    const time = now();
    const steps = pending.splice(0);
    const block = { steps, values, seconds: Math.max((time - lastFlush) / 1000, 1e-6), tokens };
    tokens = 0;
    lastFlush = time;
    if (!settings.skipNonFinite) diverged ??= findDivergence(steps, values);
    else {
      const skipped = countNonFinite(steps, values);
      if (skipped.length > 0) sinks.skipped?.(skipped);
    }
    if (metricRowCount(values) !== steps.length) throw new Error(`metrics: ${metricRowCount(values)} rows read back for ${steps.length} steps`);
    await sinks.metrics?.(block);
    if (flushes++ === 0) sinks.phase?.('training');
  };
  const evaluate = async () => {
    if (!sinks.evaluation) return;
    const values = await trainer.evaluate();
    await sinks.evaluation(trainer.step, values && forwardMetrics(values), values);
  };
  const sample = async () => {
    const split = trainer.data;
    if (!split || !sinks.samples) return;
    await sinks.samples(trainer.step, await samplePolicyAndReference(trainer, samplingPrompts(split), settings, settings.seed, trainer.step));
  };
  try {
    // Reference log-probs are not computed up front: with the cache on, each step computes its
    // batch's uncached rows and the cache keeps them (see ReferenceCache), so the first step
    // waits for one batch, whatever the dataset's size.
    // The first step compiles every shader on WebGPU and can take a while: say so, and
    // compile them ahead of it where the caller can.
    sinks.phase?.(trainer.step === 0 ? 'compiling' : 'training');
    if (trainer.step === 0) await sinks.warmUp?.();
    if (target === 0 && trainer.step === 0) {
      buffer.push(trainer.evaluateBatch(trainer.nextBatch()));
      pending.push(0);
      await flush();
    }
    if (trainer.step === 0 && settings.evalEvery > 0) await evaluate();
    const stopBeforeNextStep = async () => {
      const answer = sinks.shouldStop?.(trainer.step + 1) ?? false;
      if (typeof answer === 'boolean') return answer;
      if (buffer.size > 0) {
        await flush();
        if (diverged) return true;
        await sinks.checkpoint?.();
      }
      return await answer;
    };
    while (trainer.step < target && !(await stopBeforeNextStep())) {
      const batches = trainer.nextBatches();
      await sinks.beforeStep?.(trainer.step + 1, batches);
      const { metrics, tokenCount } = trainer.trainStep(batches);
      buffer.push(metrics);
      pending.push(trainer.step);
      tokens += tokenCount;
      const flushNow =
        (policy.first === true && flushes === 0) ||
        (policy.everySteps !== undefined && due(policy.everySteps)) ||
        (policy.maxPending !== undefined && buffer.size >= policy.maxPending) ||
        (policy.intervalMs !== undefined && now() - lastFlush >= policy.intervalMs) ||
        due(settings.evalEvery) ||
        due(settings.sampleEvery) ||
        trainer.step === target;
      if (flushNow) await flush();
      if (diverged) break;
      if (flushNow) await sinks.checkpoint?.();
      if (due(settings.evalEvery)) await evaluate();
      if (due(settings.sampleEvery)) await sample();
      await yieldToEventLoop();
    }
    if (buffer.size > 0) await flush();
    const reached = !diverged && target > 0 && trainer.step === target;
    if (reached && !due(settings.evalEvery)) await evaluate();
  } finally {
    buffer.dispose();
  }
  return { diverged, stopped: !diverged && trainer.step < target, step: trainer.step };
}
