import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelFile } from '../io/run-bundle';
import { readPreferenceDataset, MAX_ROW_CHARS, type ChunkedSource } from '../data/read-dataset';

// The committed corpus (npm run make:bad-files) and the message a user gets for each file.
const bad = (name: string) => new Uint8Array(readFileSync(join('src/core/testing/bad-files', name)));

describe('hostile and broken model files are refused with a message naming the problem', () => {
  it.each([
    ['exabyte-header.safetensors', /header length 4611686018427387904 runs past the end of the 79-byte file/],
    ['header-beyond-file.safetensors', /header length 5000 runs past the end/],
    ['header-not-json.safetensors', /header is not valid UTF-8 JSON/],
    ['overlapping-offsets.safetensors', /tensor "b" starts at byte 8, expected 16 \(overlapping or gapped data_offsets\)/],
    ['offset-out-of-range.safetensors', /tensor "a": data_offsets \[0, 4096\] fall outside the 16 data bytes/],
    ['unknown-dtype.safetensors', /tensor "a": unsupported dtype "Q4"/],
    ['shape-disagrees.safetensors', /tensor "a": shape \[5\] of F32 needs 20 bytes, data_offsets give 16/],
    ['truncated-model.safetensors', /tensor "wpe.weight": data_offsets .* fall outside/],
    ['nan-weights.safetensors', /tensor h.0.mlp.c_fc.weight holds NaN at index 3/],
  ])('%s', (name, message) => {
    expect(() => loadModelFile(name, bad(name))).toThrow(message);
  });
});

describe('broken dataset files keep their good rows and name the bad ones', () => {
  it('invalid UTF-8 and binary garbage are refused as not text', async () => {
    await expect(readPreferenceDataset('invalid-utf8.jsonl', bad('invalid-utf8.jsonl'))).rejects.toThrow(/not UTF-8 text/);
    await expect(readPreferenceDataset('binary-garbage.jsonl', bad('binary-garbage.jsonl'))).rejects.toThrow(/not UTF-8 text/);
  });

  it('a row nested 50,000 deep is one bad row; the next row is kept', async () => {
    const read = await readPreferenceDataset('deeply-nested-row.jsonl', bad('deeply-nested-row.jsonl'));
    expect(read.pairs).toEqual([{ prompt: 'ok', chosen: 'a', rejected: 'b' }]);
    expect(read.invalid).toEqual([{ row: 1, field: 'prompt', message: expect.any(String) }]);
  });

  it('JSON nested 100,000 deep is read without overflowing and refused as no pairs', async () => {
    const read = await readPreferenceDataset('deeply-nested.json', bad('deeply-nested.json'));
    expect(read.pairs).toEqual([]);
    expect(read.invalid[0]).toMatchObject({ row: 1, field: '(row)' });
  });

  it('CSV with unbalanced quotes names the rows', async () => {
    const read = await readPreferenceDataset('unbalanced-quotes.csv', bad('unbalanced-quotes.csv'));
    expect(read.invalid.map((p) => p.row)).toContain(1);
    expect(read.invalid.map((p) => p.message).join(' ')).toMatch(/quote/i);
  });

  it('a 100 MB line is skipped as one bad row without buffering it, and the rows after it are read', async () => {
    const chunk = new Uint8Array(1024 * 1024).fill(0x61); // 'a'
    const good = new TextEncoder().encode('{"prompt": "p", "chosen": "a", "rejected": "b"}\n');
    const source: ChunkedSource = {
      size: 100 * chunk.length + good.length * 2 + 1,
      head: good,
      async *chunks() {
        yield good;
        for (let i = 0; i < 100; i++) yield chunk;
        yield new Uint8Array([0x0a]);
        yield good;
      },
    };
    const read = await readPreferenceDataset('huge-line.jsonl', source);
    expect(read.pairs).toHaveLength(2);
    expect(read.invalid).toEqual([
      { row: 2, field: '(row)', message: expect.stringContaining(`longer than ${MAX_ROW_CHARS / 1024 / 1024} MB`) },
    ]);
    expect(read.rows).toBe(3);
  });
});
