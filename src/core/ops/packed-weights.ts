/**
 * Frozen weights on the device at half the size: a LoRA base matrix as an int32 tensor
 * [out, ⌈in / 2⌉] of 16-bit values packed two to a word (half-words.ts), read by the packed ops
 * (packed-linear.ts). The tag that says how to read it (bfloat16 or half, the matrix's own
 * shape, whether it is stored transposed) is kept beside the tensor in a WeakMap, so a packed
 * weight still travels in a plain NamedWeights record and frees like any tensor.
 *
 * Packing is lossless by construction: only a matrix whose every value is a bfloat16 (or a
 * half) is packed, i.e. a BF16 (F16) checkpoint; a float32 one stays float32. Trainable weights
 * (adapters, full fine-tuning) are never packed.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedWeights } from '../model/forward-options';
import type { HostTensor, HostWeights } from '../model/gpt-weights';
import { losslessHalfFormat, packHalfWords, packedWords, unpackHalfWords, type HalfFormat } from './half-words';

export interface PackedWeightInfo {
  format: HalfFormat;
  /** The matrix's own shape, as the checkpoint and the exports have it. */
  shape: [number, number];
  /** Stored as its transpose (GPT-2's Conv1D [in, out], packed [out, in] like nn.Linear). */
  transposed: boolean;
}

const packedInfo = new WeakMap<tf.Tensor, PackedWeightInfo>();

/** The tag of a packed weight; undefined for a float32 tensor. */
export function packedWeightInfo(t: tf.Tensor): PackedWeightInfo | undefined {
  return packedInfo.get(t);
}

export function isPackedWeight(t: tf.Tensor): boolean {
  return packedInfo.has(t);
}

/** [out, in] of the stored (nn.Linear) layout: what the packed ops see. */
export function packedLinearShape(info: PackedWeightInfo): [out: number, inFeatures: number] {
  return info.transposed ? [info.shape[1], info.shape[0]] : info.shape;
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/**
 * A host matrix as a packed device tensor (the caller disposes it).
 * @param shape the matrix's own shape; `transposed` stores it as [shape[1], shape[0]]
 * @returns int32 [out, ⌈in / 2⌉]
 */
export function packWeight(data: Float32Array, shape: [number, number], format: HalfFormat, transposed = false): tf.Tensor2D {
  const info: PackedWeightInfo = { format, shape: [shape[0], shape[1]], transposed };
  const [out, inFeatures] = packedLinearShape(info);
  const words = packHalfWords(transposed ? transpose(data, shape[0], shape[1]) : data, out, inFeatures, format);
  const tensor = tf.tensor2d(words, [out, packedWords(inFeatures)], 'int32');
  packedInfo.set(tensor, info);
  return tensor;
}

/** A tensor's values on the host in its own layout: a packed one unpacked bit for bit. */
export async function readWeightHost(t: tf.Tensor): Promise<HostTensor> {
  const info = packedInfo.get(t);
  if (!info) return { shape: t.shape.slice(), data: (await t.data()) as Float32Array };
  const [out, inFeatures] = packedLinearShape(info);
  const data = unpackHalfWords((await t.data()) as Int32Array, out, inFeatures, info.format);
  return { shape: [...info.shape], data: info.transposed ? transpose(data, out, inFeatures) : data };
}

export interface FrozenUploadOptions {
  /** Pack where the packed ops have kernels on the active backend (packedOpsPath() === 'fused'). */
  pack: boolean;
  /** The family's projectionLayout: 'in_out' (GPT-2's Conv1D) stores its projections transposed. */
  layout: 'in_out' | 'out_in';
}

/** Matrices the forward reads through linear/Conv1D, the LM head or the embedding: all but GPT-2's position table (sliced). */
function packable(name: string, shape: number[]): boolean {
  return shape.length === 2 && name !== 'wpe.weight';
}

/** GPT-2's Conv1D weights are [in, out]; its token embedding is [V, d] like Llama's and read row by row. */
function storedTransposed(name: string, layout: FrozenUploadOptions['layout']): boolean {
  return layout === 'in_out' && name !== 'wte.weight';
}

/**
 * A frozen base on the device: with `pack`, every packable matrix that a 16-bit format holds
 * exactly is packed; everything else (norms, biases, float32 checkpoints) is float32.
 */
export function uploadFrozenWeights(weights: HostWeights, options: FrozenUploadOptions): NamedWeights {
  const out: NamedWeights = {};
  for (const [name, { shape, data }] of weights) {
    const format = options.pack && packable(name, shape) ? losslessHalfFormat(data) : null;
    out[name] = format ? packWeight(data, shape as [number, number], format, storedTransposed(name, options.layout)) : tf.tensor(data, shape);
  }
  return out;
}

/**
 * Device bytes of a base `uploadFrozenWeights` packs throughout (a BF16 or F16 checkpoint):
 * 2 per value of each packable matrix (plus one pad value per row when its `in` is odd), 4 for the rest.
 */
export function packedBaseBytes(shapes: [string, number[]][], layout: FrozenUploadOptions['layout']): number {
  let bytes = 0;
  for (const [name, shape] of shapes) {
    if (!packable(name, shape)) {
      bytes += 4 * shape.reduce((a, b) => a * b, 1);
      continue;
    }
    const [rows, cols] = storedTransposed(name, layout) ? [shape[1], shape[0]] : shape;
    bytes += 4 * rows * packedWords(cols);
  }
  return bytes;
}
