import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sniffFileKind } from './sniff-file';
import { float32Entry, writeSafetensors } from './safetensors';
import { zipSync } from 'fflate';

describe('sniffFileKind', () => {
  it('tells model files from datasets by content', () => {
    expect(sniffFileKind(zipSync({ 'a.txt': new Uint8Array([1]) }))).toBe('model');
    expect(sniffFileKind(writeSafetensors(new Map([['t', float32Entry([1], new Float32Array(1))]])))).toBe('model');
    expect(sniffFileKind(new TextEncoder().encode('{"prompt":"a","chosen":"b","rejected":"c"}\n'))).toBe('data');
    expect(sniffFileKind(new Uint8Array(readFileSync('src/core/testing/datasets/standard-snappy.parquet')))).toBe('data');
    expect(sniffFileKind(new Uint8Array(0))).toBe('data');
  });

  it('a safetensors file whose header length is forged is still a model file, by its extension', () => {
    for (const name of ['exabyte-header.safetensors', 'header-beyond-file.safetensors']) {
      const bytes = new Uint8Array(readFileSync(`src/core/testing/bad-files/${name}`));
      expect(sniffFileKind(bytes, bytes.length)).toBe('data'); // the bytes alone cannot say
      expect(sniffFileKind(bytes, bytes.length, name)).toBe('model');
      expect(sniffFileKind(bytes, bytes.length, 'notes.jsonl')).toBe('data');
    }
  });
});
