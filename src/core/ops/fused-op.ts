/**
 * What every fused op in this folder shares: a check that the caller's chosen path exists, the
 * by-name kernel call (core never imports a backend package), and the flattening to rows that
 * lets one kernel serve any rank.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelPath } from './kernel-path';

/** Throws when `implementation` asks for kernels that the active backend does not register. */
export function assertPathAvailable(op: string, implementation: KernelPath, available: KernelPath): void {
  if (implementation === 'fused' && available !== 'fused')
    throw new Error(`${op}: no fused kernel is registered for the ${tf.getBackend()} backend`);
}

/** Runs a registered kernel by name. */
export function runNamedKernel(name: string, inputs: tf.NamedTensorMap, attrs: Record<string, number | boolean> = {}): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs, attrs as unknown as tf.NamedAttrMap);
  return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
}

/** [rows, width] for a tensor whose last axis is `width`. */
export function rowsOf(x: tf.Tensor): [number, number] {
  const width = x.shape[x.shape.length - 1];
  return [width === 0 ? 0 : x.size / width, width];
}

/** Throws unless `t` holds exactly `width` values (a gain or bias over the last axis). */
export function assertVector(op: string, name: string, t: tf.Tensor, width: number): void {
  if (t.size !== width) throw new Error(`${op}: ${name} ${JSON.stringify(t.shape)} does not match the last axis (${width})`);
}
