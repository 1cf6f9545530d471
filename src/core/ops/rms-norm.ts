/**
 * RMSNorm over the last axis (Llama, Qwen): y = x · rsqrt(mean(x²) + ε) · gain.
 *
 * The portable TF.js composition is six kernels forward and about twenty backward per call; a
 * backend that registers RMS_NORM_KERNEL and RMS_NORM_GRAD_KERNEL (src/kernels/webgpu/) runs
 * one row reduction forward and the backward below. Every other backend, and `withPortableOps`,
 * runs the composition with TF.js's own gradients: it is the fallback and the reference.
 *
 * Kernel contract (R rows, d features, float32):
 *   RmsNorm:     inputs { x [R, d], gain [d] }, attrs { epsilon } → y [R, d]
 *   RmsNormGrad: inputs { x [R, d], gain [d], dy [R, d] }, attrs { epsilon }
 *                → [dx [R, d], dgain [d]] with r = rsqrt(mean(x²) + ε) per row,
 *                  dx = r · (g·dy − x · r² · mean(g·dy·x)),  dgain = Σ_rows dy · x · r
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertPathAvailable, assertVector, rowsOf, runNamedKernel } from './fused-op';
import { kernelPath, type KernelPath } from './kernel-path';

export const RMS_NORM_KERNEL = 'RmsNorm';
export const RMS_NORM_GRAD_KERNEL = 'RmsNormGrad';

export function rmsNormPath(): KernelPath {
  return kernelPath([RMS_NORM_KERNEL, RMS_NORM_GRAD_KERNEL]);
}

/** The portable composition. x: [..., d], gain: [d] */
export function rmsNormPortable(x: tf.Tensor, gain: tf.Tensor, eps: number): tf.Tensor {
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))), gain);
}

/**
 * RMSNorm over the last axis, differentiable in x and gain.
 * @param x [..., d] float32
 * @param gain [d]
 * @returns [..., d]
 */
export function rmsNorm(x: tf.Tensor, gain: tf.Tensor, eps: number, implementation: KernelPath = rmsNormPath()): tf.Tensor {
  const [rows, d] = rowsOf(x);
  assertVector('rmsNorm', 'gain', gain, d);
  assertPathAvailable('rmsNorm', implementation, rmsNormPath());
  if (implementation === 'portable') return rmsNormPortable(x, gain, eps);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, g, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const x2d = tf.reshape(input, [rows, d]);
    const g1d = tf.reshape(g, [d]);
    const [y] = runNamedKernel(RMS_NORM_KERNEL, { x: x2d, gain: g1d }, { epsilon: eps });
    save([x2d, g1d]);
    return {
      value: tf.reshape(y, input.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [dx, dgain] = runNamedKernel(RMS_NORM_GRAD_KERNEL, { x: saved[0], gain: saved[1], dy: tf.reshape(dy, [rows, d]) }, { epsilon: eps });
        return [tf.reshape(dx, input.shape), tf.reshape(dgain, g.shape)];
      },
    };
  });
  return op(x, gain);
}
