import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { loadHfModel } from '../../io/hf-model';
import { sequenceLogProbs } from '../../dpo/logprobs';
import { tinyLlamaFiles, tinyLlamaGolden, TINY_LLAMA_VARIANTS } from '../../testing/tiny-llama';
import { Optimizer } from '../../train/optimizers';
import { createDecoder, modelForward, type ModelConfig } from '../causal-lm';
import { causalMask, type NamedWeights } from '../forward-options';
import { uploadWeights } from '../gpt-weights';
import { isLlamaConfig } from '../causal-lm';
import { loraScale } from '../lora';
import { inverseFrequencies } from './rope';

/**
 * The Llama family (llama with grouped K/V, llama with Llama 3 rope scaling and one K/V head,
 * qwen2 with q/k/v biases, qwen3 with q/k norms and head_dim ≠ hidden / heads; tied and
 * untied heads) against tools/oracle/llama_reference.py, float64 PyTorch written from
 * Hugging Face's modeling code, on BF16 checkpoints read by the app's own loader.
 */
const golden = tinyLlamaGolden();

function maxRelDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / scale);
  return worst;
}

describe.each(TINY_LLAMA_VARIANTS)('%s against the PyTorch oracle', (variant) => {
  const g = golden[variant];
  const model = loadHfModel(tinyLlamaFiles(variant), variant);
  const config: ModelConfig = model.config;
  const [rows, length] = [g.input_ids.length, g.input_ids[0].length];
  const batch = () => ({
    ids: tf.tensor2d(g.input_ids, [rows, length], 'int32'),
    labels: tf.tensor2d(g.labels, [rows, length], 'int32'),
    mask: tf.tensor2d(g.completion_mask, [rows, length], 'float32'),
  });
  /** Σ_row c_row · logp_row, the oracle's objective. */
  const objective = (weights: NamedWeights, lora?: boolean) => {
    const b = batch();
    const logits = modelForward(weights, config, b.ids, causalMask(length), lora ? { lora: { scale: loraScale({ rank: g.lora.rank, alpha: g.lora.alpha, dropout: 0, targets: [] }), dropout: 0 } } : {});
    const logps = sequenceLogProbs(logits, b.labels, b.mask);
    return { logps, value: tf.sum(tf.mul(logps, tf.tensor1d(g.coefficients))) as tf.Scalar };
  };

  it('reads the config and the rope frequencies as transformers computes them', () => {
    expect(isLlamaConfig(config)).toBe(true);
    expect(model.dtype).toBe('BF16');
    if (!isLlamaConfig(config)) return;
    expect(maxRelDiff(inverseFrequencies(config), g.inv_freq)).toBeLessThan(1e-9);
  });

  it('gives the logits and log-probs (1e-5)', async () => {
    const weights = uploadWeights(model.weights);
    const b = batch();
    const logits = modelForward(weights, config, b.ids, causalMask(length));
    const head = tf.slice(logits, [0, 0, 0], [rows, length, 8]);
    const lse = tf.logSumExp(logits, -1);
    const logps = sequenceLogProbs(logits, b.labels, b.mask);
    expect(maxRelDiff(await head.data(), g.logits_head.flat(2))).toBeLessThan(1e-5);
    expect(maxRelDiff(await lse.data(), g.logsumexp.flat())).toBeLessThan(1e-5);
    const got = await logps.data();
    for (let r = 0; r < rows; r++) expect(Math.abs(got[r] - g.logps[r]), `row ${r}`).toBeLessThan(1e-5 * Math.max(1, Math.abs(g.logps[r])));
    tf.dispose([...Object.values(weights), logits, head, lse, logps, b.ids, b.labels, b.mask]);
  });

  it('gives every weight gradient (1e-4)', async () => {
    const before = tf.memory().numTensors;
    const variables = Object.fromEntries([...model.weights].map(([name, t]) => [name, tf.tidy(() => tf.variable(tf.tensor(t.data, t.shape), true, `${variant}/${name}`))]));
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => objective(variables).value));
    expect(Math.abs((await value.data())[0] - g.objective)).toBeLessThan(1e-4 * Math.max(1, Math.abs(g.objective)));
    expect(Object.keys(grads).sort()).toEqual(Object.keys(g.grads).map((n) => `${variant}/${n}`).sort());
    for (const [name, want] of Object.entries(g.grads)) {
      expect(maxRelDiff(await grads[`${variant}/${name}`].data(), want.data), name).toBeLessThan(1e-4);
    }
    tf.dispose([value, ...Object.values(grads), ...Object.values(variables)]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the LoRA log-probs and every adapter gradient with the base frozen (all seven targets)', async () => {
    const base = uploadWeights(model.weights);
    const adapters = Object.fromEntries(Object.entries(g.lora.adapters).map(([name, t]) => [name, tf.variable(tf.tensor(t.data, t.shape), true, `${variant}/lora/${name}`)]));
    const { value, grads } = tf.variableGrads(() => tf.tidy(() => objective({ ...base, ...adapters }, true).value), Object.values(adapters));
    const logps = tf.tidy(() => objective({ ...base, ...adapters }, true).logps);
    expect(maxRelDiff(await logps.data(), g.lora.logps)).toBeLessThan(1e-5);
    for (const [name, want] of Object.entries(g.lora.grads)) {
      expect(maxRelDiff(await grads[`${variant}/lora/${name}`].data(), want.data), name).toBeLessThan(1e-4);
    }
    tf.dispose([value, logps, ...Object.values(grads), ...Object.values(adapters), ...Object.values(base)]);
  });

  it('decodes with the KV cache exactly as the full forward', async () => {
    const weights = uploadWeights(model.weights);
    const decoder = createDecoder(weights, config, rows);
    try {
      for (let t = 0; t < length; t++) {
        const logits = decoder.step(Int32Array.from(g.input_ids, (row) => row[t]));
        const head = tf.slice(logits, [0, 0], [rows, 8]);
        const lse = tf.logSumExp(logits, -1);
        expect(maxRelDiff(await head.data(), g.logits_head.flatMap((row) => row[t])), `position ${t}`).toBeLessThan(1e-5);
        expect(maxRelDiff(await lse.data(), g.logsumexp.map((row) => row[t])), `position ${t}`).toBeLessThan(1e-5);
        tf.dispose([logits, head, lse]);
      }
    } finally {
      decoder.dispose();
      tf.dispose(Object.values(weights));
    }
  });

  it('takes two AdamW steps as torch.optim.AdamW does', async () => {
    const variables = Object.fromEntries([...model.weights].map(([name, t]) => [name, tf.variable(tf.tensor(t.data, t.shape), true, `${variant}/adamw/${name}`)]));
    const [beta1, beta2] = g.adamw.betas;
    const optimizer = new Optimizer('adamw', variables, { weightDecay: g.adamw.weight_decay, beta1, beta2, epsilon: g.adamw.eps, rmsAlpha: 0.99 });
    for (const [step, want] of g.adamw.logps_after.entries()) {
      const { value, grads } = tf.variableGrads(() => tf.tidy(() => tf.neg(objective(variables).value) as tf.Scalar));
      const byName = Object.fromEntries(Object.entries(grads).map(([key, grad]) => [key.slice(`${variant}/adamw/`.length), grad]));
      tf.dispose(optimizer.apply(byName, g.adamw.lr, 0));
      tf.dispose([value, ...Object.values(grads)]);
      const logps = tf.tidy(() => objective(variables).logps);
      expect(maxRelDiff(await logps.data(), want), `after step ${step + 1}`).toBeLessThan(1e-4);
      logps.dispose();
    }
    for (const [name, want] of Object.entries(g.adamw.weights_after)) expect(maxRelDiff(await variables[name].data(), want.data), name).toBeLessThan(1e-5);
    optimizer.dispose();
    tf.dispose(Object.values(variables));
  });
});
