/**
 * 16-bit weights packed two to a 32-bit word, on the host. A matrix [rows, cols] becomes
 * Int32Array [rows, ⌈cols / 2⌉]: element 2j of a row in the word's low half, 2j + 1 in its high
 * half (the little-endian order PyTorch's `w.view(torch.int32)` gives), a zero pad in the last
 * word's high half when cols is odd. Every bfloat16 and half value is a float32, so a BF16 or
 * F16 checkpoint read as float32 packs back to its own bits: no rounding, NaN payloads included.
 */
import { bfloat16Bits, getHalfTable, halfBits } from '../io/safetensors';

/** How the 16 bits of a packed value read: bfloat16 (the top half of a float32) or IEEE half. */
export type HalfFormat = 'bf16' | 'f16';

/** Words per packed row of `cols` values. */
export function packedWords(cols: number): number {
  return Math.ceil(cols / 2);
}

/** float32 bits → the format's 16 bits: the same value when it has one, else rounded to nearest even. */
function narrow(f: number, format: HalfFormat): number {
  if (format === 'bf16') return (f & 0xffff) === 0 ? f >>> 16 : bfloat16Bits(f);
  // halfBits keeps only a NaN's quiet bit; a payload that fits in 10 bits survives here.
  if ((f & 0x7f800000) === 0x7f800000 && (f & 0x7fffff) !== 0 && (f & 0x1fff) === 0) return ((f >>> 16) & 0x8000) | 0x7c00 | ((f & 0x7fffff) >>> 13);
  return halfBits(f);
}

/** The format's 16 bits → float32 bits (exact). */
function widen(h: number, format: HalfFormat, table: Uint32Array): number {
  return format === 'bf16' ? (h << 16) >>> 0 : table[h];
}

/**
 * The 16-bit format that holds every value of `data` exactly (bfloat16 first), or null when
 * neither does (a float32 checkpoint): only such weights are packed, so packing never rounds.
 */
export function losslessHalfFormat(data: Float32Array): HalfFormat | null {
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  if (bits.every((f) => (f & 0xffff) === 0)) return 'bf16';
  const table = getHalfTable();
  return bits.every((f) => table[narrow(f, 'f16')] === f) ? 'f16' : null;
}

/**
 * Packs a row-major [rows, cols] float32 matrix (values outside the format are rounded).
 * @returns Int32Array [rows, ⌈cols / 2⌉]
 */
export function packHalfWords(data: Float32Array, rows: number, cols: number, format: HalfFormat): Int32Array {
  if (data.length !== rows * cols) throw new Error(`packHalfWords: ${data.length} values are not [${rows}, ${cols}]`);
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const width = packedWords(cols);
  const words = new Int32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const half = narrow(bits[r * cols + c], format);
      words[r * width + (c >> 1)] |= c & 1 ? half << 16 : half;
    }
  }
  return words;
}

/**
 * Unpacks what packHalfWords wrote, bit for bit.
 * @param words Int32Array [rows, ⌈cols / 2⌉]
 * @returns Float32Array [rows, cols]
 */
export function unpackHalfWords(words: Int32Array, rows: number, cols: number, format: HalfFormat): Float32Array {
  const width = packedWords(cols);
  if (words.length !== rows * width) throw new Error(`unpackHalfWords: ${words.length} words are not [${rows}, ${width}]`);
  const table = getHalfTable();
  const out = new Uint32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const word = words[r * width + (c >> 1)];
      out[r * cols + c] = widen(c & 1 ? word >>> 16 : word & 0xffff, format, table);
    }
  }
  return new Float32Array(out.buffer);
}

/** Every value of the format as float32, indexed by its 16 bits (the portable unpack's lookup table). */
export function halfValueTable(format: HalfFormat): Float32Array {
  const table = getHalfTable();
  const out = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) out[h] = widen(h, format, table);
  return new Float32Array(out.buffer);
}
