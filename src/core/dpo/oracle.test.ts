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
import type { FDivergenceType, LossType, OptimizerName, SchedulerName } from '../train/settings';
import { lengthDesensitizedWeights } from './logprobs';

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

type OracleBatch = { input_ids: number[][]; labels: number[][]; completion_mask: number[][] };
/** A case's DPOConfig as the oracle wrote it, in TRL's names. */
interface TrlConfig {
  beta: number;
  label_smoothing: number;
  loss_type: string[];
  loss_weights?: number[];
  discopop_tau?: number;
  f_divergence_type?: string;
  f_alpha_divergence_coef?: number;
  use_weighting?: boolean;
  ld_alpha?: number;
}
type TrlCase = { loss: number; grads: Record<string, number[]>; metrics: Record<string, number>; config: TrlConfig };

const TRL_CASES = [
  'exo_pair',
  'nca_pair',
  'bco_pair',
  'bco_pair_second_step',
  'sppo_hard',
  'aot',
  'aot_own_batch',
  'aot_unpaired',
  'apo_down',
  'discopop',
  'forward_kl',
  'js_divergence',
  'alpha_divergence',
  'use_weighting',
  'ld_alpha',
  'combined_exo_sft',
] as const;

/** Losses that read label_smoothing in TRL v1.9.0. Its sigmoid ignores it; ours reads it as cDPO (DPO_SPEC.md). */
const SMOOTHED_LOSSES = ['robust', 'exo_pair', 'aot', 'aot_unpaired'];

/** Our settings for a TRL DPOConfig, as a user porting it would set them. */
function settingsFromTrl(c: TrlConfig): LossSettings {
  return {
    beta: c.beta,
    lossTypes: c.loss_type as LossType[],
    lossWeights: c.loss_weights ?? c.loss_type.map(() => 1),
    labelSmoothing: c.loss_type.some((t) => SMOOTHED_LOSSES.includes(t)) ? c.label_smoothing : 0,
    simpoGamma: oracle.simpo_gamma,
    discopopTau: c.discopop_tau ?? oracle.discopop_tau,
    fDivergenceType: (c.f_divergence_type ?? 'reverse_kl') as FDivergenceType,
    fAlphaDivergenceCoef: c.f_alpha_divergence_coef ?? oracle.f_alpha_divergence_coef,
    useWeighting: c.use_weighting ?? false,
  };
}

type Grads = Record<string, number[]>;
const combine = (terms: [Grads, number][]): Grads =>
  Object.fromEntries(
    Object.keys(terms[0][0]).map((p) => [p, terms[0][0][p].map((_, i) => terms.reduce((sum: number, [g, w]) => sum + w * g[p][i], 0))]),
  );

/**
 * What the engine must produce for a case. combined_exo_sft combines sigmoid with exo_pair
 * at ε = 0.1: TRL v1.9.0's sigmoid term ignores ε, ours is cDPO with it, so its sigmoid term
 * is swapped for the oracle's own cDPO case (sigmoid_smoothed) — all numbers stay the oracle's.
 */
function trlExpectation(name: (typeof TRL_CASES)[number]): Omit<TrlCase, 'config'> {
  const c = oracle.losses[name] as TrlCase;
  if (name !== 'combined_exo_sft') return c;
  const plain = oracle.losses.sigmoid as { loss: number; grads: Grads };
  const smoothed = oracle.losses.sigmoid_smoothed as { loss: number; grads: Grads };
  const grads = combine([
    [c.grads, 1],
    [plain.grads, -1],
    [smoothed.grads, 1],
  ]);
  const norm = Math.sqrt(Object.values(grads).reduce((sum, g) => sum + g.reduce((a, x) => a + x * x, 0), 0));
  const loss = c.loss - plain.loss + smoothed.loss;
  return { loss, grads, metrics: { ...c.metrics, loss, grad_norm: norm } };
}

function deviceBatch(b: OracleBatch): DeviceBatch {
  return {
    rows: b.input_ids.length,
    inputIds: tf.tensor2d(b.input_ids, undefined, 'int32'),
    labels: tf.tensor2d(b.labels, undefined, 'int32'),
    completionMask: tf.tensor2d(b.completion_mask),
  };
}

const withLdWeights = (b: DeviceBatch, ldAlpha: number | null): DeviceBatch =>
  ldAlpha === null ? b : { ...b, logProbWeights: lengthDesensitizedWeights(b.completionMask, ldAlpha) };

function lossAndGradients(b: DeviceBatch, refs: tf.Tensor1D, settings: LossSettings) {
  const policy = variables(oracle.policy as Named);
  let metrics: Float32Array | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const out = dpoForward(policy, config, b, refs, mask, settings);
    metrics = out.metrics.dataSync() as Float32Array;
    return out.loss;
  });
  const byName = Object.fromEntries(Object.entries(policy).map(([n, v]) => [n, grads[v.name]]));
  return { loss: value.dataSync()[0], grads: byName, metrics: metrics! };
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

  // TRL v1.9.0's remaining losses and options, each case carrying its DPOConfig (TRL's names).
  for (const name of TRL_CASES) {
    it(`${name}: loss and TRL's metrics (1e-5), the gradient of every parameter (1e-4)`, () => {
      const expected = trlExpectation(name);
      const c = oracle.losses[name] as TrlCase;
      const own = 'batch' in c ? (c as unknown as { batch: OracleBatch; logps: { policy: number[]; reference: number[] } }) : null;
      const ld = c.config.ld_alpha ?? null;
      const caseBatch = withLdWeights(own ? deviceBatch(own.batch) : batch, ld);
      const refs = batchLogProbs(reference, config, caseBatch, mask);
      if (own) {
        expectClose(refs.dataSync(), own.logps.reference, 1e-5, 1, `${name} reference logps`);
        expectClose(batchLogProbs(tensors(oracle.policy as Named), config, caseBatch, mask).dataSync(), own.logps.policy, 1e-5, 1, `${name} policy logps`);
      }
      const settings = settingsFromTrl(c.config);
      // bco_pair_second_step: the same batch and weights a second time; TRL v1.9.0's bco_pair keeps no state between steps.
      const passes = name === 'bco_pair_second_step' ? 2 : 1;
      let out!: ReturnType<typeof lossAndGradients>;
      for (let pass = 0; pass < passes; pass++) out = lossAndGradients(caseBatch, refs, settings);
      expectClose([out.loss], [expected.loss], 1e-5, 1e-3, `${name} loss`);
      // Floor 0.1 (1e-6 absolute): rewards are differences of float32 log-prob sums near 10, rounded at ~1e-6.
      // DPOTrainer logs every forward metric but KTO's kl (NaN in a DPO run).
      const logged = FORWARD_METRIC_NAMES.filter((n) => n !== 'kl');
      expect(out.metrics[FORWARD_METRIC_NAMES.indexOf('kl')]).toBeNaN();
      expectClose(
        logged.map((n) => out.metrics[FORWARD_METRIC_NAMES.indexOf(n)]),
        logged.map((n) => expected.metrics[n]),
        1e-5,
        0.1,
        `${name} metrics`,
      );
      expectClose(globalNorm(Object.values(out.grads)).dataSync(), [expected.metrics.grad_norm], 1e-5, 1, `${name} grad_norm`);
      for (const [param, g] of Object.entries(expected.grads)) {
        const floor = Math.max(...g.map(Math.abs));
        expectClose(out.grads[param].dataSync(), g, 1e-4, floor, `${name} grad ${param}`);
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
