import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Trainer } from '../train/trainer';
import { initGptWeights } from '../model/gpt-weights';
import { SeededRandom } from '../random';
import { MICRO_CONFIG, MICRO_SETTINGS, SAMPLE_PAIRS } from '../testing/tiny-model';
import { metricAt, METRIC_NAMES } from '../train/metric-names';
import type { DpoSettings } from '../train/settings';
import { runTraining } from '../train/training-run';
import type { UnpairedExample } from '../data/unpaired';
import { collateKtoBatch, tokenizeUnpaired } from './kto-batch';

const THUMBS: UnpairedExample[] = [
  { prompt: 'Q: tea?', completion: ' yes please', label: true },
  { prompt: 'Q: tea?', completion: ' ugh', label: false },
  { prompt: 'Q: cat', completion: ' meow', label: true },
  { prompt: 'Q: dog', completion: ' quack', label: false },
];

const KTO: DpoSettings = { ...MICRO_SETTINGS, stage: 'kto', batchSize: 4, evalFraction: 0, evalEvery: 0, sampleEvery: 0 };

function ktoTrainer(patch: Partial<DpoSettings> = {}, unpaired = THUMBS, pairs = SAMPLE_PAIRS): Trainer {
  const trainer = new Trainer(MICRO_CONFIG, initGptWeights(MICRO_CONFIG, new SeededRandom(3)), { ...KTO, ...patch });
  trainer.setData({ train: pairs, eval: [], unpairedTrain: unpaired, unpairedEval: THUMBS.slice(0, 3) });
  return trainer;
}

async function losses(trainer: Trainer): Promise<{ steps: number[]; rows: Float32Array[] }> {
  const out = { steps: [] as number[], rows: [] as Float32Array[] };
  await runTraining(trainer, { metrics: ({ steps, values }) => void (out.steps.push(...steps), out.rows.push(values.slice())) }, { flush: { everySteps: 1 } });
  return out;
}

describe('KTO batches', () => {
  it("pairs each row's prompt with the previous row's completion (row 0 with the last), cut to the length", () => {
    const limits = { maxLength: 24, maxPromptLength: 8 };
    const rows = THUMBS.map((u) => tokenizeUnpaired(u, limits)!);
    const batch = collateKtoBatch(rows, 24);
    const decode = (b: typeof batch.kl, r: number) =>
      String.fromCharCode(...Array.from(b.inputIds.slice(r * 24, r * 24 + b.rowLengths[r])).filter((id) => id < 256));
    expect([0, 1, 2, 3].map((r) => decode(batch.kl, r))).toEqual(['Q: tea? quack', 'Q: tea? yes please', 'Q: cat ugh', 'Q: dog meow']);
    expect([0, 1, 2, 3].map((r) => decode(batch.rows, r))).toEqual(['Q: tea? yes please', 'Q: tea? ugh', 'Q: cat meow', 'Q: dog quack']);
    expect(Array.from(batch.labels)).toEqual([1, 0, 1, 0]);
  });
});

describe('a KTO run', () => {
  it('trains on unpaired rows and unpaired pairs: 0.5 at step 0, the loss falls, z₀ and both rewards are logged', async () => {
    const trainer = ktoTrainer({ steps: 0 });
    expect(trainer.trainPairCount).toBe(THUMBS.length + 2 * SAMPLE_PAIRS.length);
    const first = await losses(trainer);
    // π = π_ref at step 0: every ρ and z₀ are 0, so each row's loss is 1 − σ(0).
    expect(metricAt(first.rows[0], 0, 'loss')).toBeCloseTo(0.5, 6);
    expect(metricAt(first.rows[0], 0, 'kl')).toBe(0);
    trainer.updateSettings({ ...trainer.currentSettings, steps: 40, learningRate: 1e-2 });
    const before = tf.memory().numTensors;
    const run = await losses(trainer);
    expect(tf.memory().numTensors).toBe(before);
    const values = Float32Array.from(run.rows.flatMap((r) => Array.from(r)));
    const loss = run.steps.map((_, i) => metricAt(values, i, 'loss'));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(loss.slice(-5))).toBeLessThan(mean(loss.slice(0, 5)) - 0.05);
    const last = run.steps.length - 1;
    expect(metricAt(values, last, 'kl')).toBeGreaterThanOrEqual(0);
    for (const name of ['rewards/chosen', 'rewards/rejected', 'logps/chosen', 'logits/rejected', 'grad_norm'] as const) expect(Number.isFinite(metricAt(values, last, name)), name).toBe(true);
    expect(Number.isNaN(metricAt(values, last, 'rewards/accuracies'))).toBe(true); // not a KTO metric
    trainer.dispose();
  });

  it('a batch without undesirable rows logs no rejected metrics (NaN), as TRL skips them', async () => {
    const trainer = ktoTrainer({ steps: 1, batchSize: 2 }, THUMBS.filter((u) => u.label), []);
    const run = await losses(trainer);
    expect(Number.isNaN(metricAt(run.rows[0], 0, 'rewards/rejected'))).toBe(true);
    expect(Number.isNaN(metricAt(run.rows[0], 0, 'rewards/margins'))).toBe(true);
    expect(Number.isFinite(metricAt(run.rows[0], 0, 'rewards/chosen'))).toBe(true);
    trainer.dispose();
  });

  it('gives the same metrics with the cached reference as with a reference forward every step', async () => {
    const cached = await losses(ktoTrainer({ steps: 3 }));
    const uncached = await losses(ktoTrainer({ steps: 3, precomputeReference: false }));
    for (let i = 0; i < 3; i++)
      for (let m = 0; m < METRIC_NAMES.length; m++) {
        const [a, b] = [cached.rows[i][m], uncached.rows[i][m]];
        if (Number.isNaN(b)) expect(a, METRIC_NAMES[m]).toBeNaN();
        else expect(a, METRIC_NAMES[m]).toBeCloseTo(b, 5);
      }
  });

  it('evaluates on held-out unpaired rows (eval_kl among them)', async () => {
    const trainer = ktoTrainer({ steps: 1 });
    const values = await trainer.evaluate();
    expect(values).not.toBeNull();
    expect(values![METRIC_NAMES.indexOf('kl')]).toBe(0);
    expect(values![0]).toBeCloseTo(0.5, 6);
    trainer.dispose();
  });

  it('resumes from a snapshot with exactly the metrics of the uninterrupted run', async () => {
    const straight = await losses(ktoTrainer({ steps: 4 }));
    const first = ktoTrainer({ steps: 2 });
    await losses(first);
    const snapshot = await first.snapshot();
    first.dispose();
    const resumed = ktoTrainer({ steps: 4 });
    resumed.restore(snapshot);
    const rest = await losses(resumed);
    expect(rest.steps).toEqual([3, 4]);
    expect(Array.from(rest.rows[1])).toEqual(Array.from(straight.rows[3]));
  });

  it('refuses one row per batch, naming the setting (the KL row would be the row itself)', () => {
    expect(() => ktoTrainer({ batchSize: 1 })).toThrow(/batchSize: KTO needs at least 2 rows/);
  });
});
