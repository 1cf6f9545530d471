import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { causalMask, type NamedWeights } from '../model/gpt';
import { initGptWeights } from '../model/gpt-weights';
import { SeededRandom } from '../random';
import { collateDpoBatch, tokenizeDataset } from '../dpo/batch';
import { MICRO_CONFIG, MICRO_SETTINGS, SAMPLE_PAIRS } from '../testing/tiny-model';
import { batchLogProbs, dpoForward, uploadBatch } from './dpo-step';

/** Finite differences against the analytic DPO gradient, with policy ≠ reference so h ≠ 0. */
describe('DPO gradient', () => {
  it('matches central finite differences along random directions and single coordinates', () => {
    const loss = { beta: 0.5, lossTypes: ['sigmoid'] as const, lossWeights: [1], labelSmoothing: 0, simpoGamma: 0 };
    const reference = initGptWeights(MICRO_CONFIG, new SeededRandom(3));
    const noise = new SeededRandom(4);
    const refTensors: NamedWeights = {};
    const policyVars: Record<string, tf.Variable> = {};
    for (const [name, { shape, data }] of reference) {
      refTensors[name] = tf.tensor(data, shape);
      policyVars[name] = tf.variable(
        tf.tensor(
          data.map((x) => x + 0.05 * noise.normal()),
          shape,
        ),
      );
    }
    const tokenized = tokenizeDataset(SAMPLE_PAIRS.slice(0, 2), MICRO_SETTINGS).pairs;
    const batch = uploadBatch(collateDpoBatch(tokenized, MICRO_SETTINGS.maxLength));
    const mask = causalMask(MICRO_SETTINGS.maxLength);
    const refLogps = batchLogProbs(refTensors, MICRO_CONFIG, batch, mask);
    const lossAt = (weights: NamedWeights) =>
      tf.tidy(() => dpoForward(weights, MICRO_CONFIG, batch, refLogps, mask, loss).loss.dataSync()[0]);

    const { grads } = tf.variableGrads(() => dpoForward(policyVars, MICRO_CONFIG, batch, refLogps, mask, loss).loss);
    const gradOf = (name: string) => grads[policyVars[name].name];

    const directional = (direction: Record<string, tf.Tensor>) => {
      const eps = 1e-2;
      const shifted = (sign: number) =>
        Object.fromEntries(Object.entries(policyVars).map(([n, v]) => [n, tf.add(v, tf.mul(sign * eps, direction[n]))]));
      const plus = shifted(1);
      const minus = shifted(-1);
      const numeric = (lossAt(plus) - lossAt(minus)) / (2 * eps);
      const analytic = Object.keys(policyVars).reduce((sum, n) => sum + tf.sum(tf.mul(gradOf(n), direction[n])).dataSync()[0], 0);
      tf.dispose([...Object.values(plus), ...Object.values(minus)]);
      return { numeric, analytic };
    };

    const rng = new SeededRandom(9);
    for (let trial = 0; trial < 3; trial++) {
      // A unit-norm direction: a step of eps·u stays small next to weights of scale 0.02.
      const raw = Object.entries(policyVars).map(
        ([n, v]) => [n, Float32Array.from({ length: v.size }, () => rng.normal()), v.shape] as const,
      );
      const norm = Math.sqrt(raw.reduce((sum, [, d]) => sum + d.reduce((a, x) => a + x * x, 0), 0));
      const direction = Object.fromEntries(
        raw.map(([n, d, shape]) => [
          n,
          tf.tensor(
            d.map((x) => x / norm),
            shape,
          ),
        ]),
      );
      const { numeric, analytic } = directional(direction);
      expect(Math.abs(analytic)).toBeGreaterThan(1e-4);
      expect(Math.abs(numeric - analytic) / Math.abs(analytic)).toBeLessThan(2e-2);
    }
    // Single coordinates in the embedding, attention and final LayerNorm.
    for (const [name, index] of [
      ['wte.weight', 33 * 8 + 2],
      ['h.0.attn.c_attn.weight', 5],
      ['ln_f.weight', 3],
    ] as const) {
      const direction = Object.fromEntries(
        Object.entries(policyVars).map(([n, v]) => [
          n,
          n === name ? tf.reshape(tf.oneHot([index], v.size, 1, 0, 'float32'), v.shape) : tf.zerosLike(v),
        ]),
      );
      const { numeric, analytic } = directional(direction);
      expect(Math.abs(numeric - analytic)).toBeLessThan(2e-3 + 3e-2 * Math.abs(analytic));
    }
  });
});
