import { describe, expect, it } from 'vitest';
import { entryToFloat32, float32Entry, readSafetensors, writeSafetensors, type SafetensorsEntry } from './safetensors';

function sample(): Map<string, SafetensorsEntry> {
  return new Map([
    ['a.weight', float32Entry([2, 3], Float32Array.from([1, 2, 3, 4, 5, 6]))],
    ['b.bias', float32Entry([3], Float32Array.from([-1.5, 0, 1e-30]))],
  ]);
}

function withHeader(header: string, data = new Uint8Array(0)): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('safetensors', () => {
  it('writes the spec layout: u64 LE length, space-padded JSON header, data', () => {
    const bytes = writeSafetensors(sample(), { format: 'pt' });
    const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(length % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
    expect(header['a.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
    expect(header['b.bias']).toEqual({ dtype: 'F32', shape: [3], data_offsets: [24, 36] });
    expect(header.__metadata__).toEqual({ format: 'pt' });
    expect(bytes.length).toBe(8 + length + 36);
  });

  it('round-trips to identical bytes', () => {
    const first = writeSafetensors(sample(), { format: 'pt', note: 'x' });
    const read = readSafetensors(first);
    expect(read.metadata).toEqual({ format: 'pt', note: 'x' });
    expect(Array.from(new Float32Array(read.tensors.get('a.weight')!.bytes.slice().buffer))).toEqual([1, 2, 3, 4, 5, 6]);
    const second = writeSafetensors(read.tensors, read.metadata);
    expect(second).toEqual(first);
  });

  it.each([
    ['a header length past the end of the file', withHeader('{}').subarray(0, 9), /runs past the end/],
    ['a file shorter than 8 bytes', new Uint8Array(3), /too short/],
    ['a header that is not JSON', withHeader('{oops'), /not valid UTF-8 JSON/],
    ['an unknown dtype', withHeader('{"t":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4)), /unsupported dtype/],
    [
      'a shape that disagrees with the byte count',
      withHeader('{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}', new Uint8Array(4)),
      /needs 8 bytes/,
    ],
    ['offsets outside the data', withHeader('{"t":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Uint8Array(4)), /fall outside/],
    [
      'overlapping tensors',
      withHeader(
        '{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"u":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}',
        new Uint8Array(8),
      ),
      /overlapping or gapped/,
    ],
  ])('rejects %s with a clear message', (_label, bytes, message) => {
    expect(() => readSafetensors(bytes)).toThrow(message);
  });

  it('rejects an exabyte header length without allocating it', () => {
    const bytes = new Uint8Array(16);
    new DataView(bytes.buffer).setBigUint64(0, 2n ** 60n, true);
    expect(() => readSafetensors(bytes)).toThrow(/runs past the end/);
  });
});

describe('reading from a view into a larger buffer (a Node Buffer, a zip entry)', () => {
  it('reads the tensor bytes, not the start of the underlying buffer', () => {
    const data = Float32Array.of(1.5, -2, 3.25);
    const file = writeSafetensors(new Map([['t', float32Entry([3], data)]]));
    const padded = new Uint8Array(file.length + 100);
    padded.set(file, 100);
    const view = padded.subarray(100);
    // A Buffer's slice() is a view, as Node's readFileSync results behave.
    const nodeLike = Object.assign(view, { slice: (a?: number, b?: number) => view.subarray(a, b) });
    expect(Array.from(entryToFloat32('t', readSafetensors(nodeLike).tensors.get('t')!))).toEqual([1.5, -2, 3.25]);
  });
});
