/**
 * The engine against tools/oracle/dpo_oracle.py, an independent PyTorch implementation
 * (GPT-2 as transformers defines it, TRL's losses, torch.optim). Regenerate with `npm run oracle`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { parseGpt2ConfigJson } from '../io/hf-gpt2';
import oracle from '../testing/oracle/dpo-oracle.json';
import type { GptConfig } from '../model/config';
import { causalMask, type NamedWeights } from '../model/gpt';
import { batchLogProbs, dpoForward, type DeviceBatch, type LossSettings } from '../train/dpo-step';
import { globalNorm, Optimizer } from '../train/optimizers';
import { learningRateMultiplier } from '../train/schedule';
import { FORWARD_METRIC_NAMES } from '../train/metric-names';
import type { LossType, OptimizerName, SchedulerName } from '../train/settings';

type Named = Record<string, { shape: number[]; data: number[] }>;
// The oracle's config uses GPT2Config's field names, so the loader's own parser reads it.
const config: GptConfig = parseGpt2ConfigJson(oracle.config);
const tensors = (named: Named): NamedWeights => Object.fromEntries(Object.entries(named).map(([n, t]) => [n, tf.tensor(t.data, t.shape)]));
const variables = (named: Named) => Object.fromEntries(Object.entries(named).map(([n, t]) => [n, tf.variable(tf.tensor(t.data, t.shape))]));
const T = oracle.batch.input_ids[0].length;
const batch: DeviceBatch = {
  rows: oracle.batch.input_ids.length,
  inputIds: tf.tensor2d(oracle.batch.input_ids, undefined, 'int32'),
  labels: tf.tensor2d(oracle.batch.labels, undefined, 'int32'),
  completionMask: tf.tensor2d(oracle.batch.completion_mask),
};
const mask = causalMask(T);
const reference = tensors(oracle.reference as Named);
const referenceLogProbs = batchLogProbs(reference, config, batch, mask);

/** |a − b| ≤ rel·max(|b|, floor): relative, with a floor for values near zero. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, floor: number, what: string) {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tolerance = rel * Math.max(Math.abs(expected[i]), floor);
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) throw new Error(`${what}[${i}]: ${actual[i]} vs oracle ${expected[i]} (tolerance ${tolerance})`);
  }
}

const CASES: Record<string, { types: LossType[]; weights: number[]; eps: number }> = {
  sigmoid: { types: ['sigmoid'], weights: [1], eps: 0 },
  sigmoid_smoothed: { types: ['sigmoid'], weights: [1], eps: oracle.label_smoothing },
  robust: { types: ['robust'], weights: [1], eps: oracle.label_smoothing },
  ipo: { types: ['ipo'], weights: [1], eps: 0 },
  hinge: { types: ['hinge'], weights: [1], eps: 0 },
  sigmoid_norm: { types: ['sigmoid_norm'], weights: [1], eps: 0 },
  apo_zero: { types: ['apo_zero'], weights: [1], eps: 0 },
  sft: { types: ['sft'], weights: [1], eps: 0 },
  simpo: { types: ['simpo'], weights: [1], eps: 0 },
  combined: { types: ['sigmoid', 'sft'], weights: [1, 0.5], eps: 0 },
};

const lossSettings = (c: (typeof CASES)[string]): LossSettings => ({ beta: oracle.beta, lossTypes: c.types, lossWeights: c.weights, labelSmoothing: c.eps, simpoGamma: oracle.simpo_gamma });

function gradientsFor(c: (typeof CASES)[string]) {
  const policy = variables(oracle.policy as Named);
  // SimPO is reference-free: its reference log-probs are zero.
  const refs = c.types.includes('simpo') ? tf.zerosLike(referenceLogProbs) : referenceLogProbs;
  const { value, grads } = tf.variableGrads(() => dpoForward(policy, config, batch, refs as tf.Tensor1D, mask, lossSettings(c)).loss);
  const byName = Object.fromEntries(Object.entries(policy).map(([n, v]) => [n, grads[v.name]]));
  return { loss: value.dataSync()[0], grads: byName, policy };
}

describe('engine vs PyTorch oracle', () => {
  it('completion log-probs of policy and reference (1e-5)', () => {
    expectClose(referenceLogProbs.dataSync(), oracle.logps.reference, 1e-5, 1, 'reference logps');
    expectClose(batchLogProbs(tensors(oracle.policy as Named), config, batch, mask).dataSync(), oracle.logps.policy, 1e-5, 1, 'policy logps');
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name}: loss (1e-5) and the gradient of every parameter (1e-4)`, () => {
      const expected = oracle.losses[name as keyof typeof oracle.losses];
      const { loss, grads } = gradientsFor(c);
      expectClose([loss], [expected.loss], 1e-5, 1e-3, `${name} loss`);
      for (const [param, g] of Object.entries(expected.grads)) {
        // Floor: gradients are compared relative to the tensor's largest entry.
        const floor = Math.max(...(g as number[]).map(Math.abs));
        expectClose(grads[param].dataSync(), g as number[], 1e-4, floor, `${name} grad ${param}`);
      }
    });
  }

  it("TRL's metrics for the sigmoid loss (1e-5)", () => {
    const policy = tensors(oracle.policy as Named);
    const metrics = dpoForward(policy, config, batch, referenceLogProbs, mask, lossSettings(CASES.sigmoid)).metrics.dataSync();
    // DPOTrainer logs every forward metric but KTO's kl (NaN in a DPO run).
    const names = FORWARD_METRIC_NAMES.filter((n) => n !== 'kl');
    expect(metrics[FORWARD_METRIC_NAMES.indexOf('kl')]).toBeNaN();
    expectClose(
      names.map((n) => metrics[FORWARD_METRIC_NAMES.indexOf(n)]),
      names.map((n) => oracle.metrics[n as keyof typeof oracle.metrics]),
      1e-5,
      1e-2,
      'metrics',
    );
    const { grads } = gradientsFor(CASES.sigmoid);
    expectClose(globalNorm(Object.values(grads)).dataSync(), [oracle.metrics.grad_norm], 1e-5, 1, 'grad_norm');
  });

  for (const kind of ['adamw', 'adam', 'rmsprop'] as OptimizerName[]) {
    it(`${kind}: two clipped steps match torch.optim (1e-4)`, () => {
      const { grads, policy } = gradientsFor(CASES.sigmoid);
      const optimizer = new Optimizer(kind, policy, { weightDecay: kind === 'rmsprop' ? 0 : 0.1, beta1: 0.9, beta2: 0.999, rmsAlpha: 0.99, epsilon: 1e-8 });
      for (let i = 0; i < 2; i++) optimizer.apply(grads, 0.01, 1.0).dispose();
      for (const [param, expected] of Object.entries(oracle.optimizers[kind])) {
        const floor = Math.max(...(expected as number[]).map(Math.abs));
        let actual = Array.from(policy[param].dataSync());
        let wanted = expected as number[];
        if (param.endsWith('attn.c_attn.bias')) {
          // The key bias has an exactly-zero true gradient (softmax ignores a shift shared by
          // all keys), so both sides hold rounding noise there, and Adam-style normalisation
          // turns noise into full-size steps. Compare the query and value thirds only.
          const d = config.nEmbd;
          const keep = (xs: number[]) => [...xs.slice(0, d), ...xs.slice(2 * d)];
          actual = keep(actual);
          wanted = keep(wanted);
        }
        expectClose(actual, wanted, 1e-4, floor, `${kind} ${param}`);
      }
      optimizer.dispose();
    });
  }

  it('warm-up and decay schedules match transformers', () => {
    for (const kind of ['constant', 'linear', 'cosine'] as SchedulerName[]) {
      const ours = Array.from({ length: 10 }, (_, s) => learningRateMultiplier(kind, s, 3, 10));
      expectClose(ours, oracle.schedules[kind], 1e-8, 1e-8, kind); // the fixture keeps 9 significant digits
    }
  });
});
