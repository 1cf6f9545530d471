/**
 * GPT-2's "gelu_new", the tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
 *
 * The portable composition (pow, tanh and six more elementwise kernels; about fifteen backward)
 * is the fallback and the reference; a backend that registers GELU_KERNEL and GELU_GRAD_KERNEL
 * (src/kernels/webgpu/) does one elementwise pass each way.
 *
 * Kernel contract (any shape, float32), with u = √(2/π)·(x + 0.044715·x³) and t = tanh(u):
 *   GeluTanh:     inputs { x } → y = 0.5·x·(1 + t)
 *   GeluTanhGrad: inputs { x, dy } → dx = dy · (0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²))
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertPathAvailable, runNamedKernel } from './fused-op';
import { kernelPath, type KernelPath } from './kernel-path';

export const GELU_KERNEL = 'GeluTanh';
export const GELU_GRAD_KERNEL = 'GeluTanhGrad';

const GELU_C = Math.sqrt(2 / Math.PI);

export function geluPath(): KernelPath {
  return kernelPath([GELU_KERNEL, GELU_GRAD_KERNEL]);
}

/** The portable composition. */
export function geluTanhPortable(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(0.044715, tf.pow(x, 3))), GELU_C);
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

/**
 * gelu_new(x), differentiable.
 * @param x any shape, float32
 * @returns the shape of x
 */
export function geluTanh(x: tf.Tensor, implementation: KernelPath = geluPath()): tf.Tensor {
  assertPathAvailable('geluTanh', implementation, geluPath());
  if (implementation === 'portable') return geluTanhPortable(x);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const [y] = runNamedKernel(GELU_KERNEL, { x: input });
    save([input]);
    return { value: y, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => runNamedKernel(GELU_GRAD_KERNEL, { x: saved[0], dy })[0] };
  });
  return op(x);
}
