/**
 * SwiGLU's gating, silu(gate) · up = gate · σ(gate) · up (Llama, Qwen MLPs), between the
 * gate/up projections and down_proj.
 *
 * The portable composition (sigmoid and two multiplies; its gradient about eight kernels) is
 * the fallback and the reference; a backend that registers SWIGLU_KERNEL and SWIGLU_GRAD_KERNEL
 * (src/kernels/webgpu/) does one elementwise pass forward and one per gradient backward.
 *
 * Kernel contract (any shape, gate and up alike, float32):
 *   SwiGlu:     inputs { gate, up } → y = gate · σ(gate) · up
 *   SwiGluGrad: inputs { gate, up, dy } → [dgate = dy · up · σ(gate) · (1 + gate · (1 − σ(gate))),
 *                                          dup = dy · gate · σ(gate)]
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertPathAvailable, runNamedKernel } from './fused-op';
import { kernelPath, type KernelPath } from './kernel-path';

export const SWIGLU_KERNEL = 'SwiGlu';
export const SWIGLU_GRAD_KERNEL = 'SwiGluGrad';

export function swiGluPath(): KernelPath {
  return kernelPath([SWIGLU_KERNEL, SWIGLU_GRAD_KERNEL]);
}

/** The portable composition. gate, up: same shape */
export function swiGluGatePortable(gate: tf.Tensor, up: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(gate, tf.sigmoid(gate)), up);
}

/**
 * silu(gate) · up, differentiable in both.
 * @param gate [N, F] (any shape)
 * @param up the shape of gate
 * @returns the shape of gate
 */
export function swiGluGate(gate: tf.Tensor, up: tf.Tensor, implementation: KernelPath = swiGluPath()): tf.Tensor {
  if (gate.shape.join() !== up.shape.join())
    throw new Error(`swiGluGate: gate ${JSON.stringify(gate.shape)} and up ${JSON.stringify(up.shape)} differ`);
  assertPathAvailable('swiGluGate', implementation, swiGluPath());
  if (implementation === 'portable') return swiGluGatePortable(gate, up);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [g, u, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const [y] = runNamedKernel(SWIGLU_KERNEL, { gate: g, up: u });
    save([g, u]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => runNamedKernel(SWIGLU_GRAD_KERNEL, { gate: saved[0], up: saved[1], dy }),
    };
  });
  return op(gate, up);
}
