import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterEach, describe, expect, it } from 'vitest';
import golden from '../testing/oracle/attention-oracle.json';
import { registerReferenceAttentionKernels } from '../testing/attention-reference-kernels';
import { causalMask } from '../model/forward-options';
import { CAUSAL_ATTENTION_GRAD_KERNEL, CAUSAL_ATTENTION_KERNEL, causalAttention, causalAttentionPath } from './attention';
import { withPortableOps } from './kernel-path';

// Golden values: tools/oracle/attention_oracle.py (PyTorch float64 autograd from the same float32
// inputs). Forward within 1e-5, gradients within 1e-4, relative above magnitude 1.
const FORWARD_TOLERANCE = 1e-5;
const GRAD_TOLERANCE = 1e-4;

type GoldenCase = (typeof golden.cases)[number];

/** The oracle's exact integer-hash inputs (its GENERATOR): bit-identical in float32. */
function hashed(count: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (((i * 2654435761 + seed * 40503 + 12345) % 4294967296) / 2147483648 - 1) * scale;
  return out;
}

function inputs(c: GoldenCase) {
  const qShape: [number, number, number, number] = [c.batch, c.heads, c.length, c.headDim];
  const kvShape: [number, number, number, number] = [c.batch, c.kvHeads, c.length, c.headDim];
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return {
    q: tf.tensor4d(hashed(size(qShape), golden.seeds.q, c.scales.q), qShape),
    k: tf.tensor4d(hashed(size(kvShape), golden.seeds.k, c.scales.k), kvShape),
    v: tf.tensor4d(hashed(size(kvShape), golden.seeds.v, c.scales.v), kvShape),
    w: tf.tensor4d(hashed(size(qShape), golden.seeds.w, c.scales.w), qShape),
  };
}

/** Largest |got − want| / max(1, |want|). */
function maxError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  return worst;
}

/** Output and the gradients of Σ o · w on the active backend, and how many tensors were left beyond the four results. */
function evaluate(c: GoldenCase, withMask: boolean) {
  const x = inputs(c);
  const mask = withMask ? causalMask(c.length) : undefined;
  const options = { scale: c.scale, mask };
  const before = tf.memory().numTensors;
  const output = causalAttention(x.q, x.k, x.v, options);
  const grads = tf.grads((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
    tf.sum(tf.mul(causalAttention(q as tf.Tensor4D, k as tf.Tensor4D, v as tf.Tensor4D, options), x.w)),
  )([x.q, x.k, x.v]);
  const extra = tf.memory().numTensors - before - 4;
  const out = { extra, output: output.dataSync(), dq: grads[0].dataSync(), dk: grads[1].dataSync(), dv: grads[2].dataSync() };
  tf.dispose([output, ...grads, ...Object.values(x), ...(mask ? [mask] : [])]);
  return out;
}

function expectMatchesGolden(c: GoldenCase, got: ReturnType<typeof evaluate>) {
  expect(maxError(got.output, c.output), `${c.name}: output`).toBeLessThanOrEqual(FORWARD_TOLERANCE);
  for (const name of ['dq', 'dk', 'dv'] as const) expect(maxError(got[name], c[name]), `${c.name}: ${name}`).toBeLessThanOrEqual(GRAD_TOLERANCE);
  expect(got.extra).toBe(0);
}

describe('causalAttention (portable ops on the cpu backend)', () => {
  it('takes the portable path where no kernel is registered', () => {
    expect(causalAttentionPath()).toBe('portable');
  });

  for (const c of golden.cases)
    it(`matches PyTorch: ${c.name}`, () => {
      expectMatchesGolden(c, evaluate(c, true));
    });

  it('builds the causal mask itself when none is passed, with the same result', () => {
    const c = golden.cases[1];
    expectMatchesGolden(c, evaluate(c, false));
  });

  it('names the mismatch when shapes do not fit', () => {
    const q = tf.zeros([1, 3, 4, 8]) as tf.Tensor4D;
    const kv = tf.zeros([1, 2, 4, 8]) as tf.Tensor4D;
    expect(() => causalAttention(q, kv, kv, { scale: 1 })).toThrow('causalAttention: 3 query heads are not a multiple of 2 K/V heads');
    const short = tf.zeros([1, 1, 3, 8]) as tf.Tensor4D;
    expect(() => causalAttention(q, short, short, { scale: 1 })).toThrow(/k\/v must be \[B, KV, T, head_dim\].*k \[1,1,3,8\]/);
    const mask = causalMask(5);
    expect(() => causalAttention(q, q, q, { scale: 1, mask })).toThrow('causalAttention: mask [5,5] is not [T, T] for T = 4');
    expect(() => causalAttention(q, q, q, { scale: 1, implementation: 'fused' })).toThrow('no fused kernel is registered for the cpu backend');
    tf.dispose([q, kv, short, mask]);
  });
});

describe('causalAttention through registered kernels (the fused path, contract checked on cpu)', () => {
  let unregister = () => {};
  afterEach(() => unregister());

  it('dispatches forward and gradient to the kernels by name and still matches PyTorch', () => {
    const calls: string[] = [];
    unregister = registerReferenceAttentionKernels(calls);
    expect(causalAttentionPath()).toBe('fused');
    for (const c of golden.cases) expectMatchesGolden(c, evaluate(c, true));
    // Per case: one forward, then the gradient's own forward and its backward.
    const perCase = [CAUSAL_ATTENTION_KERNEL, CAUSAL_ATTENTION_KERNEL, CAUSAL_ATTENTION_GRAD_KERNEL];
    expect(calls).toEqual(golden.cases.flatMap(() => perCase));
  });

  it('takes the portable path inside withPortableOps, kernels registered or not', () => {
    const calls: string[] = [];
    unregister = registerReferenceAttentionKernels(calls);
    const c = golden.cases[2];
    withPortableOps(() => {
      expect(causalAttentionPath()).toBe('portable');
      expectMatchesGolden(c, evaluate(c, true));
    });
    expect(calls).toEqual([]);
  });

  it('leaves no tensors behind under variableGrads', () => {
    unregister = registerReferenceAttentionKernels();
    const q = tf.variable(tf.randomNormal([1, 4, 6, 8], 0, 1, 'float32', 1));
    const kv = tf.variable(tf.randomNormal([1, 2, 6, 8], 0, 1, 'float32', 2));
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const { value, grads } = tf.variableGrads(() =>
        tf.sum(causalAttention(q as unknown as tf.Tensor4D, kv as unknown as tf.Tensor4D, kv as unknown as tf.Tensor4D, { scale: 0.5 })),
      );
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([q, kv]);
  });
});
