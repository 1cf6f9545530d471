/**
 * The safetensors format, exactly as specified: 8 bytes little-endian u64 header length N,
 * then N bytes of UTF-8 JSON {name: {dtype, shape, data_offsets: [begin, end]}, ...,
 * "__metadata__": {string: string}} padded with spaces to a multiple of 8, then the data.
 * The reader trusts nothing in the file: every length and offset is checked before use.
 */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64' | 'U8' | 'F64';

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F64: 8, I64: 8, F32: 4, I32: 4, F16: 2, BF16: 2, U8: 1 };

export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** The tensor's raw little-endian bytes (a view into the file when read). */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

export class SafetensorsError extends Error {
  constructor(message: string) {
    super(`safetensors: ${message}`);
    this.name = 'SafetensorsError';
  }
}

/** Header cap: real headers are kilobytes; a hostile length must not allocate gigabytes. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export function float32Entry(shape: number[], data: Float32Array): SafetensorsEntry {
  return { dtype: 'F32', shape, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export type FloatDtype = 'F32' | 'F16' | 'BF16';

/**
 * Float32 data stored as `dtype`: F32 as a view; BF16 and F16 rounded to nearest, ties to
 * even, as PyTorch's `.to(torch.bfloat16)` / `.half()` round (NaN stays NaN, overflow → ±inf).
 */
export function floatEntry(shape: number[], data: Float32Array, dtype: FloatDtype): SafetensorsEntry {
  if (dtype === 'F32') return float32Entry(shape, data);
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const words = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) words[i] = dtype === 'BF16' ? bfloat16Bits(bits[i]) : halfBits(bits[i]);
  return { dtype, shape, bytes: new Uint8Array(words.buffer) };
}

/** float32 bits → bfloat16 bits, rounded to nearest even (NaN stays NaN). */
export function bfloat16Bits(f: number): number {
  if ((f & 0x7fffffff) > 0x7f800000) return (f >>> 16) | 0x40; // NaN: keep it quiet and NaN
  return ((f + 0x7fff + ((f >>> 16) & 1)) >>> 16) & 0xffff;
}

/** float32 bits → IEEE half bits, rounded to nearest even (overflow → ±inf, NaN stays NaN). */
export function halfBits(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const exponent = (f >>> 23) & 0xff;
  const mantissa = f & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  const e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: ±0
    const m = mantissa | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let value = m >>> shift;
    if (rest > half || (rest === half && value & 1)) value++;
    return sign | value;
  }
  let value = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && value & 1)) value++; // may carry into the exponent: correct, up to inf
  return sign | value;
}

export function writeSafetensors(tensors: Map<string, SafetensorsEntry>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, entry] of tensors) {
    header[name] = { dtype: entry.dtype, shape: entry.shape, data_offsets: [offset, offset + entry.bytes.byteLength] };
    offset += entry.bytes.byteLength;
  }
  let json = JSON.stringify(header);
  const encoded = new TextEncoder().encode(json);
  const padded = Math.ceil(encoded.length / 8) * 8;
  json += ' '.repeat(padded - encoded.length);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let cursor = 8 + headerBytes.length;
  for (const entry of tensors.values()) {
    out.set(entry.bytes, cursor);
    cursor += entry.bytes.byteLength;
  }
  return out;
}

function parseHeader(bytes: Uint8Array): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.byteLength < 8) throw new SafetensorsError(`file is ${bytes.byteLength} bytes, too short to hold a header length`);
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (length > BigInt(bytes.byteLength - 8)) {
    throw new SafetensorsError(
      `header length ${length} runs past the end of the ${bytes.byteLength}-byte file (truncated or not safetensors)`,
    );
  }
  if (length > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(`header length ${length} is implausibly large`);
  const headerLength = Number(length);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new SafetensorsError(`header is not valid UTF-8 JSON: ${(error as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError('header is not a JSON object');
  return { header: header as Record<string, unknown>, dataStart: 8 + headerLength };
}

function parseMetadata(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new SafetensorsError('__metadata__ must be an object of strings');
  for (const [k, v] of Object.entries(value)) if (typeof v !== 'string') throw new SafetensorsError(`__metadata__.${k} must be a string`);
  return value as Record<string, string>;
}

function parseEntry(name: string, raw: unknown, data: Uint8Array): SafetensorsEntry & { begin: number; end: number } {
  const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
  if (typeof info !== 'object' || info === null) throw new SafetensorsError(`tensor "${name}": entry is not an object`);
  if (typeof info.dtype !== 'string' || !(info.dtype in DTYPE_BYTES))
    throw new SafetensorsError(`tensor "${name}": unsupported dtype ${JSON.stringify(info.dtype)}`);
  const dtype = info.dtype as SafetensorsDtype;
  const shape = info.shape;
  if (!Array.isArray(shape) || !shape.every((n) => Number.isSafeInteger(n) && n >= 0))
    throw new SafetensorsError(`tensor "${name}": shape must be a list of non-negative integers`);
  const offsets = info.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((n) => Number.isSafeInteger(n) && n >= 0)) {
    throw new SafetensorsError(`tensor "${name}": data_offsets must be two non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > data.byteLength)
    throw new SafetensorsError(`tensor "${name}": data_offsets [${begin}, ${end}] fall outside the ${data.byteLength} data bytes`);
  const expected = shape.reduce((a: number, b: number) => a * b, 1) * DTYPE_BYTES[dtype];
  if (end - begin !== expected)
    throw new SafetensorsError(`tensor "${name}": shape [${shape}] of ${dtype} needs ${expected} bytes, data_offsets give ${end - begin}`);
  return { dtype, shape: shape as number[], bytes: data.subarray(begin, end), begin, end };
}

