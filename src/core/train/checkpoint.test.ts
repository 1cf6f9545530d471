import { describe, expect, it } from 'vitest';
import { Trainer } from './trainer';
import { initGptWeights } from '../model/gpt-weights';
import { SeededRandom } from '../random';
import { MICRO_CONFIG, MICRO_SETTINGS, SAMPLE_PAIRS, stepMetrics as steps } from '../testing/tiny-model';
import type { DpoSettings } from './settings';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-file';

const split = { train: [...SAMPLE_PAIRS, ...SAMPLE_PAIRS.map((p) => ({ ...p, prompt: p.prompt + '?' }))], eval: SAMPLE_PAIRS.slice(0, 2) };

async function started(settings: DpoSettings): Promise<Trainer> {
  const trainer = new Trainer(MICRO_CONFIG, initGptWeights(MICRO_CONFIG, new SeededRandom(11)), settings);
  trainer.setData(split);
  await trainer.prepare();
  return trainer;
}

describe('checkpoints', () => {
  // 3 pairs per batch over 8 pairs: the resume point falls mid-epoch, so the data order matters.
  const cases: [string, DpoSettings][] = [
    ['cached reference, AdamW', { ...MICRO_SETTINGS, batchSize: 3 }],
    [
      'TR-DPO (a moving reference), RMSprop, accumulation, SFT term',
      {
        ...MICRO_SETTINGS,
        batchSize: 3,
        optimizer: 'rmsprop',
        referenceSyncSteps: 2,
        gradientAccumulationSteps: 2,
        lossTypes: ['sigmoid', 'sft'],
        lossWeights: [1, 0.5],
      },
    ],
    ['SFT stage', { ...MICRO_SETTINGS, batchSize: 3, stage: 'sft' }],
    // TRL v1.9.0's bco_pair keeps no running reward mean (removed in its DPO refactor), so nothing
    // beyond weights, moments and data order may decide the resumed steps; WPO and LD-DPO neither.
    [
      'bco_pair with WPO and LD-DPO (a cached, LD-weighted reference)',
      { ...MICRO_SETTINGS, batchSize: 3, lossTypes: ['sigmoid', 'bco_pair'], lossWeights: [1, 1], useWeighting: true, ldAlpha: 0.5 },
    ],
  ];

  it.each(cases)('a run resumed from a checkpoint gives exactly the uninterrupted metrics (%s)', async (_, settings) => {
    const straight = await started(settings);
    const expected = await steps(straight, 7);
    straight.dispose();

    const first = await started(settings);
    await steps(first, 4);
    const bytes = encodeCheckpoint(await first.snapshot(), { note: 'kept as is' });
    first.dispose();

    const { snapshot, run } = decodeCheckpoint(bytes);
    expect(run).toEqual({ note: 'kept as is' });
    const resumed = new Trainer(MICRO_CONFIG, snapshot.policy, settings);
    resumed.setData(split);
    resumed.restore(snapshot);
    await resumed.prepare();
    expect(resumed.step).toBe(4);
    expect(await steps(resumed, 3)).toEqual(expected.slice(4));
    resumed.dispose();
  });

  it('refuses a damaged checkpoint with a message that says so', () => {
    expect(() => decodeCheckpoint(new Uint8Array([1, 2, 3]))).toThrow(/^checkpoint: the file is damaged \(safetensors: /);
  });

  it('refuses a checkpoint whose data order does not fit the dataset', async () => {
    const trainer = await started(MICRO_SETTINGS);
    const snapshot = await trainer.snapshot();
    trainer.setData({ train: SAMPLE_PAIRS.slice(0, 2), eval: [] });
    expect(() => trainer.restore({ ...snapshot, data: { ...snapshot.data, order: [0, 5] } })).toThrow(
      /data order does not fit the 2 training pairs/,
    );
    trainer.dispose();
  });
});
