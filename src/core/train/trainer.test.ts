import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Trainer } from './trainer';
import { initGptWeights } from '../model/gpt-weights';
import { SeededRandom } from '../random';
import { MICRO_CONFIG, MICRO_SETTINGS, SAMPLE_PAIRS } from '../testing/tiny-model';
import { DeviceMetricsBuffer } from './metrics';
import { metricRow, METRIC_COUNT } from './metric-names';
import type { DpoSettings } from './settings';
import { splitDataset, type DataSplit } from './data-split';

const allTrain: DataSplit = { train: SAMPLE_PAIRS, eval: [] };

function makeTrainer(settings: DpoSettings = MICRO_SETTINGS, split = allTrain) {
  const trainer = new Trainer(MICRO_CONFIG, initGptWeights(MICRO_CONFIG, new SeededRandom(settings.seed)), settings);
  trainer.setData(split);
  return trainer;
}

async function runSteps(trainer: Trainer, steps: number): Promise<Float32Array> {
  await trainer.prepare();
  const buffer = new DeviceMetricsBuffer();
  for (let i = 0; i < steps; i++) buffer.push(trainer.trainStep().metrics);
  return buffer.flush();
}

describe('Trainer', () => {
  it('at step 0 the loss is exactly ln 2 and every reward is 0', async () => {
    const trainer = makeTrainer();
    const metrics = trainer.evaluateBatch(trainer.nextBatch());
    const row = metricRow(await metrics.data());
    expect(row.loss).toBeCloseTo(Math.LN2, 6);
    expect([row['rewards/chosen'], row['rewards/rejected'], row['rewards/margins'], row['rewards/accuracies']]).toEqual([0, 0, 0, 0]);
    expect(row['logps/chosen']).toBeLessThan(0);
    expect(row.grad_norm).toBeGreaterThan(0);
    metrics.dispose();
    trainer.dispose();
  });

  it('leaks no tensor across 20 steps and raises the margin on its data', async () => {
    const trainer = makeTrainer({ ...MICRO_SETTINGS, learningRate: 3e-3 });
    await trainer.prepare();
    const before = tf.memory().numTensors;
    const values = await runSteps(trainer, 20);
    expect(tf.memory().numTensors).toBe(before);
    expect(trainer.step).toBe(20);
    const first = metricRow(values, 0);
    const last = metricRow(values, 19 * METRIC_COUNT);
    expect(first.loss).toBeCloseTo(Math.LN2, 5);
    expect(last['rewards/margins']).toBeGreaterThan(0.05);
    expect(last.loss).toBeLessThan(first.loss);
    trainer.dispose();
  });

  it('the same seed reproduces the same metrics on cpu', async () => {
    const run = async () => {
      const trainer = makeTrainer();
      const values = Array.from(await runSteps(trainer, 3));
      trainer.dispose();
      return values;
    };
    expect(await run()).toEqual(await run());
  });

  it('cached reference log-probs give the same metrics as the uncached forward', async () => {
    const cached = makeTrainer({ ...MICRO_SETTINGS, precomputeReference: true });
    const uncached = makeTrainer({ ...MICRO_SETTINGS, precomputeReference: false });
    expect(cached.cachesReference).toBe(true);
    expect(uncached.cachesReference).toBe(false);
    const a = await runSteps(cached, 4);
    const b = await runSteps(uncached, 4);
    // kl is KTO's metric: NaN on both sides of a DPO run.
    for (let i = 0; i < a.length; i++) {
      if (Number.isNaN(b[i])) expect(a[i]).toBeNaN();
      else expect(a[i]).toBeCloseTo(b[i], 4);
    }
    cached.dispose();
    uncached.dispose();
  });

  it.each([
    ['dpo', ['sigmoid', 'sft'], [1, 0.5]],
    ['sft', ['sigmoid'], [1]],
  ] as const)('%s with %s: 4 micro-batches of 2 pairs equal one batch of 8', async (stage, lossTypes, lossWeights) => {
    const pairs = [...SAMPLE_PAIRS, ...SAMPLE_PAIRS.map((p) => ({ ...p, prompt: p.prompt + '!', chosen: p.chosen + ' ok' }))];
    const split = { train: pairs, eval: [] };
    const base = { ...MICRO_SETTINGS, stage, lossTypes: [...lossTypes], lossWeights: [...lossWeights] };
    const big = makeTrainer({ ...base, batchSize: 8, gradientAccumulationSteps: 1 }, split);
    const small = makeTrainer({ ...base, batchSize: 2, gradientAccumulationSteps: 4 }, split);
    // One epoch each: the same 8 pairs, in a different grouping.
    const [a, b] = [await runSteps(big, 1), await runSteps(small, 1)];
    for (let i = 0; i < METRIC_COUNT; i++) {
      if (Number.isNaN(a[i])) expect(Number.isNaN(b[i])).toBe(true);
      else expect(Math.abs(b[i] - a[i])).toBeLessThan(1e-5 * Math.max(1, Math.abs(a[i])));
    }
    const [wa, wb] = [await big.hostWeights(), await small.hostWeights()];
    for (const [name, t] of wa) {
      const other = wb.get(name)!.data;
      t.data.forEach((x, i) => expect(Math.abs(x - other[i])).toBeLessThan(1e-5));
    }
    big.dispose();
    small.dispose();
  });

  it('TR-DPO moves the reference toward the policy every τ steps', async () => {
    const trainer = makeTrainer({ ...MICRO_SETTINGS, referenceSyncSteps: 2, referenceSyncAlpha: 0.5 });
    expect(trainer.cachesReference).toBe(false); // a moving reference cannot be cached
    const before = await trainer.reference!.weights['ln_f.weight'].data();
    await runSteps(trainer, 1);
    expect(await trainer.reference!.weights['ln_f.weight'].data()).toEqual(before);
    await runSteps(trainer, 1);
    const policy = await trainer.policy['ln_f.weight'].data();
    const synced = await trainer.reference!.weights['ln_f.weight'].data();
    synced.forEach((x, i) => expect(x).toBeCloseTo(0.5 * policy[i] + 0.5 * before[i], 6));
    trainer.dispose();
  });

  it('reference-free SimPO holds no reference model and still learns', async () => {
    const trainer = makeTrainer({
      ...MICRO_SETTINGS,
      reference: 'none',
      lossTypes: ['simpo'],
      lossWeights: [1],
      beta: 2,
      learningRate: 3e-3,
    });
    expect(trainer.reference).toBeNull();
    const values = await runSteps(trainer, 15);
    expect(metricRow(values, 14 * METRIC_COUNT).loss).toBeLessThan(metricRow(values, 0).loss);
    trainer.dispose();
  });

  it('SFT lowers the next-token loss on the chosen completions', async () => {
    const trainer = makeTrainer({ ...MICRO_SETTINGS, stage: 'sft', learningRate: 1e-2 });
    const values = await runSteps(trainer, 15);
    const [first, last] = [metricRow(values, 0), metricRow(values, 14 * METRIC_COUNT)];
    expect(first.loss).toBeGreaterThan(4); // ≈ ln 258 for an untrained byte model
    expect(last.loss).toBeLessThan(first.loss - 1);
    expect(Number.isNaN(last['rewards/margins'])).toBe(true);
    trainer.dispose();
  });

  it('evaluates the held-out split', async () => {
    const pairs = Array.from({ length: 20 }, (_, i) => SAMPLE_PAIRS[i % 4]);
    const split = splitDataset(pairs, 0.1, 1);
    expect([split.train.length, split.eval.length]).toEqual([18, 2]);
    const trainer = makeTrainer(MICRO_SETTINGS, split);
    await trainer.prepare();
    const evalRow = metricRow((await trainer.evaluate())!);
    expect(evalRow.loss).toBeCloseTo(Math.LN2, 5);
    trainer.dispose();
  });

  it('refuses a max length shorter than every prompt, naming the setting', () => {
    const trainer = new Trainer(MICRO_CONFIG, initGptWeights(MICRO_CONFIG, new SeededRandom(1)), {
      ...MICRO_SETTINGS,
      maxLength: 4,
      maxPromptLength: 2,
    });
    expect(() => trainer.setData(allTrain)).toThrow(/^maxLength: every prompt alone fills 4 tokens/);
    trainer.dispose();
  });

  it('refuses a batch larger than the dataset, naming the setting', () => {
    const trainer = new Trainer(MICRO_CONFIG, initGptWeights(MICRO_CONFIG, new SeededRandom(1)), { ...MICRO_SETTINGS, batchSize: 9 });
    expect(() => trainer.setData(allTrain)).toThrow(/batchSize: 9 pairs per batch, but the dataset has only 4/);
    trainer.dispose();
  });
});
