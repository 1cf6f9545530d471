/**
 * Ops that read packed frozen weights (packed-weights.ts) without a float32 copy: a linear
 * layer, the embedding gather, and an unpack for the few places that need the dense matrix
 * (merging LoRA into the base for sampling). The weight is frozen, so the linear op's only
 * gradient is the one for its input.
 *
 * Core never imports a backend package: the kernels are looked up by name (src/kernels/webgpu
 * registers them). Weights are packed only where they are (uploadFrozenWeights with
 * `pack: packedOpsPath() === 'fused'`); the portable ops below, which unpack through a
 * 65,536-entry lookup table and then use TF.js's own matMul and gather, are the reference for
 * tests and what `withPortableOps` runs.
 *
 * Kernel contract (W a packed weight: int32 [M, ⌈K / 2⌉], element 2j of a row in the low 16
 * bits of word j, 2j + 1 in the high 16; attrs { format: 'bf16' | 'f16', inFeatures: K }):
 *   PackedLinear:          inputs { x [N, K] float32, weight W }  → y [N, M] = x · Wᵀ
 *   PackedLinearGradInput: inputs { dy [N, M] float32, weight W } → dx [N, K] = dy · W
 *   PackedGather:          inputs { weight W, ids [N] int32 }     → [N, K] = W[ids] (ids in [0, M))
 *   UnpackHalfWeights:     inputs { weight W }                    → [M, K] float32, bit for bit
 * Sums accumulate in float32; the 16-bit values widen exactly (NaN, ±inf and subnormals included).
 */
import * as tf from '@tensorflow/tfjs-core';
import { kernelPath, type KernelPath } from './kernel-path';
import { halfValueTable, type HalfFormat } from './half-words';
import { packedLinearShape, packedWeightInfo, type PackedWeightInfo } from './packed-weights';

export const PACKED_LINEAR_KERNEL = 'PackedLinear';
export const PACKED_LINEAR_GRAD_KERNEL = 'PackedLinearGradInput';
export const PACKED_GATHER_KERNEL = 'PackedGather';
export const UNPACK_HALF_WEIGHTS_KERNEL = 'UnpackHalfWeights';
export const PACKED_KERNELS = [PACKED_LINEAR_KERNEL, PACKED_LINEAR_GRAD_KERNEL, PACKED_GATHER_KERNEL, UNPACK_HALF_WEIGHTS_KERNEL] as const;

export interface PackedKernelAttrs {
  format: HalfFormat;
  inFeatures: number;
  [key: string]: string | number;
}

/** 'fused' where the active backend has every packed kernel: only then should a base be packed. */
export function packedOpsPath(): KernelPath {
  return kernelPath(PACKED_KERNELS);
}

function infoOf(weight: tf.Tensor, op: string): PackedWeightInfo {
  const info = packedWeightInfo(weight);
  if (!info) throw new Error(`${op}: the weight [${weight.shape}] ${weight.dtype} is not a packed weight (packWeight makes one)`);
  return info;
}

function attrsOf(info: PackedWeightInfo): PackedKernelAttrs {
  return { format: info.format, inFeatures: packedLinearShape(info)[1] };
}

/** Portable unpack: split each word into its halves, then look every 16-bit value up. [M, W] int32 → [M, K] */
function unpackPortable(weight: tf.Tensor, attrs: PackedKernelAttrs): tf.Tensor2D {
  return tf.tidy(() => {
    const [rows, width] = weight.shape;
    // Floor division and modulo keep the high half right for negative words (high bit set).
    const low = tf.mod(weight, tf.scalar(65536, 'int32'));
    const high = tf.mod(tf.floorDiv(weight, tf.scalar(65536, 'int32')), tf.scalar(65536, 'int32'));
    const halves = tf.reshape(tf.stack([low, high], 2), [rows * width * 2]);
    const values = tf.gather(tf.tensor1d(halfValueTable(attrs.format)), halves);
    return tf.slice(tf.reshape(values, [rows, width * 2]), [0, 0], [rows, attrs.inFeatures]) as tf.Tensor2D;
  });
}

