import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterEach, describe, expect, it } from 'vitest';
import golden from '../testing/oracle/fused-ops-oracle.json';
import { hashed } from '../testing/hashed-inputs';
import { registerReferenceKernels } from '../testing/reference-kernels';
import { GELU_GRAD_KERNEL, GELU_KERNEL, geluPath, geluTanh } from './gelu';
import type { KernelPath } from './kernel-path';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL, layerNorm, layerNormPath } from './layer-norm';
import { RMS_NORM_GRAD_KERNEL, RMS_NORM_KERNEL, rmsNorm, rmsNormPath } from './rms-norm';
import { applyRotary, ROTARY_GRAD_KERNEL, ROTARY_KERNEL, rotaryPath } from './rotary';
import { SWIGLU_GRAD_KERNEL, SWIGLU_KERNEL, swiGluGate, swiGluPath } from './swiglu';

// Golden values: tools/oracle/fused_ops_oracle.py (PyTorch float64 autograd from the same
// float32 inputs). Forward to 1e-5, gradients to 1e-4, relative above magnitude 1.

/** Largest |got − want| / max(1, |want|). */
function maxError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  return worst;
}

/** Cos and sin tables as rope.ts builds them (float64 angles, stored as float32). */
function tables(start: number, length: number, hd: number, theta: number) {
  const cos = new Float32Array(length * hd);
  const sin = new Float32Array(length * hd);
  for (let t = 0; t < length; t++)
    for (let j = 0; j < hd; j++) {
      const angle = (start + t) / Math.pow(theta, (2 * (j % (hd / 2))) / hd);
      cos[t * hd + j] = Math.cos(angle);
      sin[t * hd + j] = Math.sin(angle);
    }
  return { cos: tf.tensor2d(cos, [length, hd]), sin: tf.tensor2d(sin, [length, hd]) };
}

interface OpCase {
  name: string;
  /** Differentiable inputs, in the order of `grads`. */
  inputs: tf.Tensor[];
  dy: tf.Tensor;
  run: (inputs: tf.Tensor[], path: KernelPath) => tf.Tensor;
  y: number[];
  grads: number[][];
}

function cases(): { op: string; path: () => KernelPath; kernels: string[]; cases: OpCase[] }[] {
  return [
    {
      op: 'rmsNorm',
      path: rmsNormPath,
      kernels: [RMS_NORM_KERNEL, RMS_NORM_GRAD_KERNEL],
      cases: golden.rmsNorm.map((c) => ({
        name: c.name, inputs: [hashed(c.x), hashed(c.gain)], dy: hashed(c.dy), y: c.y, grads: [c.dx, c.dgain],
        run: ([x, g], path) => rmsNorm(x, g, c.epsilon, path),
      })),
    },
    {
      op: 'layerNorm',
      path: layerNormPath,
      kernels: [LAYER_NORM_KERNEL, LAYER_NORM_GRAD_KERNEL],
      cases: golden.layerNorm.map((c) => ({
        name: c.name, inputs: [hashed(c.x), hashed(c.gain), hashed(c.bias)], dy: hashed(c.dy), y: c.y, grads: [c.dx, c.dgain, c.dbias],
        run: ([x, g, b], path) => layerNorm(x, g, b, c.epsilon, path),
      })),
    },
    {
      op: 'applyRotary',
      path: rotaryPath,
      kernels: [ROTARY_KERNEL, ROTARY_GRAD_KERNEL],
      cases: golden.rotary.map((c) => {
        const { cos, sin } = tables(c.start, c.x.shape[1], c.x.shape[2], c.theta);
        // [S, T, hd] as [1, S, T, hd]: the op flattens everything before T itself.
        return { name: c.name, inputs: [tf.reshape(hashed(c.x), [1, ...c.x.shape])], dy: tf.reshape(hashed(c.dy), [1, ...c.dy.shape]), y: c.y, grads: [c.dx],
          run: ([x], path) => applyRotary(x, cos, sin, path) };
      }),
    },
    {
      op: 'swiGluGate',
      path: swiGluPath,
      kernels: [SWIGLU_KERNEL, SWIGLU_GRAD_KERNEL],
      cases: golden.swiGlu.map((c) => ({
        name: c.name, inputs: [hashed(c.gate), hashed(c.up)], dy: hashed(c.dy), y: c.y, grads: [c.dgate, c.dup],
        run: ([g, u], path) => swiGluGate(g, u, path),
      })),
    },
    {
      op: 'geluTanh',
      path: geluPath,
      kernels: [GELU_KERNEL, GELU_GRAD_KERNEL],
      cases: golden.gelu.map((c) => ({ name: c.name, inputs: [hashed(c.x)], dy: hashed(c.dy), y: c.y, grads: [c.dx], run: ([x], path) => geluTanh(x, path) })),
    },
  ];
}

