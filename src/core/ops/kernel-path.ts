/**
 * Which implementation a fused op runs: DPO Studio's own kernels registered for the active
 * backend (src/kernels/), or the portable TF.js composition kept beside each op as the fallback
 * and the reference. Core never imports a backend package, so it looks kernels up by name.
 *
 * `withPortableOps` forces the portable path for the duration of a call, so a benchmark or a
 * parity check can run the same step both ways in one process.
 */
import * as tf from '@tensorflow/tfjs-core';

export type KernelPath = 'fused' | 'portable';

let portableDepth = 0;
let fusedChoices = 0;

/** 'fused' when every named kernel is registered on the active backend and nothing forces the portable ops. */
export function kernelPath(kernelNames: readonly string[]): KernelPath {
  if (portableDepth > 0) return 'portable';
  const backend = tf.getBackend();
  const fused = kernelNames.every((name) => tf.getKernel(name, backend));
  if (fused) fusedChoices++;
  return fused ? 'fused' : 'portable';
}

/**
 * Runs `fn` and says whether any op inside it chose a fused kernel: a benchmark labels its
 * "fused" column with it, so the column shows the fused path as soon as an op has one.
 */
export function pathTaken<T>(fn: () => T): { result: T; path: KernelPath } {
  const before = fusedChoices;
  const result = fn();
  return { result, path: fusedChoices > before ? 'fused' : 'portable' };
}

/** Runs `fn` with every fused op on its portable path (nesting allowed; async work counts until it settles). */
export function withPortableOps<T>(fn: () => T): T {
  portableDepth++;
  let result: T;
  try {
    result = fn();
  } catch (error) {
    portableDepth--;
    throw error;
  }
  if (result instanceof Promise) return result.finally(() => portableDepth--) as T;
  portableDepth--;
  return result;
}
