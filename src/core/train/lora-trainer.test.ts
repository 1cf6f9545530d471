import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Trainer } from './trainer';
import { initGptWeights, type HostWeights } from '../model/gpt-weights';
import { SeededRandom } from '../random';
import { MICRO_CONFIG, MICRO_SETTINGS, SAMPLE_PAIRS, stepMetrics as steps } from '../testing/tiny-model';
import type { DpoSettings } from './settings';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-file';
import { metricRow } from './metric-names';
import { collateDpoBatch, tokenizePair } from '../dpo/batch';
import { batchLogProbs, uploadBatch } from './dpo-step';
import { causalMask } from '../model/gpt';
import { uploadWeights } from '../model/gpt-weights';

const LORA: DpoSettings = {
  ...MICRO_SETTINGS,
  learningRate: 1e-2,
  lora: { rank: 2, alpha: 4, dropout: 0, targets: ['c_attn', 'c_proj', 'c_fc'] },
};
const split = { train: SAMPLE_PAIRS, eval: [] };
const base = () => initGptWeights(MICRO_CONFIG, new SeededRandom(3));

function maxDiff(a: HostWeights, b: HostWeights): number {
  let worst = 0;
  for (const [name, t] of a) t.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - b.get(name)!.data[i]))));
  return worst;
}

describe('LoRA training', () => {
  it('trains only the adapters: the base and the reference stay exactly as loaded', async () => {
    const initial = base();
    const trainer = new Trainer(MICRO_CONFIG, initial, LORA);
    trainer.setData(split);
    await trainer.prepare();
    // Only adapter tensors are trainable, and far fewer of them than the model's weights.
    expect(Object.keys(trainer.policy).every((n) => /\.lora_[AB]\.weight$/.test(n))).toBe(true);
    const first = metricRow((await steps(trainer, 1))[0]);
    expect(first.loss).toBeCloseTo(Math.LN2, 6); // B starts at zero: policy = reference
    const rows = await steps(trainer, 5);
    const snapshot = await trainer.snapshot();
    expect(maxDiff(snapshot.base!, initial)).toBe(0);
    expect(snapshot.reference).toBeNull();
    const adapterB = [...snapshot.policy].filter(([n]) => n.endsWith('lora_B.weight'));
    expect(adapterB.some(([, t]) => t.data.some((v) => v !== 0))).toBe(true);
    expect(metricRow(rows[4])['rewards/margins']).toBeGreaterThan(0);
    // The reference's log-probs are the base model's, computed independently of the trainer.
    const pair = tokenizePair(SAMPLE_PAIRS[0], LORA)!;
    const device = uploadBatch(collateDpoBatch([pair], LORA.maxLength));
    const mask = causalMask(LORA.maxLength);
    const weights = uploadWeights(initial);
    const expected = await batchLogProbs(weights, MICRO_CONFIG, device, mask).data();
    const inspected = await trainer.inspectBatch({ indices: [0], batch: collateDpoBatch([pair], LORA.maxLength) });
    expect(Array.from(inspected.reference)).toEqual(Array.from(expected));
    expect(inspected.policy[0]).not.toBe(expected[0]);
    tf.dispose([...Object.values(device), mask, ...Object.values(weights)]);
    trainer.dispose();
  });

  it('merged weights give the policy the adapters give; a merged export changes only the targeted matrices', async () => {
    const trainer = new Trainer(MICRO_CONFIG, base(), LORA);
    trainer.setData(split);
    await trainer.prepare();
    await steps(trainer, 3);
    const merged = await trainer.hostWeights();
    const initial = base();
    for (const [name, t] of merged) {
      const moved = t.data.some((v, i) => v !== initial.get(name)!.data[i]);
      expect(moved, name).toBe(/(c_attn|c_proj|c_fc)\.weight$/.test(name));
    }
    const pair = tokenizePair(SAMPLE_PAIRS[1], LORA)!;
    const batch = collateDpoBatch([pair], LORA.maxLength);
    const viaAdapters = (await trainer.inspectBatch({ indices: [1], batch })).policy;
    const device = uploadBatch(batch);
    const mask = causalMask(LORA.maxLength);
    const weights = uploadWeights(merged);
    const viaMerged = await batchLogProbs(weights, MICRO_CONFIG, device, mask).data();
    viaMerged.forEach((v, i) => expect(v).toBeCloseTo(viaAdapters[i], 4));
    tf.dispose([...Object.values(device), mask, ...Object.values(weights)]);
    trainer.dispose();
  });

  it('a LoRA run resumed from its checkpoint continues exactly', async () => {
    const straight = new Trainer(MICRO_CONFIG, base(), LORA);
    straight.setData(split);
    await straight.prepare();
    const expected = await steps(straight, 6);
    straight.dispose();

    const first = new Trainer(MICRO_CONFIG, base(), LORA);
    first.setData(split);
    await first.prepare();
    await steps(first, 3);
    const { snapshot } = decodeCheckpoint(encodeCheckpoint(await first.snapshot(), null));
    first.dispose();
    const resumed = new Trainer(MICRO_CONFIG, snapshot.base!, LORA, { adapters: snapshot.policy });
    resumed.setData(split);
    resumed.restore(snapshot);
    await resumed.prepare();
    expect(await steps(resumed, 3)).toEqual(expected.slice(3));
    resumed.dispose();
  });

  it('refuses TR-DPO with LoRA, naming the setting', () => {
    expect(() => new Trainer(MICRO_CONFIG, base(), { ...LORA, referenceSyncSteps: 2 }).setData(split)).toThrow(/referenceSyncSteps: TR-DPO/);
  });
});
