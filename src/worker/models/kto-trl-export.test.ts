// "Continue in TRL" for a KTO run through the worker: the script is KTOTrainer's and its data
// holds every row the run trains on — the thumbs up/down rows and each pair as two rows.
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { harness, jsonl } from '../testing/handler-harness';
import { DEFAULT_SETTINGS, type DpoSettings } from '../../core/train/settings';

const pairs = [
  { prompt: 'Is it good?', chosen: ' Yes.', rejected: ' No.' },
  { prompt: 'Is it bad?', chosen: ' No.', rejected: ' Yes.' },
];
const thumbs = [
  { prompt: 'Say hi.', completion: ' Hi!', label: true },
  { prompt: 'Say bye.', completion: ' Hi!', label: false },
];
const settings: DpoSettings = { ...DEFAULT_SETTINGS, stage: 'kto', batchSize: 2, maxLength: 16, maxPromptLength: 8, evalFraction: 0 };

describe('Continue in TRL from a KTO run', () => {
  it('writes train_kto.py with the unpaired rows and the pairs unpaired', async () => {
    const { call } = harness();
    await call('init', { preset: 'tiny', seed: 1 });
    await call('loadDataset', { name: 'mixed.jsonl', file: jsonl([...pairs, ...thumbs]) });
    const zip = unzipSync(new Uint8Array((await call<{ zip: ArrayBuffer }>('exportTrl', { settings })).zip));
    expect(zip['train_kto.py']).toBeDefined();
    expect(zip['train_dpo.py']).toBeUndefined();
    const rows = strFromU8(zip['data/train.jsonl']).trim().split('\n').map((line) => JSON.parse(line));
    expect(rows).toHaveLength(thumbs.length + 2 * pairs.length);
    expect(rows).toEqual(expect.arrayContaining([...thumbs, { prompt: 'Is it good?', completion: ' Yes.', label: true }, { prompt: 'Is it good?', completion: ' No.', label: false }]));
  });
});
