import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPreferenceDataset } from './read-dataset';
import { splitImplicitPrompt } from './normalize-row';

const fixture = (name: string) => readPreferenceDataset(name, new Uint8Array(readFileSync(join('src/core/testing/datasets', name))));

const STANDARD = [
  { prompt: 'Capital of France?', chosen: ' Paris.', rejected: ' Rome.' },
  { prompt: 'Say hi, "politely"', chosen: ' Hello, nice to meet you!\nHow are you?', rejected: ' hi' },
  { prompt: '2+2', chosen: ' 4', rejected: ' 5' },
];

describe('readPreferenceDataset', () => {
  it.each([
    ['standard.jsonl', 'jsonl/standard'],
    ['standard.json', 'json/standard'],
    ['wrapped.json', 'json/standard'],
    ['standard.csv', 'csv/standard'],
    ['standard.tsv', 'tsv/standard'],
    ['standard-snappy.parquet', 'parquet/standard'],
    ['standard-gzip.parquet', 'parquet/standard'],
  ])('%s reads the same three pairs (%s)', async (name, format) => {
    const read = await fixture(name);
    expect(read.format).toBe(format);
    expect(read.rows).toBe(3);
    expect(read.pairs).toEqual(STANDARD);
    expect(read.invalid).toEqual([]);
  });

  it('HH-RLHF rows: the prompt is the shared conversation up to the last Assistant turn', async () => {
    const read = await fixture('hh-implicit.jsonl');
    expect(read.format).toBe('jsonl/implicit-prompt');
    expect(read.pairs[0]).toEqual({ prompt: '\n\nHuman: What is 2+2?\n\nAssistant:', chosen: ' It is 4.', rejected: ' It is 5.' });
    expect(read.pairs[1].prompt).toBe('\n\nHuman: Hi\n\nAssistant: Hello!\n\nHuman: Tell me a joke\n\nAssistant:');
    expect(read.pairs[1].rejected).toBe(' No.');
  });

  it('UltraFeedback rows: shared user turn becomes the prompt, extra columns ignored', async () => {
    const read = await fixture('ultrafeedback.jsonl');
    expect(read.format).toBe('jsonl/conversational');
    expect(read.pairs).toEqual([
      {
        prompt: '\n\nHuman: Name a primary colour.\n\nAssistant:',
        chosen: ' Red.',
        rejected: ' Purple.',
        // the messages stay, for a model with a chat template of its own
        conversation: {
          prompt: [{ role: 'user', content: 'Name a primary colour.' }],
          chosen: [{ role: 'assistant', content: 'Red.' }],
          rejected: [{ role: 'assistant', content: 'Purple.' }],
        },
      },
    ]);
  });

  it('conversational rows with a separate prompt list', async () => {
    const read = await fixture('conversational-prompt.jsonl');
    expect(read.pairs).toEqual([
      expect.objectContaining({ prompt: '\n\nSystem: Be brief.\n\nHuman: Sky colour?\n\nAssistant:', chosen: ' Blue.', rejected: ' It depends on many things.' }),
    ]);
    expect(read.pairs[0].conversation?.prompt.map((m) => m.role)).toEqual(['system', 'user']);
  });

  it('bad rows are listed by row and field; good rows kept; identical pairs flagged but kept', async () => {
    const read = await fixture('mixed-bad.jsonl');
    expect(read.rows).toBe(7);
    expect(read.pairs).toHaveLength(3);
    expect(read.invalid.map((p) => [p.row, p.field])).toEqual([
      [2, 'rejected'],
      [3, '(row)'],
      [4, 'chosen'],
      [6, 'chosen[0].content'],
    ]);
    expect(read.flagged).toEqual([{ row: 5, field: 'chosen', message: 'chosen and rejected are identical (no learning signal)' }]);
  });

  it('a CSV with an unbalanced quote keeps the good rows and names the bad one', async () => {
    const read = await fixture('unbalanced.csv');
    expect(read.pairs).toEqual([{ prompt: 'ok', chosen: 'fine', rejected: 'bad' }]);
    expect(read.invalid).toHaveLength(1);
    expect(read.invalid[0].row).toBe(2);
  });

  it.each([
    ['not-a-dataset.json', /holds no list of rows/],
    ['truncated.parquet', /not a readable Parquet file/],
  ])('%s is refused with a clear message', async (name, message) => {
    await expect(fixture(name)).rejects.toThrow(message);
  });

  it('invalid UTF-8 is refused, not garbled', async () => {
    await expect(readPreferenceDataset('x.jsonl', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]))).rejects.toThrow(/not UTF-8/);
  });
});

