import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import type { PreferencePair } from '../data/preference-pairs';
import { loadHfModel } from '../io/hf-model';
import { tinyLlamaFiles } from '../testing/tiny-llama';
import { MICRO_SETTINGS, stepMetrics } from '../testing/tiny-model';
import { metricRow } from './metric-names';
import { samplePolicyAndReference } from './samples';
import type { DpoSettings } from './settings';
import { Trainer } from './trainer';

/** The trainer runs a Llama-family model (tiny Qwen3: q/k norms, grouped K/V) without knowing its family. */
const model = loadHfModel(tinyLlamaFiles('qwen3'), 'tiny-qwen3');
const words = (ids: number[]) => ids.map((i) => `t${i}`).join(' ');
const PAIRS: PreferencePair[] = Array.from({ length: 6 }, (_, i) => ({
  prompt: words([1 + i, 2 + i, 3]),
  chosen: words([10 + i, 11, 12]),
  rejected: words([40 - i, 41]),
}));
const split = { train: PAIRS, eval: [] };
const SETTINGS: DpoSettings = { ...MICRO_SETTINGS, maxLength: 12, maxPromptLength: 4, learningRate: 2e-2, maxNewTokens: 4, temperature: 0 };

describe('DPO on a Llama-family model', () => {
  it('LoRA on all-linear: adapters with PEFT names train, the base stays, the reference is the base', async () => {
    const trainer = new Trainer(model.config, model.weights, { ...SETTINGS, lora: { rank: 2, alpha: 4, dropout: 0, targets: ['all-linear'] } }, { tokenizer: model.tokenizer });
    trainer.setData(split);
    await trainer.prepare();
    expect(trainer.currentSettings.lora!.targets).toEqual(['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']);
    expect(Object.keys(trainer.policy)).toHaveLength(2 * 7 * 2);
    expect(Object.keys(trainer.policy)).toContain('model.layers.1.mlp.down_proj.lora_B.weight');
    const first = metricRow((await stepMetrics(trainer, 1))[0]);
    expect(first.loss).toBeCloseTo(Math.LN2, 6);
    await stepMetrics(trainer, 2);
    const tensors = tf.memory().numTensors;
    const rows = await stepMetrics(trainer, 6);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(metricRow(rows[5])['rewards/margins']).toBeGreaterThan(0);
    expect(metricRow(rows[5]).loss).toBeLessThan(Math.LN2);
    const snapshot = await trainer.snapshot();
    for (const [name, t] of model.weights) expect(snapshot.base!.get(name)!.data, name).toEqual(t.data);
    const [sample] = await samplePolicyAndReference(trainer, [PAIRS[0].prompt], trainer.currentSettings, 1, trainer.step);
    expect(sample.reference).not.toBeNull();
    trainer.dispose();
  });

  it('full fine-tuning moves every weight kind, gradient norm finite', async () => {
    const trainer = new Trainer(model.config, model.weights, SETTINGS, { tokenizer: model.tokenizer });
    trainer.setData(split);
    await trainer.prepare();
    const [row] = await stepMetrics(trainer, 1);
    expect(Number.isFinite(metricRow(row).grad_norm)).toBe(true);
    const after = await trainer.hostWeights();
    for (const name of ['model.layers.0.self_attn.q_norm.weight', 'model.layers.1.mlp.gate_proj.weight', 'lm_head.weight', 'model.embed_tokens.weight']) {
      expect(after.get(name)!.data, name).not.toEqual(model.weights.get(name)!.data);
    }
    trainer.dispose();
  });

  it('refuses another family\'s LoRA targets by name', () => {
    expect(() => new Trainer(model.config, model.weights, { ...SETTINGS, lora: { rank: 2, alpha: 4, dropout: 0, targets: ['c_attn'] } })).toThrow(
      "lora: targets: unknown module 'c_attn' (expected q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj)",
    );
  });
});
