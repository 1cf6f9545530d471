import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { BENCH_CASES } from '../bench/bench-cases';
import { initModelWeights, modelForward, type ModelConfig } from '../model/causal-lm';
import { causalMask } from '../model/forward-options';
import { SeededRandom } from '../random';
import { REFERENCE_KERNEL_NAMES, registerReferenceKernels } from '../testing/reference-kernels';

// Whole models through the fused ops (kernel contracts registered for cpu) against the same
// models on the portable ops, which the model oracle tests check against PyTorch: the wiring in
// gpt.ts, llama/forward.ts and rope.ts (tables and saved tensors outliving the forward's tidy
// into the backward) gives the same logits and gradients.

function logitsAndGrads(config: ModelConfig) {
  const weights = Object.fromEntries([...initModelWeights(config, new SeededRandom(3))].map(([name, t]) => [name, tf.variable(tf.tensor(t.data, t.shape), true, name)]));
  const ids = tf.tensor2d(Array.from({ length: 2 * 11 }, (_, i) => (i * 37 + 5) % config.vocabSize), [2, 11], 'int32');
  const mask = causalMask(11);
  const weightsOut = tf.randomNormal([2, 11, config.vocabSize], 0, 1, 'float32', 9);
  const logits = tf.tidy(() => modelForward(weights, config, ids, mask));
  const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(modelForward(weights, config, ids, mask), weightsOut)) as tf.Scalar);
  const out = { logits: logits.dataSync(), grads: Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, g.dataSync()])) };
  tf.dispose([logits, value, ids, mask, weightsOut, ...Object.values(grads), ...Object.values(weights)]);
  return out;
}

function maxError(got: ArrayLike<number>, want: ArrayLike<number>, floor: number): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(floor, Math.abs(want[i])));
  return worst;
}

describe('the models on the fused ops give the portable logits and gradients', () => {
  let unregister: (() => void) | undefined;
  afterEach(() => {
    unregister?.();
    unregister = undefined;
  });

  for (const name of ['tiny', 'tiny-llama']) {
    it(`${BENCH_CASES[name].model}`, () => {
      const config = BENCH_CASES[name].config;
      const portable = logitsAndGrads(config);
      const calls: string[] = [];
      unregister = registerReferenceKernels(calls);
      const fused = logitsAndGrads(config);
      expect(new Set(calls).size, `fused kernels called: ${[...new Set(calls)].join(', ')}`).toBeGreaterThanOrEqual(4);
      expect(calls.every((c) => REFERENCE_KERNEL_NAMES.includes(c))).toBe(true);
      expect(maxError(fused.logits, portable.logits, 1)).toBeLessThanOrEqual(1e-5);
      expect(Object.keys(fused.grads).sort()).toEqual(Object.keys(portable.grads).sort());
      for (const [param, g] of Object.entries(portable.grads)) {
        const floor = Math.max(1e-6, ...Array.from(g, Math.abs));
        expect(maxError(fused.grads[param], g, floor), param).toBeLessThanOrEqual(1e-4);
      }
    });
  }
});
