import { describe, expect, it } from 'vitest';
import { sniffFileKind } from './sniff-file';
import { float32Entry, writeSafetensors } from './safetensors';
import { zipSync } from 'fflate';

describe('sniffFileKind', () => {
  it('tells zips, safetensors and text apart by content', () => {
    expect(sniffFileKind(zipSync({ 'a.txt': new Uint8Array([1]) }))).toBe('zip');
    expect(sniffFileKind(writeSafetensors(new Map([['t', float32Entry([1], new Float32Array(1))]])))).toBe('safetensors');
    expect(sniffFileKind(new TextEncoder().encode('{"prompt":"a","chosen":"b","rejected":"c"}\n'))).toBe('text');
    expect(sniffFileKind(new Uint8Array(0))).toBe('text');
  });
});
