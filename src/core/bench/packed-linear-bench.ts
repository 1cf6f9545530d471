/**
 * A packed 16-bit frozen matrix (packed-weights.ts) against the same values in float32 through
 * TF.js's own matMul, at one shape — by default the tiny Qwen3 folder's LM head, where the
 * vocabulary makes the head the step's largest matmul: y = x · Wᵀ and the input gradient
 * dx = dy · W, each timed on both after an untimed run that compiles its shaders, in
 * alternating order, with the largest difference between the two and the weight's bytes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { packedLinear, packedOpsPath } from '../ops/packed-linear';
import { packWeight } from '../ops/packed-weights';
import type { KernelPath } from '../ops/kernel-path';
import { median } from './step-bench';

export interface PackedLinearBenchRequest {
  /** N rows of x (B·T tokens), M outputs (the vocabulary for a head), K inputs (the hidden size). */
  rows: number;
  outs: number;
  inFeatures: number;
  /** Timed runs of each; the median is reported. */
  repeats?: number;
}

export interface PackedLinearBenchRun {
  kind: 'packed-linear';
  backend: string;
  /** [N, M, K] */
  shape: [number, number, number];
  /** 'fused': the packed kernels ran; 'portable': unpacked to float32 first (no kernels on this backend). */
  path: KernelPath;
  forward_ms: number;
  forward_ms_float32: number;
  grad_ms: number;
  grad_ms_float32: number;
  /** max |packed − float32| / max(1, |float32|) of y and of dx. */
  max_rel_y: number;
  max_rel_dx: number;
  weight_bytes: number;
  weight_bytes_float32: number;
}

/** Deterministic bfloat16 values (packing is lossless only for those). */
function bf16Values(count: number, scale: number, salt: number): Float32Array {
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = Math.sin(i * 12.9898 + salt) * scale;
  const bits = new Uint32Array(values.buffer);
  for (let i = 0; i < count; i++) bits[i] &= 0xffff0000;
  return values;
}

function maxRel(got: Float32Array, want: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  return worst;
}

export async function benchPackedLinear(request: PackedLinearBenchRequest, now: () => number): Promise<PackedLinearBenchRun> {
  const { rows: n, outs: m, inFeatures: k } = request;
  const values = bf16Values(m * k, 0.05, 0);
  const before = tf.memory().numBytes;
  const packed = packWeight(values, [m, k], 'bf16');
  const packedBytes = tf.memory().numBytes - before;
  const dense = tf.tensor2d(values, [m, k]);
  const x = tf.tensor2d(bf16Values(n * k, 1, 1), [n, k]);
  const dy = tf.tensor2d(bf16Values(n * m, 1, 2), [n, m]);
  const ops = {
    forward: () => packedLinear(x, packed),
    forward_float32: () => tf.matMul(x, dense, false, true),
    grad: () => tf.grad((input) => tf.sum(tf.mul(packedLinear(input as tf.Tensor2D, packed), dy)))(x),
    grad_float32: () => tf.matMul(dy, dense),
  };
  type Op = keyof typeof ops;
  const outputs = {} as Record<Op, Float32Array>;
  const times = Object.fromEntries(Object.keys(ops).map((name) => [name, [] as number[]])) as Record<Op, number[]>;
  const once = async (name: Op) => {
    const t0 = now();
    const y = ops[name]();
    const data = (await y.data()) as Float32Array;
    y.dispose();
    return { ms: now() - t0, data };
  };
  try {
    for (const name of Object.keys(ops) as Op[]) outputs[name] = (await once(name)).data; // compiles
    const order = Object.keys(ops) as Op[];
    for (let r = 0; r < (request.repeats ?? 1); r++) for (const name of r % 2 ? [...order].reverse() : order) times[name].push((await once(name)).ms);
  } finally {
    tf.dispose([packed, dense, x, dy]);
  }
  return {
    kind: 'packed-linear',
    backend: tf.getBackend(),
    shape: [n, m, k],
    path: packedOpsPath(),
    forward_ms: median(times.forward),
    forward_ms_float32: median(times.forward_float32),
    grad_ms: median(times.grad),
    grad_ms_float32: median(times.grad_float32),
    max_rel_y: maxRel(outputs.forward, outputs.forward_float32),
    max_rel_dx: maxRel(outputs.grad, outputs.grad_float32),
    weight_bytes: packedBytes,
    weight_bytes_float32: 4 * m * k,
  };
}