/**
 * A packed weight as a float32 tensor in its own layout (the checkpoint's shape); the caller disposes it.
 * @returns [out, in], or GPT-2 Conv1D's [in, out] for a weight packed transposed
 */
export function unpackWeight(weight: tf.Tensor, implementation: KernelPath = packedOpsPath()): tf.Tensor2D {
  const info = infoOf(weight, 'unpackWeight');
  const attrs = attrsOf(info);
  return tf.tidy(() => {
    const dense =
      implementation === 'fused' ? (tf.engine().runKernel(UNPACK_HALF_WEIGHTS_KERNEL, { weight }, attrs) as tf.Tensor2D) : unpackPortable(weight, attrs);
    return info.transposed ? tf.transpose(dense) : dense;
  });
}

/**
 * x · Wᵀ for a packed weight W [out, in] (nn.Linear's layout; GPT-2's Conv1D weights are
 * packed transposed into it), differentiable in x only.
 * @param x [N, in] float32
 * @returns [N, out]
 */
export function packedLinear(x: tf.Tensor2D, weight: tf.Tensor2D, implementation: KernelPath = packedOpsPath()): tf.Tensor2D {
  const info = infoOf(weight, 'packedLinear');
  const attrs = attrsOf(info);
  const [out, inFeatures] = packedLinearShape(info);
  if (x.rank !== 2 || x.shape[1] !== inFeatures) throw new Error(`packedLinear: x [${x.shape}] does not fit a weight [${out}, ${inFeatures}]`);
  const fused = implementation === 'fused';
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input] = args as [tf.Tensor2D];
    const value = fused
      ? (tf.engine().runKernel(PACKED_LINEAR_KERNEL, { x: input, weight }, attrs) as tf.Tensor2D)
      : tf.tidy(() => tf.matMul(input, unpackPortable(weight, attrs), false, true));
    return {
      value,
      // The base is frozen: dy · W is the only gradient, and W stays packed for it too.
      gradFunc: (dy: tf.Tensor) =>
        fused
          ? (tf.engine().runKernel(PACKED_LINEAR_GRAD_KERNEL, { dy, weight }, attrs) as tf.Tensor2D)
          : tf.tidy(() => tf.matMul(dy as tf.Tensor2D, unpackPortable(weight, attrs))),
    };
  });
  return op(x) as tf.Tensor2D;
}

/**
 * Rows of a packed [V, d] table (the token embedding), without a gradient: the base is frozen.
 * @param ids [N] int32 in [0, V)
 * @returns [N, d] float32
 */
export function packedGather(table: tf.Tensor2D, ids: tf.Tensor1D, implementation: KernelPath = packedOpsPath()): tf.Tensor2D {
  const info = infoOf(table, 'packedGather');
  if (info.transposed) throw new Error('packedGather: the table is packed transposed; an embedding is packed as [V, d]');
  const attrs = attrsOf(info);
  const intIds = ids.dtype === 'int32' ? ids : (tf.cast(ids, 'int32') as tf.Tensor1D);
  const rows = implementation === 'fused' ? (tf.engine().runKernel(PACKED_GATHER_KERNEL, { weight: table, ids: intIds }, attrs) as tf.Tensor2D) : tf.tidy(() => tf.gather(unpackPortable(table, attrs), intIds));
  if (intIds !== ids) intIds.dispose();
  return rows;
}

/** x · wᵀ for an nn.Linear-layout weight [out, in], packed or float32. x: [N, in] → [N, out] */
export function linearWeight(x: tf.Tensor2D, weight: tf.Tensor2D): tf.Tensor2D {
  return packedWeightInfo(weight) ? packedLinear(x, weight) : tf.matMul(x, weight, false, true);
}

/** x · w for a Conv1D-layout weight [in, out], packed (transposed) or float32. x: [N, in] → [N, out] */
export function conv1dWeight(x: tf.Tensor2D, weight: tf.Tensor2D): tf.Tensor2D {
  return packedWeightInfo(weight) ? packedLinear(x, weight) : tf.matMul(x, weight);
}
