/**
 * Time to the first step: from "start" (the trainer made, the dataset set) to the first step's
 * metrics read back, through the app's own run loop, with cached reference log-probs. Before
 * the cache filled lazily the run computed every row's reference first, so this time grew with
 * the dataset; the benchmark runs one case at several dataset sizes side by side to show that
 * it no longer does.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initModelWeights } from '../model/causal-lm';
import { SeededRandom } from '../random';
import { Trainer } from '../train/trainer';
import { runTraining } from '../train/training-run';
import type { BenchCase } from './bench-cases';
import { fixedPairs, settingsFor, type ShaderWarmUp } from './step-bench';

export interface FirstStepBenchRequest {
  /** Dataset sizes (pairs) to time the first step at. */
  pairs: number[];
}

export interface FirstStepBenchRun {
  kind: 'first-step';
  backend: string;
  model: string;
  /** Training pairs in the dataset. */
  pairs: number;
  /** "Start" to the first step's metrics: data set, shader warm-up (when given), one step, read-back. */
  first_step_ms: number;
  /** Of it, the shader warm-up; null without one. */
  warmup_ms: number | null;
  /** Rows whose reference log-probs were cached when the first step's metrics arrived: its batch's. */
  reference_rows_cached: number;
}

/** The first step of `c` at each dataset size in `request.pairs`, one fresh trainer each. */
export async function benchFirstStep(
  c: BenchCase,
  request: FirstStepBenchRequest,
  now: () => number,
  warmUp?: ShaderWarmUp,
): Promise<FirstStepBenchRun[]> {
  const runs: FirstStepBenchRun[] = [];
  for (const pairs of request.pairs) {
    if (!(Number.isInteger(pairs) && pairs >= c.pairs)) throw new Error(`first-step bench: ${pairs} pairs (at least a batch, ${c.pairs}, needed)`);
    const data = { train: fixedPairs(c, pairs), eval: [] };
    const weights = initModelWeights(c.config, new SeededRandom(1));
    const started = now();
    const trainer = new Trainer(c.config, weights, { ...settingsFor(c, 'dpo', true), steps: 1 });
    let warmup_ms: number | null = null;
    let firstMetrics = 0;
    try {
      trainer.setData(data);
      await runTraining(
        trainer,
        {
          warmUp: warmUp && (async () => void (warmup_ms = await warmUp(() => trainer.rehearseStep()))),
          metrics: () => void (firstMetrics = now()),
        },
        { flush: { first: true } },
      );
      const { rows } = await trainer.referenceCached();
      runs.push({
        kind: 'first-step',
        backend: tf.getBackend(),
        model: c.model,
        pairs,
        first_step_ms: firstMetrics - started,
        warmup_ms,
        reference_rows_cached: rows,
      });
    } finally {
      trainer.dispose();
    }
  }
  return runs;
}