describe('splitImplicitPrompt', () => {
  it('falls back to an empty prompt when the texts share no turn boundary', () => {
    expect(splitImplicitPrompt('Good answer', 'Good grief')).toEqual({ prompt: '', chosen: 'Good answer', rejected: 'Good grief' });
  });
});

describe('column mapping', () => {
  const read = (name: string, mapping?: Parameters<typeof readPreferenceDataset>[2]) =>
    readPreferenceDataset(name, new Uint8Array(readFileSync(join('src/core/testing/datasets', name))), mapping);

  it('asks for a mapping when no known schema fits, listing the columns', async () => {
    const result = await read('stack-exchange.jsonl');
    expect(result.needsMapping).toBe(true);
    expect(result.columns).toEqual(['qid', 'question', 'response_j', 'response_k']);
    expect(result.pairs).toHaveLength(0);
  });

  it('maps question/response_j/response_k to prompt/chosen/rejected', async () => {
    const result = await read('stack-exchange.jsonl', { kind: 'columns', prompt: 'question', chosen: 'response_j', rejected: 'response_k' });
    expect(result.format).toBe('jsonl/mapped');
    expect(result.pairs[0]).toEqual({ prompt: 'How do I exit vim?', chosen: 'Type :q and press Enter.', rejected: 'You cannot.' });
  });

  it('two outputs and a preference column; an unknown preference value names the row and column', async () => {
    const result = await read('preference-column.csv', { kind: 'preference', prompt: 'instruction', first: 'output_1', second: 'output_2', preference: 'preference', firstWins: '1', secondWins: '2' });
    expect(result.pairs).toEqual([
      { prompt: 'Greet me', chosen: 'Hello there!', rejected: 'Go away.' },
      { prompt: 'Count to 3', chosen: '1 2 3', rejected: '1 2 4' },
    ]);
    expect(result.invalid).toEqual([{ row: 3, field: 'preference', message: '"0" is neither "1" (output_1 better) nor "2" (output_2 better)' }]);
  });

  it('a mapped column that is missing is named', async () => {
    const result = await read('stack-exchange.jsonl', { kind: 'columns', prompt: null, chosen: 'response_j', rejected: 'answer' });
    expect(result.invalid[0]).toMatchObject({ row: 1, field: 'answer', message: 'missing field "answer"' });
  });
});

describe('streamed JSONL', () => {
  const text = ['{"prompt":"é1","chosen":"ä","rejected":"ö"}', 'oops', '', '{"prompt":"日本","chosen":"🤖 yes","rejected":"no"}\r', '{"prompt":"p","chosen":"c","rejected":"r"}'].join('\n');
  const bytes = new TextEncoder().encode(text);

  it('gives the same result whatever the chunk size, even splitting characters and lines', async () => {
    const whole = await readPreferenceDataset('a.jsonl', bytes);
    for (const size of [1, 2, 3, 7, 64]) {
      let progress = 0;
      const source = {
        size: bytes.length,
        head: bytes.subarray(0, 16),
        async *chunks() {
          for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
        },
      };
      const streamed = await readPreferenceDataset('a.jsonl', source, undefined, (n) => (progress = n));
      expect(streamed.pairs).toEqual(whole.pairs);
      expect(streamed.invalid).toEqual(whole.invalid);
      expect(streamed.rows).toBe(4);
      expect(progress).toBe(bytes.length);
    }
    expect(whole.pairs.map((p) => p.prompt)).toEqual(['é1', '日本', 'p']);
    expect(whole.invalid.map((p) => p.row)).toEqual([2]);
  });

  it('refuses invalid UTF-8 in a stream', async () => {
    const bad = new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]);
    const source = { size: bad.length, head: bad, chunks: async function* () { yield bad; } };
    await expect(readPreferenceDataset('b.jsonl', source)).rejects.toThrow(/not UTF-8/);
  });
});