export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  const { header, dataStart } = parseHeader(bytes);
  const data = bytes.subarray(dataStart);
  const metadata = parseMetadata(header.__metadata__);
  const entries = Object.entries(header)
    .filter(([name]) => name !== '__metadata__')
    .map(([name, raw]) => [name, parseEntry(name, raw, data)] as const);
  // The spec requires the tensors to tile the data region exactly: no gaps, no overlaps.
  const sorted = entries.map(([name, e]) => ({ name, begin: e.begin, end: e.end })).sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const { name, begin, end } of sorted) {
    if (begin !== cursor)
      throw new SafetensorsError(`tensor "${name}" starts at byte ${begin}, expected ${cursor} (overlapping or gapped data_offsets)`);
    cursor = end;
  }
  if (cursor !== data.byteLength) throw new SafetensorsError(`data region is ${data.byteLength} bytes but the tensors cover ${cursor}`);
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [name, { dtype, shape, bytes: tensorBytes }] of entries) tensors.set(name, { dtype, shape, bytes: tensorBytes });
  return { tensors, metadata };
}

/** IEEE half bits → the float32 bits of the same value (every half is exact in float32). */
function halfToFloat32Bits(half: number): number {
  const sign = (half & 0x8000) << 16;
  const exponent = (half >> 10) & 0x1f;
  let mantissa = half & 0x3ff;
  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0; // inf, NaN
  if (exponent !== 0) return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
  if (mantissa === 0) return sign >>> 0; // ±0
  // Subnormal: mantissa·2^-24; shift it up to a normal float32 with an implicit leading 1.
  let e = 113;
  while ((mantissa & 0x400) === 0) {
    mantissa <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mantissa & 0x3ff) << 13)) >>> 0;
}

/** All 65,536 halves, built on first use (256 KB): a lookup beats branching per element. */
let halfTable: Uint32Array | undefined;
export function getHalfTable(): Uint32Array {
  if (!halfTable) {
    halfTable = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat32Bits(h);
  }
  return halfTable;
}

/** 16-bit little-endian words of `bytes` (a view when aligned, else a copy). */
function uint16Words(bytes: Uint8Array): Uint16Array {
  const source = bytes.byteOffset % 2 === 0 ? bytes : new Uint8Array(bytes);
  return new Uint16Array(source.buffer, source.byteOffset, source.byteLength / 2);
}

export interface ToFloat32Options {
  /**
   * F32 only: return a view into the file's bytes when they are 4-byte aligned instead of a
   * copy (saves one full copy of a large checkpoint; the result then shares the file's
   * buffer, so the file must not be mutated or transferred while the weights live).
   */
  share?: boolean;
}

/**
 * F32, F16 or BF16 tensor data as a Float32Array. F32 is copied unless `share` (so
 * alignment within the file never matters); F16 and BF16 widen exactly (every half and
 * bfloat16 value, subnormals, ±0, ±inf and NaN included, is a float32).
 */
export function entryToFloat32(name: string, entry: SafetensorsEntry, options: ToFloat32Options = {}): Float32Array {
  const count = entry.shape.reduce((a, b) => a * b, 1);
  if (entry.dtype === 'F32') {
    if (options.share && entry.bytes.byteOffset % 4 === 0) return new Float32Array(entry.bytes.buffer, entry.bytes.byteOffset, count);
    // new Uint8Array(view) always copies; a Node Buffer's slice() would not (it is a view), and
    // its .buffer starts at the pool's or file's byte 0, not at the tensor.
    const copy = new Uint8Array(entry.bytes);
    return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
  }
  if (entry.dtype === 'F16' || entry.dtype === 'BF16') {
    const words = uint16Words(entry.bytes);
    const out = new Uint32Array(count);
    if (entry.dtype === 'F16') {
      const table = getHalfTable();
      for (let i = 0; i < count; i++) out[i] = table[words[i]];
    } else {
      // bfloat16 is the top half of a float32.
      for (let i = 0; i < count; i++) out[i] = words[i] << 16;
    }
    return new Float32Array(out.buffer);
  }
  throw new SafetensorsError(`tensor "${name}" is ${entry.dtype}; only F32, F16 and BF16 weights are read here`);
}
