import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { harness } from '../testing/handler-harness';
import { DEFAULT_SENTIMENT_SETTINGS } from '../../core/sentiment/sentiment-settings';
import { metricRowCount } from '../../core/train/metric-names';

const SHIPPED_SFT = 'public/demo/sentiment/model.safetensors';

describe('the sentiment demo in the worker', () => {
  it('a sweep with an absurd learning rate says which β diverged, at which step and metric, and its progress keeps up', { timeout: 180_000 }, async () => {
    const { call, events } = harness();
    await call('init', { preset: 'tiny', seed: 1 });
    const bytes = readFileSync(SHIPPED_SFT);
    await call('sentimentLoad', { name: 'shipped', bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
    const settings = {
      ...DEFAULT_SENTIMENT_SETTINGS,
      betas: [0.1, 1],
      steps: 30,
      evalEvery: 15,
      learningRate: 1e30,
      batchSize: 2,
      pairPrompts: 12,
      heldOutPairPrompts: 4,
      evalPrompts: 2,
      samplesPerPrompt: 1,
    };
    const result = await call<{ runs: { beta: number; diverged: { step: number; metric: string } | null }[] }>('sentimentRun', { settings });
    const diverged = events('sentimentDiverged');
    expect(diverged.map((e) => e.beta)).toEqual([0.1, 1]);
    expect(result.runs).toHaveLength(2);
    for (const run of result.runs) {
      expect(run.diverged).toMatchObject({ metric: expect.stringMatching(/^(loss|grad_norm)$/) });
      expect(run.diverged!.step).toBeLessThan(settings.steps);
      expect(diverged.find((e) => e.beta === run.beta)?.diverged).toEqual(run.diverged);
    }
    // Each metrics block arrived whole, and the progress after it names its last step.
    const metrics = events('sentimentMetrics').filter((e) => e.phase === 'dpo');
    const progress = events('sentimentProgress').filter((e) => e.phase === 'dpo');
    expect(metrics.length).toBeGreaterThan(0);
    expect(progress.map((p) => p.done)).toEqual(metrics.map((m) => m.firstStep + metricRowCount(m.values) - 1));
    expect(metrics.every((m) => m.values.length > 0)).toBe(true);
  });
});
