import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Trainer } from './trainer';
import { initGptWeights } from '../model/gpt-weights';
import { SeededRandom } from '../random';
import { MICRO_CONFIG, MICRO_SETTINGS, SAMPLE_PAIRS } from '../testing/tiny-model';
import { metricAt } from './metric-names';
import type { DpoSettings } from './settings';
import { runTraining, type TrainingRunSinks } from './training-run';

function trainerWith(patch: Partial<DpoSettings>, evalPairs = SAMPLE_PAIRS.slice(0, 2)): Trainer {
  const settings = { ...MICRO_SETTINGS, maxNewTokens: 2, ...patch };
  const trainer = new Trainer(MICRO_CONFIG, initGptWeights(MICRO_CONFIG, new SeededRandom(3)), settings);
  trainer.setData({ train: SAMPLE_PAIRS, eval: evalPairs });
  return trainer;
}

/** Every sink call, in order, as "kind@step"; metrics blocks are handed over (transferred) as a worker would. */
function recordingSinks(extra: Partial<TrainingRunSinks> = {}) {
  const calls: string[] = [];
  const steps: number[] = [];
  const losses: number[] = [];
  const sinks: TrainingRunSinks = {
    metrics: ({ steps: s, values }) => {
      calls.push(`metrics@${s.join(',')}`);
      steps.push(...s);
      s.forEach((_, i) => losses.push(metricAt(values, i, 'loss')));
      structuredClone(values, { transfer: [values.buffer as ArrayBuffer] }); // a read after this fails
    },
    evaluation: (step, metrics) => void calls.push(`eval@${step}:${metrics ? 'named' : 'none'}`),
    samples: (step, rows) => void calls.push(`samples@${step}×${rows.length}`),
    checkpoint: async () => void calls.push('checkpoint'),
    ...extra,
  };
  return { calls, steps, losses, sinks };
}

describe('the training run', () => {
  it('reads metrics back once per flush, evaluates at 0, every N and at the end, samples every M', async () => {
    const trainer = trainerWith({ steps: 5, evalEvery: 2, sampleEvery: 3 });
    const before = tf.memory().numTensors;
    const { calls, steps, sinks } = recordingSinks();
    const outcome = await runTraining(trainer, sinks, { flush: { everySteps: 10 } });
    expect(outcome).toEqual({ diverged: null, stopped: false, step: 5 });
    expect(steps).toEqual([1, 2, 3, 4, 5]); // each step once
    expect(calls).toEqual([
      'eval@0:named',
      'metrics@1,2',
      'checkpoint',
      'eval@2:named',
      'metrics@3',
      'checkpoint',
      'samples@3×2',
      'metrics@4',
      'checkpoint',
      'eval@4:named',
      'metrics@5',
      'checkpoint',
      'eval@5:named',
    ]);
    expect(tf.memory().numTensors).toBe(before);
    trainer.dispose();
  });

  it('tells a run without held-out pairs that there is nothing to evaluate', async () => {
    const trainer = trainerWith({ steps: 2, evalEvery: 0, sampleEvery: 0 }, []);
    const { calls, sinks } = recordingSinks();
    await runTraining(trainer, sinks, { flush: { first: true } });
    expect(calls).toEqual(['metrics@1', 'checkpoint', 'metrics@2', 'checkpoint', 'eval@2:none']);
    trainer.dispose();
  });

  it('stops between steps when asked, without a final evaluation', async () => {
    const trainer = trainerWith({ steps: 50, evalEvery: 0, sampleEvery: 0 });
    let stepsSeen = 0;
    const { calls, steps, sinks } = recordingSinks({ beforeStep: async (step) => void (stepsSeen = step), shouldStop: () => stepsSeen >= 3 });
    const outcome = await runTraining(trainer, sinks, { flush: { everySteps: 2 } });
    expect(outcome).toEqual({ diverged: null, stopped: true, step: 3 });
    expect(steps).toEqual([1, 2, 3]); // the pending step is still read back
    expect(calls.some((c) => c.startsWith('eval'))).toBe(false);
    trainer.dispose();
  });

  it('a non-finite loss ends the run at the read-back that sees it, with no checkpoint of it', async () => {
    const trainer = trainerWith({ steps: 40, learningRate: 1e30, maxGradNorm: 0, evalEvery: 0, sampleEvery: 0 });
    const { calls, sinks } = recordingSinks();
    const outcome = await runTraining(trainer, sinks, { flush: { everySteps: 4 } });
    expect(outcome.diverged).toMatchObject({ step: 2, metric: 'loss' });
    expect(outcome.step).toBe(4);
    expect(calls).toEqual(['metrics@1,2,3,4']);
    trainer.dispose();
  });

  it('with skipNonFinite, reports the skipped steps and trains on', async () => {
    const trainer = trainerWith({ steps: 6, learningRate: 1e30, maxGradNorm: 0, evalEvery: 0, sampleEvery: 0, skipNonFinite: true });
    const skipped: number[] = [];
    const { losses, sinks } = recordingSinks({ skipped: (steps) => void skipped.push(...steps) });
    const outcome = await runTraining(trainer, sinks, { flush: { everySteps: 3 } });
    expect(outcome).toEqual({ diverged: null, stopped: false, step: 6 });
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped).toEqual([1, 2, 3, 4, 5, 6].filter((_, i) => !Number.isFinite(losses[i])));
    trainer.dispose();
  });

  it('a target of step 0 reads the first batch back as step 0, without an update', async () => {
    const trainer = trainerWith({ steps: 0, evalEvery: 0 });
    const { steps, losses, sinks } = recordingSinks();
    expect(await runTraining(trainer, sinks, { flush: {} })).toEqual({ diverged: null, stopped: false, step: 0 });
    expect(steps).toEqual([0]);
    expect(losses[0]).toBeCloseTo(Math.LN2, 5);
    trainer.dispose();
  });

  it('flushes on the clock it is given', async () => {
    const trainer = trainerWith({ steps: 4, evalEvery: 0, sampleEvery: 0 });
    let time = 0;
    const { calls, sinks } = recordingSinks({ beforeStep: async (step) => void (time = step === 3 ? 1000 : time) });
    await runTraining(trainer, sinks, { flush: { intervalMs: 500 }, now: () => time });
    expect(calls.filter((c) => c.startsWith('metrics'))).toEqual(['metrics@1,2,3', 'metrics@4']);
    trainer.dispose();
  });
});