/** Forward (in a tidy, as the models run it) and the gradients of Σ y·dy; asserts nothing is left behind. */
function evaluate(c: OpCase, path: KernelPath) {
  const before = tf.memory().numTensors;
  const y = tf.tidy(() => c.run(c.inputs, path));
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(c.run(xs, path), c.dy)))(c.inputs);
  const out = { y: y.dataSync(), grads: grads.map((g) => g.dataSync()), shapes: grads.map((g) => g.shape) };
  tf.dispose([y, ...grads]);
  expect(tf.memory().numTensors, `${c.name}: tensors left behind`).toBe(before);
  return out;
}

function expectMatchesGolden(c: OpCase, got: ReturnType<typeof evaluate>, label: string) {
  expect(maxError(got.y, c.y), `${label} ${c.name}: forward`).toBeLessThanOrEqual(1e-5);
  got.grads.forEach((g, i) => {
    expect(got.shapes[i], `${label} ${c.name}: gradient ${i} shape`).toEqual(c.inputs[i].shape);
    expect(maxError(g, c.grads[i]), `${label} ${c.name}: gradient ${i}`).toBeLessThanOrEqual(1e-4);
  });
}

describe('fused ops: the portable TF.js compositions against PyTorch', () => {
  for (const group of cases())
    for (const c of group.cases)
      it(`${group.op}: ${c.name}`, () => {
        expect(group.path()).toBe('portable');
        expectMatchesGolden(c, evaluate(c, 'portable'), 'portable');
      });
});

describe('fused ops through registered kernels (the contracts, run as the cpu reference kernels)', () => {
  let unregister: (() => void) | undefined;
  afterEach(() => {
    unregister?.();
    unregister = undefined;
  });

  for (const group of cases())
    for (const c of group.cases)
      it(`${group.op}: ${c.name} dispatches its own kernels and matches PyTorch`, () => {
        const calls: string[] = [];
        unregister = registerReferenceKernels(calls, group.kernels);
        expect(group.path()).toBe('fused');
        const got = evaluate(c, group.path());
        expectMatchesGolden(c, got, 'fused');
        // One forward for the value, one forward and one backward for the gradients.
        expect(calls).toEqual([group.kernels[0], group.kernels[0], group.kernels[1]]);
      });

  it('refuses the fused path where no kernel is registered, naming the op and the backend', () => {
    const x = tf.ones([2, 4]);
    expect(() => rmsNorm(x, tf.ones([4]), 1e-6, 'fused')).toThrow('rmsNorm: no fused kernel is registered for the cpu backend');
    expect(() => layerNorm(x, tf.ones([3]), tf.ones([4]), 1e-5)).toThrow('layerNorm: gain [3] does not match the last axis (4)');
    expect(() => applyRotary(x, tf.ones([2, 3]) as tf.Tensor2D, tf.ones([2, 3]) as tf.Tensor2D)).toThrow(/applyRotary: x \[2,4\] needs cos and sin \[T, hd\]/);
  });
});
