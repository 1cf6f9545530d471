import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPreferenceDataset } from './read-dataset';
import { unpairPairs } from './unpaired';

const fixture = (name: string) => readPreferenceDataset(name, new Uint8Array(readFileSync(join('src/core/testing/datasets', name))));

const UNPAIRED = [
  { prompt: 'Capital of France?', completion: ' Paris.', label: true },
  { prompt: 'Capital of France?', completion: ' Rome.', label: false },
  { prompt: 'Say hi, "politely"', completion: ' Hello, nice to meet you!', label: true },
];

describe('unpaired rows ({prompt, completion, label})', () => {
  it.each([
    ['unpaired.jsonl', 'jsonl/unpaired'],
    ['unpaired.csv', 'csv/unpaired'],
    ['unpaired.parquet', 'parquet/unpaired'],
  ])('%s reads the same three labelled rows (%s)', async (name, format) => {
    const read = await fixture(name);
    expect(read.format).toBe(format);
    expect(read.unpaired).toEqual(UNPAIRED);
    expect(read.pairs).toEqual([]);
    expect(read.invalid).toEqual([]);
  });

  it('reads conversational rows: messages kept for a chat template, rendered in the plain layout otherwise', async () => {
    const read = await fixture('unpaired-conversational.jsonl');
    expect(read.format).toBe('jsonl/conversational-unpaired');
    expect(read.unpaired.map((u) => [u.prompt, u.completion, u.label])).toEqual([
      ['\n\nHuman: What color is the sky?\n\nAssistant:', ' Blue.', true],
      ['\n\nHuman: What color is the sky?\n\nAssistant:', ' Green.', false],
    ]);
    expect(read.unpaired[1].conversation).toEqual({ prompt: [{ role: 'user', content: 'What color is the sky?' }], completion: [{ role: 'assistant', content: 'Green.' }] });
  });

  it('names the row and the label when a label is not true or false, and keeps the good rows of both kinds', async () => {
    const read = await fixture('unpaired-bad-labels.jsonl');
    expect(read.invalid).toEqual([
      { row: 2, field: 'label', message: '"label" must be true (desirable) or false (undesirable), got "maybe"' },
      { row: 3, field: 'label', message: '"label" must be true (desirable) or false (undesirable), got nothing' },
      { row: 4, field: 'label', message: '"label" must be true (desirable) or false (undesirable), got 2' },
    ]);
    expect(read.unpaired).toEqual([UNPAIRED[0]]);
    expect(read.pairs).toEqual([{ prompt: '2+2', chosen: ' 4', rejected: ' 5' }]);
  });

  it('reads other column names through a mapping', async () => {
    const bytes = new TextEncoder().encode('question,answer,thumbs\nWhy?,Because.,1\nHow?,Dunno,0\n');
    const read = await readPreferenceDataset('feedback.csv', bytes, { kind: 'unpaired', prompt: 'question', completion: 'answer', label: 'thumbs' });
    expect(read.unpaired).toEqual([
      { prompt: 'Why?', completion: 'Because.', label: true },
      { prompt: 'How?', completion: 'Dunno', label: false },
    ]);
  });

  it('a pair used as unpaired gives a desirable chosen row and an undesirable rejected row, conversations kept', async () => {
    const read = await fixture('ultrafeedback.jsonl');
    const rows = unpairPairs(read.pairs.slice(0, 1));
    const pair = read.pairs[0];
    expect(rows).toEqual([
      { prompt: pair.prompt, completion: pair.chosen, label: true, conversation: { prompt: pair.conversation!.prompt, completion: pair.conversation!.chosen } },
      { prompt: pair.prompt, completion: pair.rejected, label: false, conversation: { prompt: pair.conversation!.prompt, completion: pair.conversation!.rejected } },
    ]);
    expect(unpairPairs([{ prompt: 'p', chosen: ' a', rejected: ' b' }])).toEqual([
      { prompt: 'p', completion: ' a', label: true },
      { prompt: 'p', completion: ' b', label: false },
    ]);
  });
});
