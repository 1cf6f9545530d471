import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DpoTrainer } from './dpo-trainer';
import { initGptWeights } from '../model/gpt-weights';
import { SeededRandom } from '../random';
import { MICRO_CONFIG, MICRO_SETTINGS, SAMPLE_PAIRS } from '../testing/tiny-model';
import { DeviceMetricsBuffer, metricRow } from './metrics';

function makeTrainer(settings = MICRO_SETTINGS) {
  const trainer = new DpoTrainer(MICRO_CONFIG, initGptWeights(MICRO_CONFIG, new SeededRandom(settings.seed)), settings);
  trainer.setDataset(SAMPLE_PAIRS);
  return trainer;
}

describe('DpoTrainer', () => {
  it('at step 0 the loss is exactly ln 2 and every reward is 0', async () => {
    const trainer = makeTrainer();
    const metrics = trainer.runStep(trainer.nextBatch(), false);
    const row = metricRow(await metrics.data());
    expect(row.loss).toBeCloseTo(Math.LN2, 6);
    expect(row['rewards/chosen']).toBe(0);
    expect(row['rewards/rejected']).toBe(0);
    expect(row['rewards/margins']).toBe(0);
    expect(row['rewards/accuracies']).toBe(0);
    expect(row['logps/chosen']).toBeLessThan(0);
    expect(row.grad_norm).toBeGreaterThan(0);
    metrics.dispose();
    trainer.dispose();
  });

  it('leaks no tensor across 20 steps and raises the margin on its data', async () => {
    const trainer = makeTrainer({ ...MICRO_SETTINGS, learningRate: 3e-3 });
    const buffer = new DeviceMetricsBuffer();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) buffer.push(trainer.trainStep().metrics);
    const values = await buffer.flush();
    expect(tf.memory().numTensors).toBe(before);
    expect(trainer.step).toBe(20);
    const first = metricRow(values, 0);
    const last = metricRow(values, 19 * (values.length / 20));
    expect(first.loss).toBeCloseTo(Math.LN2, 5);
    expect(last['rewards/margins']).toBeGreaterThan(0.05);
    expect(last.loss).toBeLessThan(first.loss);
    trainer.dispose();
  });

  it('the same seed reproduces the same metrics on cpu', async () => {
    const run = async () => {
      const trainer = makeTrainer();
      const buffer = new DeviceMetricsBuffer();
      for (let i = 0; i < 3; i++) buffer.push(trainer.trainStep().metrics);
      const values = await buffer.flush();
      trainer.dispose();
      return Array.from(values);
    };
    expect(await run()).toEqual(await run());
  });

  it('refuses a batch larger than the dataset, naming the setting', () => {
    const trainer = new DpoTrainer(MICRO_CONFIG, initGptWeights(MICRO_CONFIG, new SeededRandom(1)), { ...MICRO_SETTINGS, batchSize: 9 });
    expect(() => trainer.setDataset(SAMPLE_PAIRS)).toThrow(/batchSize: 9 pairs per batch, but the dataset has only 4/);
    trainer.dispose();
  });
});
