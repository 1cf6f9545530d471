import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entryToFloat32, float32Entry, floatEntry, readSafetensors, writeSafetensors, type SafetensorsEntry } from './safetensors';

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

describe('F16 and BF16 widen to float32 exactly as PyTorch rounds them', () => {
  const fixtureDir = 'src/core/testing/fixtures/tiny-gpt2';
  const golden = JSON.parse(readFileSync(join(fixtureDir, 'golden.json'), 'utf8')) as {
    dtype_samples: Record<'F16' | 'BF16', { bits: number[]; float32_bits: number[] }>;
  };
  const halfEntry = (dtype: 'F16' | 'BF16', bits: number[], offset = 0): SafetensorsEntry => {
    const buffer = new Uint8Array(offset + 2 * bits.length);
    const view = new DataView(buffer.buffer);
    bits.forEach((b, i) => view.setUint16(offset + 2 * i, b, true));
    return { dtype, shape: [bits.length], bytes: buffer.subarray(offset) };
  };

  for (const dtype of ['F16', 'BF16'] as const) {
    it(`${dtype}: ±0, subnormals, max, ±inf and rounded constants match torch's float32 widening bit for bit`, () => {
      const { bits, float32_bits: expected } = golden.dtype_samples[dtype];
      for (const offset of [0, 1]) {
        // offset 1: an odd byte offset inside the file must not break the 16-bit reads
        const data = entryToFloat32('t', halfEntry(dtype, bits, offset));
        expect(Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length))).toEqual(expected);
      }
    });
  }

  it('widens NaN to NaN', () => {
    expect(entryToFloat32('t', halfEntry('F16', [0x7e00]))[0]).toBeNaN();
    expect(entryToFloat32('t', halfEntry('BF16', [0x7fc0]))[0]).toBeNaN();
  });

  it('decodes the F16 and BF16 checkpoints PyTorch wrote to within their rounding of the F32 weights', () => {
    const f32 = readSafetensors(new Uint8Array(readFileSync(join(fixtureDir, 'model.safetensors'))));
    for (const [dir, relative] of [['f16', 2 ** -11], ['bf16', 2 ** -8]] as const) {
      const half = readSafetensors(new Uint8Array(readFileSync(join(fixtureDir, dir, 'model.safetensors'))));
      const wte = entryToFloat32('wte.weight', half.tensors.get('wte.weight')!);
      const exact = entryToFloat32('wte.weight', f32.tensors.get('transformer.wte.weight')!);
      expect(wte.length).toBe(50257 * 8);
      let worst = 0;
      for (let i = 0; i < wte.length; i++) worst = Math.max(worst, Math.abs(wte[i] - exact[i]) / Math.max(Math.abs(exact[i]), 2 ** -14));
      expect(worst).toBeGreaterThan(0); // it was rounded, not stored as F32
      expect(worst).toBeLessThanOrEqual(relative);
    }
  });

  it('shares an aligned F32 buffer only when asked', () => {
    const bytes = writeSafetensors(sample());
    const entry = readSafetensors(bytes).tensors.get('a.weight')!;
    expect(entryToFloat32('a', entry).buffer).not.toBe(bytes.buffer);
    const shared = entryToFloat32('a', entry, { share: true });
    expect(shared.buffer).toBe(bytes.buffer);
    expect(Array.from(shared)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('still refuses integer tensors, naming the tensor and dtype', () => {
    const entry: SafetensorsEntry = { dtype: 'I64', shape: [1], bytes: new Uint8Array(8) };
    expect(() => entryToFloat32('h.0.attn.bias', entry)).toThrow(/"h\.0\.attn\.bias" is I64/);
  });
});

describe('floatEntry: float32 stored as BF16 or F16, rounded as PyTorch rounds', () => {
  const roundTrip = (dtype: 'BF16' | 'F16', values: number[]) => Array.from(entryToFloat32('t', floatEntry([values.length], Float32Array.from(values), dtype)));

  it('rounds to nearest, ties to even, and keeps every exactly representable value', () => {
    // BF16 keeps 8 significant bits: 1 + 2^-8 is halfway between 1 and 1 + 2^-7 (even: 1), 1 + 3·2^-8 rounds up to 1 + 2^-6.
    expect(roundTrip('BF16', [1 + 2 ** -8, 1 + 3 * 2 ** -8, 1 + 2 ** -8 + 2 ** -20, -2.5, 0, -0, 3.4e38, Infinity])).toEqual([1, 1 + 2 ** -6, 1 + 2 ** -7, -2.5, 0, -0, Infinity, Infinity]);
    // F16 keeps 11: 1 + 2^-11 ties to 1, 1 + 3·2^-11 to 1 + 2^-9; 65520 overflows to inf; 2^-25 (half the smallest subnormal) ties to 0; 3·2^-25 to 2^-23.
    expect(roundTrip('F16', [1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504, 65520, 2 ** -25, 3 * 2 ** -25, 2 ** -24, -0.1])).toEqual([1, 1 + 2 ** -9, 65504, Infinity, 0, 2 ** -23, 2 ** -24, -0.0999755859375]);
    expect(Number.isNaN(roundTrip('BF16', [NaN])[0]) && Number.isNaN(roundTrip('F16', [NaN])[0])).toBe(true);
  });
});
