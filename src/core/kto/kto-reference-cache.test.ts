import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Trainer } from '../train/trainer';
import { initGptWeights } from '../model/gpt-weights';
import { SeededRandom } from '../random';
import { MICRO_CONFIG, MICRO_SETTINGS, SAMPLE_PAIRS } from '../testing/tiny-model';
import type { DpoSettings } from '../train/settings';
import { decodeCheckpoint, encodeCheckpoint } from '../train/checkpoint-file';
import { runTraining } from '../train/training-run';
import type { UnpairedExample } from '../data/unpaired';

/**
 * A KTO run caches each row's own reference log-prob (one value per row) through the same
 * lazy cache as DPO's pairs, filled as batches first visit rows; its KL rows' reference is
 * computed every step. On the cpu backend the run must be bitwise the one that fills the cache
 * up front (trainer.prepare()) and the one with no cache at all.
 */

const THUMBS: UnpairedExample[] = [
  { prompt: 'Q: tea?', completion: ' yes please', label: true },
  { prompt: 'Q: tea?', completion: ' ugh', label: false },
  { prompt: 'Q: cat', completion: ' meow', label: true },
  { prompt: 'Q: dog', completion: ' quack', label: false },
  { prompt: 'Q: sun', completion: ' warm', label: true },
];
// 5 unpaired rows + SAMPLE_PAIRS unpaired; 4 rows per batch, so epochs end mid-batch.
const SPLIT = { train: SAMPLE_PAIRS, eval: SAMPLE_PAIRS.slice(0, 1), unpairedTrain: THUMBS, unpairedEval: THUMBS.slice(0, 3) };
const ROWS = THUMBS.length + 2 * SAMPLE_PAIRS.length;
const KTO: DpoSettings = { ...MICRO_SETTINGS, stage: 'kto', batchSize: 4, steps: 7, evalEvery: 3, sampleEvery: 0, learningRate: 3e-3 };

function trainer(settings: DpoSettings, initial = initGptWeights(MICRO_CONFIG, new SeededRandom(5))): Trainer {
  const t = new Trainer(MICRO_CONFIG, initial, settings);
  t.setData(SPLIT);
  return t;
}

interface Trace {
  metrics: number[];
  evals: number[];
  /** Training rows cached once step 1's read-backs landed. */
  afterFirstStep: number;
}

async function train(t: Trainer, stopAfter = Infinity): Promise<Trace> {
  const trace: Trace = { metrics: [], evals: [], afterFirstStep: -1 };
  await runTraining(
    t,
    {
      metrics: async ({ values }) => void trace.metrics.push(...values),
      evaluation: async (_, __, values) => void trace.evals.push(...(values ?? [])),
      beforeStep: async (step) => {
        if (step === 2) trace.afterFirstStep = (await t.referenceCached()).rows;
      },
      shouldStop: (next) => next > stopAfter,
    },
    { flush: { everySteps: 1 } },
  );
  return trace;
}

async function weightsOf(t: Trainer): Promise<Record<string, number[]>> {
  return Object.fromEntries([...(await t.hostWeights())].map(([name, w]) => [name, Array.from(w.data)]));
}

describe("a KTO run's reference cache, filled as batches visit their rows", () => {
  it('trains bitwise like filling it up front and like no cache: metrics, held-out metrics, weights', async () => {
    const eager = trainer(KTO);
    await eager.prepare();
    expect(await eager.referenceCached()).toEqual({ rows: ROWS, of: ROWS });
    const expected = await train(eager);

    const lazy = trainer(KTO);
    expect(lazy.cachesReference).toBe(true);
    expect(await lazy.referenceCached()).toEqual({ rows: 0, of: ROWS });
    const got = await train(lazy);
    expect(got.afterFirstStep).toBe(4); // step 1 computed its own 4 rows, not the dataset's
    expect(await lazy.referenceCached()).toEqual({ rows: ROWS, of: ROWS });

    const uncached = trainer({ ...KTO, precomputeReference: false });
    expect(uncached.cachesReference).toBe(false);
    const everyStep = await train(uncached);

    expect(got.metrics.length).toBeGreaterThan(0);
    expect(got.evals.length).toBeGreaterThan(0);
    expect(got.metrics).toEqual(expected.metrics);
    expect(got.evals).toEqual(expected.evals);
    expect(everyStep.metrics).toEqual(expected.metrics);
    expect(everyStep.evals).toEqual(expected.evals);
    const weights = await weightsOf(eager);
    expect(await weightsOf(lazy)).toEqual(weights);
    expect(await weightsOf(uncached)).toEqual(weights);
    for (const t of [eager, lazy, uncached]) t.dispose();
  });

  it('resumed mid-epoch from a checkpoint (its cache empty again), the run ends bitwise as the eager one', async () => {
    const settings = { ...KTO, evalEvery: 0, gradientAccumulationSteps: 2, batchSize: 3 };
    const eager = trainer(settings);
    await eager.prepare();
    const expected = await train(eager);

    const first = trainer(settings);
    await train(first, 3);
    expect(first.step).toBe(3);
    const bytes = encodeCheckpoint(await first.snapshot(), {});
    first.dispose();
    const { snapshot } = decodeCheckpoint(bytes);
    const resumed = trainer(settings, snapshot.policy);
    resumed.restore(snapshot);
    expect(await resumed.referenceCached()).toEqual({ rows: 0, of: ROWS });
    const got = await train(resumed);

    const perStep = expected.metrics.length / settings.steps;
    expect(got.metrics).toEqual(expected.metrics.slice(3 * perStep));
    expect(await weightsOf(resumed)).toEqual(await weightsOf(eager));
    eager.dispose();
    resumed.dispose();
  });

  it('leaves no tensor behind once its read-backs land', async () => {
    const t = trainer({ ...KTO, steps: 4 });
    const before = tf.memory().numTensors;
    await train(t);
    await t.referenceCached();
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });
});
