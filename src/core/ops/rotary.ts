/**
 * Rotary position embeddings applied in Hugging Face's rotate-half convention:
 * y = x · cos + rotate_half(x) · sin with rotate_half(x) = [−x₂, x₁] (halves of head_dim).
 *
 * The portable composition (split, neg, concat, two multiplies and an add; its gradient about
 * as many again) is the fallback and the reference. A backend that registers ROTARY_KERNEL and
 * ROTARY_GRAD_KERNEL (src/kernels/webgpu/) does it in one elementwise pass each way. The
 * backward is the same rotation by the opposite angle: because HF's tables repeat each
 * frequency in both halves (cos[j] = cos[j + hd/2], likewise sin), the transpose of
 * "x·cos + rotate_half(x)·sin" is "dy·cos − rotate_half(dy)·sin".
 *
 * Kernel contract (S = everything before T, float32):
 *   Rotary:     inputs { x [S, T, hd], cos [T, hd], sin [T, hd] } → y [S, T, hd]
 *   RotaryGrad: inputs { dy [S, T, hd], cos [T, hd], sin [T, hd] } → dx = dy·cos − rotate_half(dy)·sin
 * hd is even; the tables carry no gradient.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertPathAvailable, runNamedKernel } from './fused-op';
import { kernelPath, type KernelPath } from './kernel-path';

export const ROTARY_KERNEL = 'Rotary';
export const ROTARY_GRAD_KERNEL = 'RotaryGrad';

export function rotaryPath(): KernelPath {
  return kernelPath([ROTARY_KERNEL, ROTARY_GRAD_KERNEL]);
}

/** The portable composition. x: [..., T, hd]; cos, sin: [T, hd] */
export function applyRotaryPortable(x: tf.Tensor, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor {
  const [x1, x2] = tf.split(x, 2, -1);
  const rotated = tf.concat([tf.neg(x2), x1], -1);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}

/**
 * q' = x·cos + rotate_half(x)·sin, differentiable in x.
 * @param x [..., T, hd] float32
 * @param cos [T, hd] from `rotaryTables`
 * @param sin [T, hd]
 * @returns [..., T, hd]
 */
export function applyRotary(x: tf.Tensor, cos: tf.Tensor2D, sin: tf.Tensor2D, implementation: KernelPath = rotaryPath()): tf.Tensor {
  const [length, headDim] = x.shape.slice(-2);
  if (x.rank < 2 || cos.shape[0] !== length || cos.shape[1] !== headDim || sin.shape.join() !== cos.shape.join() || headDim % 2 !== 0)
    throw new Error(`applyRotary: x ${JSON.stringify(x.shape)} needs cos and sin [T, hd] with an even hd, got ${JSON.stringify(cos.shape)} and ${JSON.stringify(sin.shape)}`);
  assertPathAvailable('applyRotary', implementation, rotaryPath());
  if (implementation === 'portable') return applyRotaryPortable(x, cos, sin);
  const flat = [x.size / (length * headDim), length, headDim];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const [y] = runNamedKernel(ROTARY_KERNEL, { x: tf.reshape(input, flat), cos, sin });
    // Saved, not closed over: the caller's tidy disposes the tables before the backward runs.
    save([cos, sin]);
    return {
      value: tf.reshape(y, input.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.reshape(runNamedKernel(ROTARY_GRAD_KERNEL, { dy: tf.reshape(dy, flat), cos: saved[0], sin: saved[1] })[0], input.shape),
    };
  });
  return op(x);
}
