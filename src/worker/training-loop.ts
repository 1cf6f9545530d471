import type { Trainer } from '../core/train/trainer';
import { DeviceMetricsBuffer } from '../core/train/metrics';
import type { DpoSettings } from '../core/train/settings';
import { countNonFinite, findDivergence, type Divergence } from '../core/train/divergence';
import type { SampleRow, WorkerEvent } from '../protocol/messages';

/** At most ~7 metric messages a second, and never more than this many steps unread. */
const FLUSH_INTERVAL_MS = 150;
const MAX_PENDING_STEPS = 32;

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export interface LoopOutcome {
  diverged: Divergence | null;
}

export interface LoopHooks {
  emit(event: WorkerEvent): void;
  stopRequested(): boolean;
  /** Keeps the flushed rows for the export's metrics.jsonl. */
  record(steps: number[], values: Float32Array): void;
  sample(step: number): Promise<SampleRow[]>;
  /** After each metrics read-back (where a checkpoint may be saved). */
  afterFlush?(): Promise<void>;
  /** Compiles the step's shaders before the first step (WebGPU); resolves when done. */
  warmUp?(): Promise<void>;
}

/**
 * Steps the trainer up to `settings.steps`, streaming metric deltas, eval metrics and
 * samples. Yields to the event loop between steps so a stop request is handled there.
 */
export async function runTrainingLoop(trainer: Trainer, settings: DpoSettings, hooks: LoopHooks): Promise<LoopOutcome> {
  let diverged: Divergence | null = null;
  const targetStep = settings.steps;
  const stage = settings.stage;
  const status = (s: 'reference' | 'compiling' | 'training' | 'idle', progress?: { done: number; total: number }) =>
    hooks.emit({ type: 'status', status: s, step: trainer.step, targetStep, stage, progress });
  const buffer = new DeviceMetricsBuffer();
  const pendingSteps: number[] = [];
  let tokens = 0;
  let lastFlush = performance.now();
  let flushed = false;
  const flush = async () => {
    const values = await buffer.flush();
    const now = performance.now();
    const seconds = Math.max((now - lastFlush) / 1000, 1e-6);
    hooks.record(pendingSteps, values);
    if (!settings.skipNonFinite) diverged ??= findDivergence(pendingSteps, values);
    else {
      const skipped = countNonFinite(pendingSteps, values);
      if (skipped.length > 0)
        hooks.emit({
          type: 'notice',
          message: `skipped ${skipped.length} step${skipped.length > 1 ? 's' : ''} with a non-finite loss or gradient (step ${skipped.join(', ')}); the weights were left as they were`,
        });
    }
    hooks.emit({
      type: 'metrics',
      steps: Int32Array.from(pendingSteps),
      values,
      stepsPerSecond: pendingSteps.length / seconds,
      tokensPerSecond: tokens / seconds,
    });
    pendingSteps.length = 0;
    tokens = 0;
    lastFlush = now;
  };
  const evaluate = async () => {
    const values = await trainer.evaluate();
    if (values) hooks.emit({ type: 'evalMetrics', step: trainer.step, values });
  };
  const samples = async () => hooks.emit({ type: 'samples', step: trainer.step, rows: await hooks.sample(trainer.step) });
  try {
    if (trainer.needsPreparation) {
      status('reference', { done: 0, total: trainer.trainPairCount + trainer.evalPairCount });
      await trainer.prepare((done, total) => status('reference', { done, total }));
    }
    // The first step compiles every shader on WebGPU and can take a while: say so, and
    // compile them ahead of it where the backend can.
    status(trainer.step === 0 ? 'compiling' : 'training');
    if (trainer.step === 0) await hooks.warmUp?.();
    if (trainer.step === 0 && settings.evalEvery > 0) await evaluate();
    while (trainer.step < targetStep && !hooks.stopRequested() && !diverged) {
      const { metrics, tokenCount } = trainer.trainStep();
      buffer.push(metrics);
      pendingSteps.push(trainer.step);
      tokens += tokenCount;
      const due = (every: number) => every > 0 && trainer.step % every === 0;
      const flushedNow =
        !flushed ||
        buffer.size >= MAX_PENDING_STEPS ||
        performance.now() - lastFlush >= FLUSH_INTERVAL_MS ||
        due(settings.evalEvery) ||
        due(settings.sampleEvery);
      if (flushedNow) {
        await flush();
        if (!flushed) status('training');
        flushed = true;
      }
      if (diverged) break;
      if (flushedNow) await hooks.afterFlush?.();
      if (due(settings.evalEvery)) await evaluate();
      if (due(settings.sampleEvery)) await samples();
      await nextTask();
    }
    if (buffer.size > 0) await flush();
    if (!diverged && trainer.step === targetStep && !(settings.evalEvery > 0 && trainer.step % settings.evalEvery === 0)) await evaluate();
  } finally {
    buffer.dispose();
    status('idle');
  }
  return { diverged };
}
