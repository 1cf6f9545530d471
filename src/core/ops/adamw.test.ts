import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import golden from '../testing/oracle/fused-ops-oracle.json';
import { hashed } from '../testing/hashed-inputs';
import { registerReferenceKernels } from '../testing/reference-kernels';
import { Optimizer } from '../train/optimizers';
import { ADAMW_UPDATE_KERNEL, adamwPath } from './adamw';

// torch.optim.AdamW's weights after each step and its moments after the last
// (tools/oracle/fused_ops_oracle.py), reached through the Optimizer on either path.

type Case = (typeof golden.adamw)[number];

function maxError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1e-3, Math.abs(want[i])));
  return worst;
}

/**
 * Runs the case's steps. The clip factor comes from maxGradNorm: each step's limit is its
 * gradient's norm × the oracle's clip scale, so the Optimizer scales by exactly that.
 */
async function run(c: Case, guard?: (step: number) => number) {
  const params = { w: tf.variable(hashed(c.param)) };
  const options = { weightDecay: c.weightDecay, beta1: c.beta1, beta2: c.beta2, rmsAlpha: 0.99, epsilon: c.epsilon };
  const optimizer = new Optimizer('adamw', params, options);
  const after: Float32Array[] = [];
  c.grads.forEach((spec, step) => {
    const grad = hashed(spec);
    const norm = Math.sqrt(tf.tidy(() => tf.sum(tf.square(grad))).dataSync()[0]);
    const limit = c.clipScales[step] < 1 ? c.clipScales[step] * (norm + 1e-6) : 0;
    const guardValue = guard ? tf.scalar(guard(step)) : undefined;
    optimizer.apply({ w: grad }, c.learningRate, limit, guardValue).dispose();
    tf.dispose([grad, guardValue]);
    after.push(params.w.dataSync() as Float32Array);
  });
  const state = await optimizer.exportState();
  optimizer.dispose();
  params.w.dispose();
  return { after, state };
}

async function expectTorch(c: Case) {
  const { after, state } = await run(c);
  after.forEach((w, step) => expect(maxError(w, c.paramAfterStep[step]), `${c.name}: weights after step ${step + 1}`).toBeLessThanOrEqual(1e-5));
  const { m, v } = state;
  expect(maxError(m.get('w')!.data, c.m), `${c.name}: m`).toBeLessThanOrEqual(1e-5);
  expect(maxError(v.get('w')!.data, c.v), `${c.name}: v`).toBeLessThanOrEqual(1e-5);
}

describe('AdamW, portable and fused, against torch.optim.AdamW', () => {
  let unregister: (() => void) | undefined;
  afterEach(() => {
    unregister?.();
    unregister = undefined;
  });

  for (const c of golden.adamw) {
    it(`portable ops: ${c.name}`, async () => {
      expect(adamwPath()).toBe('portable');
      await expectTorch(c);
    });

    it(`one AdamWUpdate kernel per parameter and step: ${c.name}`, async () => {
      const calls: string[] = [];
      unregister = registerReferenceKernels(calls, [ADAMW_UPDATE_KERNEL]);
      expect(adamwPath()).toBe('fused');
      await expectTorch(c);
      expect(calls).toEqual(c.grads.map(() => ADAMW_UPDATE_KERNEL));
    });
  }

  it('the fused step gives the portable weights, and a non-finite step leaves weights and moments as they were', async () => {
    const c = golden.adamw[0];
    const nonFiniteAtSecond = (step: number) => (step === 1 ? NaN : 0.5);
    const portable = await run(c, nonFiniteAtSecond);
    unregister = registerReferenceKernels([], [ADAMW_UPDATE_KERNEL]);
    const fused = await run(c, nonFiniteAtSecond);
    expect(Array.from(fused.after[1])).toEqual(Array.from(fused.after[0]));
    fused.after.forEach((w, step) => expect(maxError(w, portable.after[step]), `step ${step + 1}`).toBeLessThanOrEqual(1e-6));
    const [p, f] = [portable.state, fused.state];
    expect(f.steps).toBe(3);
    expect(maxError(f.m.get('w')!.data, p.m.get('w')!.data)).toBeLessThanOrEqual(1e-6);
    expect(maxError(f.v.get('w')!.data, p.v.get('w')!.data)).toBeLessThanOrEqual(1e-6);
  });
});
