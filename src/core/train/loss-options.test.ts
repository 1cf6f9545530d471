/**
 * The trainer with TRL v1.9.0's loss options: what a run does with them beyond one loss
 * value (oracle.test.ts checks the numbers against PyTorch): no leaked tensors on the new
 * paths, and a reference cache that follows ld_alpha.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Trainer } from './trainer';
import { initGptWeights } from '../model/gpt-weights';
import { SeededRandom } from '../random';
import { MICRO_CONFIG, MICRO_SETTINGS, SAMPLE_PAIRS, stepMetrics } from '../testing/tiny-model';
import { METRIC_NAMES, metricRow } from './metric-names';
import type { DpoSettings } from './settings';

const split = { train: SAMPLE_PAIRS, eval: [] };

async function started(settings: DpoSettings): Promise<Trainer> {
  const trainer = new Trainer(MICRO_CONFIG, initGptWeights(MICRO_CONFIG, new SeededRandom(5)), settings);
  trainer.setData(split);
  await trainer.prepare();
  return trainer;
}

/** The step-0 metrics of the trainer's next batch; disposes the trainer. */
async function firstBatchMetrics(trainer: Trainer) {
  const metrics = trainer.evaluateBatch(trainer.nextBatch());
  const row = metricRow(await metrics.data());
  metrics.dispose();
  trainer.dispose();
  return row;
}

describe('trainer with the TRL v1.9.0 loss options', () => {
  const cases: [string, Partial<DpoSettings>][] = [
    ['WPO + LD-DPO on sigmoid, bco_pair and sft', { lossTypes: ['sigmoid', 'bco_pair', 'sft'], lossWeights: [1, 0.5, 0.2], useWeighting: true, ldAlpha: 0.3 }],
    ['aot and aot_unpaired under js_divergence', { lossTypes: ['aot', 'aot_unpaired'], lossWeights: [1, 1], labelSmoothing: 0.1, fDivergenceType: 'js_divergence' }],
    ['discopop, exo_pair under alpha_divergence, accumulation', { lossTypes: ['discopop', 'exo_pair'], lossWeights: [1, 1], labelSmoothing: 1e-3, fDivergenceType: 'alpha_divergence', gradientAccumulationSteps: 2 }],
  ];

  it.each(cases)('leaks no tensor over 6 steps, with finite metrics (%s)', async (_, change) => {
    const trainer = await started({ ...MICRO_SETTINGS, learningRate: 3e-3, ...change });
    const before = tf.memory().numTensors;
    const rows = await stepMetrics(trainer, 6);
    expect(tf.memory().numTensors).toBe(before);
    // Every metric is finite except KTO's kl, which a DPO run does not define (NaN, logged as null).
    const kl = METRIC_NAMES.indexOf('kl');
    for (const row of rows) expect(row.every((v, i) => (i === kl ? Number.isNaN(v) : Number.isFinite(v))), JSON.stringify(row)).toBe(true);
    trainer.dispose();
  });

  it('changing ld_alpha between starts rebuilds the cached reference log-probs', async () => {
    const ld: Partial<DpoSettings> = { ldAlpha: 0.25, lossTypes: ['sigmoid'], lossWeights: [1] };
    const fresh = await started({ ...MICRO_SETTINGS, ...ld });
    const expected = await firstBatchMetrics(fresh);

    const changed = await started(MICRO_SETTINGS);
    changed.updateSettings({ ...MICRO_SETTINGS, ...ld });
    changed.setData(split);
    // The cache filled under the old α is dropped; the batch's reference is computed again under the new one.
    expect((await changed.referenceCached()).rows).toBe(0);
    const row = await firstBatchMetrics(changed);
    // At step 0 the policy is the reference: with the reference weighted like the policy, every reward is exactly 0.
    expect([row['rewards/chosen'], row['rewards/rejected'], row.loss]).toEqual([expected['rewards/chosen'], expected['rewards/rejected'], expected.loss]);
    expect(row['rewards/chosen']).toBe(0);
  });
});
