import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Trainer } from './trainer';
import { initGptWeights } from '../model/gpt-weights';
import { SeededRandom } from '../random';
import { MICRO_CONFIG, MICRO_SETTINGS, SAMPLE_PAIRS } from '../testing/tiny-model';
import type { DpoSettings } from './settings';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-file';
import { runTraining } from './training-run';
import { ReferenceCache } from './reference-cache';

/**
 * The run fills the reference cache as batches first visit their rows; before, it computed
 * every row before step 1. On the cpu backend the two must train bitwise alike.
 */

// 10 distinct pairs, 3 per batch: epochs end mid-batch and a resume at step 4 falls mid-epoch.
const PAIRS = [0, 1, 2].flatMap((k) => SAMPLE_PAIRS.map((p) => ({ ...p, prompt: `${p.prompt}${'?'.repeat(k)}` }))).slice(0, 10);
const SPLIT = { train: PAIRS, eval: SAMPLE_PAIRS.slice(1, 4) };
const SETTINGS: DpoSettings = { ...MICRO_SETTINGS, batchSize: 3, steps: 9, evalEvery: 4, learningRate: 3e-3 };

function trainer(settings: DpoSettings, initial = initGptWeights(MICRO_CONFIG, new SeededRandom(21))): Trainer {
  const t = new Trainer(MICRO_CONFIG, initial, settings);
  t.setData(SPLIT);
  return t;
}

interface Trace {
  metrics: number[];
  evals: number[];
  firstStepCached: number;
}

/** Runs the trainer to its target through the app's run loop, recording what a user would see. */
async function train(t: Trainer, stopAfter = Infinity): Promise<Trace> {
  const trace: Trace = { metrics: [], evals: [], firstStepCached: -1 };
  await runTraining(
    t,
    {
      metrics: async ({ values }) => void trace.metrics.push(...values),
      evaluation: async (_, __, values) => void trace.evals.push(...(values ?? [])),
      beforeStep: async (step) => {
        if (step === 2) trace.firstStepCached = (await t.referenceCached()).rows;
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

describe('the reference cache filled as batches visit their rows', () => {
  it('trains bitwise like computing every row up front: metrics, held-out metrics, weights', async () => {
    const eager = trainer(SETTINGS);
    await eager.prepare();
    expect(await eager.referenceCached()).toEqual({ rows: 10, of: 10 });
    const expected = await train(eager);

    const lazy = trainer(SETTINGS);
    expect(await lazy.referenceCached()).toEqual({ rows: 0, of: 10 });
    const got = await train(lazy);
    // Step 1 computed its own 3 rows' reference, not the dataset's.
    expect(got.firstStepCached).toBe(3);
    expect(await lazy.referenceCached()).toEqual({ rows: 10, of: 10 });

    expect(got.metrics).toHaveLength(9 * (expected.metrics.length / 9));
    expect(got.metrics).toEqual(expected.metrics);
    expect(got.evals.length).toBeGreaterThan(0);
    expect(got.evals).toEqual(expected.evals);
    expect(await weightsOf(lazy)).toEqual(await weightsOf(eager));
    eager.dispose();
    lazy.dispose();
  });

  it('resumed mid-epoch from a checkpoint (its cached rows computed again), the run ends bitwise as the eager one', async () => {
    const settings = { ...SETTINGS, evalEvery: 0, gradientAccumulationSteps: 2, batchSize: 2, steps: 7 };
    const eager = trainer(settings);
    await eager.prepare();
    const expected = await train(eager);

    const first = trainer(settings);
    await train(first, 4);
    expect(first.step).toBe(4);
    const bytes = encodeCheckpoint(await first.snapshot(), {});
    first.dispose();
    const { snapshot } = decodeCheckpoint(bytes);
    const resumed = trainer(settings, snapshot.policy);
    resumed.restore(snapshot);
    expect(await resumed.referenceCached()).toEqual({ rows: 0, of: 10 });
    const got = await train(resumed);

    const perStep = expected.metrics.length / 7;
    expect(got.metrics).toEqual(expected.metrics.slice(4 * perStep));
    expect(await weightsOf(resumed)).toEqual(await weightsOf(eager));
    eager.dispose();
    resumed.dispose();
  });

  it('leaves no tensor behind once its read-backs land', async () => {
    const t = trainer({ ...SETTINGS, evalEvery: 0, steps: 5 });
    const before = tf.memory().numTensors;
    await train(t);
    await t.referenceCached();
    expect(tf.memory().numTensors).toBe(before);
    t.dispose();
  });
});

describe('ReferenceCache', () => {
  it('hands rows back in the batch layout they were stored in, and nothing while a row is missing', async () => {
    const cache = new ReferenceCache(4, 2);
    // Rows 3 and 1: chosen values first (30, 10), then rejected (31, 11).
    cache.store([3, 1], tf.tensor1d([30, 10, 31, 11]));
    expect(cache.lookup([1, 3])).toBeNull(); // not read back yet
    await cache.settled();
    expect(Array.from(cache.lookup([1, 3])!)).toEqual([10, 30, 11, 31]);
    expect(cache.lookup([1, 2])).toBeNull();
    expect(cache.size).toBe(2);
  });

  it('refuses values that do not fit the rows, saying how many it got', () => {
    const cache = new ReferenceCache(4, 1);
    const values = tf.tensor1d([1, 2, 3]);
    expect(() => cache.store([0, 1], values)).toThrow('reference cache: 3 values for 2 rows of 1');
    values.dispose();
  });
});
