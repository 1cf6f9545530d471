/**
 * KTO against tools/oracle/kto_oracle.py (branch oracle), an independent float64 PyTorch
 * implementation of TRL v1.9.0's KTOTrainer loss: the KL rows, z₀ with its clamp, the
 * desirable/undesirable weights, TRL's logged metrics and every parameter's gradient, on
 * dpo-oracle.json's tiny GPT-2 weights.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { parseGpt2ConfigJson } from '../io/hf-gpt2';
import oracle from '../testing/oracle/kto-oracle.json';
import weights from '../testing/oracle/dpo-oracle.json';
import { causalMask, type NamedWeights } from '../model/gpt';
import { batchLogProbs } from '../train/dpo-step';
import { globalNorm } from '../train/optimizers';
import { FORWARD_METRIC_NAMES } from '../train/metric-names';
import { collateKtoBatch } from './kto-batch';
import { ktoForward, uploadKtoBatch } from './kto-step';

type Named = Record<string, { shape: number[]; data: number[] }>;
const config = parseGpt2ConfigJson(oracle.config);
const b = oracle.batch;
const T = b.input_ids[0].length;
const mask = causalMask(T);
const settings = { beta: oracle.beta, desirableWeight: oracle.desirable_weight, undesirableWeight: oracle.undesirable_weight };
const ours = collateKtoBatch(
  b.prompt_ids.map((prompt, i) => ({ prompt, completion: b.completion_ids[i], label: b.label[i] })),
  T,
  oracle.pad_id,
);

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, floor: number, what: string) {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const tolerance = rel * Math.max(Math.abs(expected[i]), floor);
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) throw new Error(`${what}[${i}]: ${actual[i]} vs oracle ${expected[i]} (tolerance ${tolerance})`);
  }
}

const flat = (rows: number[][]) => rows.flat();

describe('KTO vs the PyTorch oracle (TRL v1.9.0)', () => {
  it("builds TRL's batch: the rows and the KL rows (completions cycled by +1), labels and completion masks", () => {
    expect(Array.from(ours.rows.inputIds)).toEqual(flat(b.input_ids));
    expect(Array.from(ours.rows.labels)).toEqual(flat(b.labels));
    expect(Array.from(ours.rows.completionMask)).toEqual(flat(b.completion_mask));
    expect(Array.from(ours.kl.inputIds)).toEqual(flat(b.KL_input_ids));
    expect(Array.from(ours.kl.labels)).toEqual(flat(b.KL_labels));
    expect(Array.from(ours.kl.completionMask)).toEqual(flat(b.KL_completion_mask));
    expect(Array.from(ours.labels)).toEqual(b.label.map((l) => (l ? 1 : 0)));
  });

  for (const name of ['kto', 'kto_swapped_roles'] as const) {
    const expected = oracle.cases[name];
    it(`${name}: log-probs, z₀, loss and TRL's metrics (1e-5), every gradient (1e-4)`, () => {
      const [policySet, referenceSet] = expected.policy_weights === 'policy' ? [weights.policy, weights.reference] : [weights.reference, weights.policy];
      const policy = Object.fromEntries(Object.entries(policySet as Named).map(([n, t]) => [n, tf.variable(tf.tensor(t.data, t.shape))]));
      const reference: NamedWeights = Object.fromEntries(Object.entries(referenceSet as Named).map(([n, t]) => [n, tf.tensor(t.data, t.shape)]));
      const device = uploadKtoBatch(ours);
      const referenceLogps = batchLogProbs(reference, config, device.rows, mask);
      const klPolicy = batchLogProbs(policy, config, device.kl, mask);
      const klReference = batchLogProbs(reference, config, device.kl, mask);
      expectClose(referenceLogps.dataSync(), expected.logps.reference, 1e-5, 1, 'reference logps');
      expectClose(klPolicy.dataSync(), expected.logps.KL_policy!, 1e-5, 1, 'KL policy logps');
      expectClose(klReference.dataSync(), expected.logps.KL_reference!, 1e-5, 1, 'KL reference logps');
      let metrics: tf.Tensor1D | undefined;
      let presence: Float32Array | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const out = ktoForward(policy, config, device, referenceLogps, klPolicy, klReference, mask, settings);
        metrics = tf.keep(out.metrics);
        presence = out.presence;
        return out.loss;
      });
      expectClose(value.dataSync(), [expected.loss], 1e-5, 1e-3, 'loss');
      const values = metrics!.dataSync();
      const named = Object.fromEntries(FORWARD_METRIC_NAMES.map((n, i) => [n, values[i]]));
      const trlNames = FORWARD_METRIC_NAMES.filter((n) => n in expected.metrics);
      expect(trlNames).toEqual(['loss', 'rewards/chosen', 'rewards/rejected', 'rewards/margins', 'logps/chosen', 'logps/rejected', 'logits/chosen', 'logits/rejected', 'kl']);
      expectClose(
        trlNames.map((n) => named[n]),
        trlNames.map((n) => expected.metrics[n as keyof typeof expected.metrics]),
        1e-5,
        1e-2,
        'metrics',
      );
      expect(Array.from(presence!).every((p) => p === 1)).toBe(true); // both labels are in the batch
      const byName = Object.fromEntries(Object.entries(policy).map(([n, v]) => [n, grads[v.name]]));
      for (const [param, g] of Object.entries(expected.grads)) {
        const floor = Math.max(...(g as number[]).map(Math.abs));
        expectClose(byName[param].dataSync(), g as number[], 1e-4, floor, `${name} grad ${param}`);
      }
      expectClose(globalNorm(Object.values(byName)).dataSync(), [expected.metrics.grad_norm], 1e-5, 1, 'grad_norm');
    });
  }
});
