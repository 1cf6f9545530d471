/**
 * LayerNorm over the last axis (GPT-2): y = (x − mean) · rsqrt(var + ε) · gain + bias, with the
 * biased variance as torch.nn.LayerNorm uses.
 *
 * The portable composition (tf.moments and five more kernels forward, some twenty-five
 * backward) is the fallback and the reference; a backend that registers LAYER_NORM_KERNEL and
 * LAYER_NORM_GRAD_KERNEL (src/kernels/webgpu/) runs one row reduction forward.
 *
 * Kernel contract (R rows, d features, float32):
 *   LayerNorm:     inputs { x [R, d], gain [d], bias [d] }, attrs { epsilon } → y [R, d]
 *   LayerNormGrad: inputs { x [R, d], gain [d], dy [R, d] }, attrs { epsilon }
 *                  → [dx [R, d], dgain [d], dbias [d]] with x̂ = (x − mean) · r, r = rsqrt(var + ε),
 *                    dx = r · (g·dy − mean(g·dy) − x̂ · mean(g·dy·x̂)),
 *                    dgain = Σ_rows dy · x̂,  dbias = Σ_rows dy
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertPathAvailable, assertVector, rowsOf, runNamedKernel } from './fused-op';
import { kernelPath, type KernelPath } from './kernel-path';

export const LAYER_NORM_KERNEL = 'LayerNorm';
export const LAYER_NORM_GRAD_KERNEL = 'LayerNormGrad';

export function layerNormPath(): KernelPath {
  return kernelPath([LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL]);
}

/** The portable composition. x: [..., d], gain and bias: [d] */
export function layerNormPortable(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), gain), bias);
}

/**
 * LayerNorm over the last axis, differentiable in x, gain and bias.
 * @param x [..., d] float32
 * @param gain [d]
 * @param bias [d]
 * @returns [..., d]
 */
export function layerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, eps: number, implementation: KernelPath = layerNormPath()): tf.Tensor {
  const [rows, d] = rowsOf(x);
  assertVector('layerNorm', 'gain', gain, d);
  assertVector('layerNorm', 'bias', bias, d);
  assertPathAvailable('layerNorm', implementation, layerNormPath());
  if (implementation === 'portable') return layerNormPortable(x, gain, bias, eps);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, g, b, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const x2d = tf.reshape(input, [rows, d]);
    const g1d = tf.reshape(g, [d]);
    const [y] = runNamedKernel(LAYER_NORM_KERNEL, { x: x2d, gain: g1d, bias: tf.reshape(b, [d]) }, { epsilon: eps });
    save([x2d, g1d]);
    return {
      value: tf.reshape(y, input.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [dx, dgain, dbias] = runNamedKernel(LAYER_NORM_GRAD_KERNEL, { x: saved[0], gain: saved[1], dy: tf.reshape(dy, [rows, d]) }, { epsilon: eps });
        return [tf.reshape(dx, input.shape), tf.reshape(dgain, g.shape), tf.reshape(dbias, b.shape)];
      },
    };
  });
  return op(x, gain, bias);
}
