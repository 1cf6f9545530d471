import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { parseGpt2ConfigJson } from '../io/hf-gpt2';
import oracle from '../testing/oracle/lora-oracle.json';
import { SeededRandom } from '../random';
import type { GptConfig } from './config';
import { causalMask, gptForward, type ForwardOptions, type NamedWeights } from './gpt';
import { uploadWeights, type HostWeights } from './gpt-weights';
import {
  countLoraParameters,
  DEFAULT_LORA,
  disposeMergedWeights,
  initLoraWeights,
  loraParameterShapes,
  loraScale,
  loraTargetModules,
  mergedDeviceWeights,
  mergeLoraWeights,
  parseLoraSpec,
  validateLoraConfig,
  loraForModel,
  type LoraConfig,
  type LoraTarget,
} from './lora';

// The oracle (tools/oracle/lora_oracle.py) writes PEFT's formulas out in PyTorch, float64.
// The oracle's config uses GPT2Config's field names, so the loader's own parser reads it.
const config: GptConfig = parseGpt2ConfigJson(oracle.config);
const lora: LoraConfig = { rank: oracle.lora.rank, alpha: oracle.lora.alpha, dropout: 0, targets: oracle.lora.targets as LoraTarget[] };
const toHost = (record: Record<string, { shape: number[]; data: number[] }>): HostWeights =>
  new Map(Object.entries(record).map(([name, { shape, data }]) => [name, { shape, data: Float32Array.from(data) }]));
const baseHost = toHost(oracle.weights);
const adapterHost = toHost(oracle.adapters);
const [batch, length] = [oracle.input_ids.length, oracle.input_ids[0].length];

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

/** Logits of the oracle batch as a flat array. */
function logitsOf(weights: NamedWeights, options?: ForwardOptions): Float32Array {
  return tf.tidy(() => {
    const ids = tf.tensor2d(oracle.input_ids.flat(), [batch, length], 'int32');
    return gptForward(weights, config, ids, causalMask(length), options).dataSync() as Float32Array;
  });
}

const onForward = { scale: loraScale(lora), dropout: 0 };

describe('LoRA against the PEFT oracle', () => {
  it('adds scale · x·Aᵀ·Bᵀ on every targeted projection; without options or adapters it is the base model', () => {
    const base = uploadWeights(baseHost);
    const adapters = uploadWeights(adapterHost);
    const adapted = logitsOf({ ...base, ...adapters }, { lora: onForward });
    const diff = maxAbsDiff(adapted, oracle.lora_logits);
    expect(diff).toBeLessThan(1e-4);
    expect(maxAbsDiff(adapted, oracle.base_logits)).toBeGreaterThan(1e-2); // the adapters matter
    expect(maxAbsDiff(logitsOf(base, { lora: onForward }), oracle.base_logits)).toBeLessThan(1e-4);
    expect(logitsOf({ ...base, ...adapters })).toEqual(logitsOf(base)); // adapters off without options.lora
    tf.dispose([...Object.values(base), ...Object.values(adapters)]);
  });

  it('gives the adapter gradients autograd gives, and none to the plain base tensors', () => {
    const base = uploadWeights(baseHost);
    const adapters = Object.fromEntries(
      [...adapterHost].map(([name, { shape, data }]) => [name, tf.variable(tf.tensor(data, shape), true, `lora/${name}`)]),
    );
    const ids = tf.tensor2d(oracle.input_ids.flat(), [batch, length], 'int32');
    const mask = causalMask(length);
    const upstream = tf.tensor3d(oracle.grad_weights, [batch, length, config.vocabSize]);
    const before = tf.memory().numTensors;
    const { value, grads } = tf.variableGrads(() =>
      tf.sum(tf.mul(gptForward({ ...base, ...adapters }, config, ids, mask, { lora: onForward }), upstream)),
    );
    expect(Object.keys(grads).sort()).toEqual(
      Object.keys(oracle.adapter_grads)
        .map((n) => `lora/${n}`)
        .sort(),
    );
    for (const [name, want] of Object.entries(oracle.adapter_grads)) {
      expect(maxAbsDiff(grads[`lora/${name}`].dataSync(), want), name).toBeLessThan(1e-4);
    }
    tf.dispose([value, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...Object.values(base), ...Object.values(adapters), ids, mask, upstream]);
  });

  it('merges on the host into PEFT’s merged weights, and merged logits equal the adapter forward', () => {
    const merged = mergeLoraWeights(baseHost, adapterHost, lora, 'in_out');
    for (const [name, want] of Object.entries(oracle.merged_weights))
      expect(maxAbsDiff(merged.get(name)!.data, want), name).toBeLessThan(1e-5);
    expect(merged.get('wte.weight')).toBe(baseHost.get('wte.weight')); // untouched tensors shared
    expect(baseHost.get('h.0.attn.c_attn.weight')!.data).toEqual(Float32Array.from(oracle.weights['h.0.attn.c_attn.weight'].data));

    const base = uploadWeights(baseHost);
    const adapters = uploadWeights(adapterHost);
    const unmerged = logitsOf({ ...base, ...adapters }, { lora: onForward });
    const hostMerged = uploadWeights(merged);
    expect(maxAbsDiff(logitsOf(hostMerged), unmerged)).toBeLessThan(1e-5);
    tf.dispose(Object.values(hostMerged));

    const before = tf.memory().numTensors;
    const deviceMerged = mergedDeviceWeights(base, adapters, lora, 'in_out');
    expect(tf.memory().numTensors - before).toBe(4 * config.nLayer); // one new tensor per adapted module
    expect(deviceMerged['wte.weight']).toBe(base['wte.weight']);
    expect(maxAbsDiff(logitsOf(deviceMerged), unmerged)).toBeLessThan(1e-5);
    disposeMergedWeights(deviceMerged, base);
    expect(tf.memory().numTensors).toBe(before);
    expect(base['h.0.attn.c_attn.weight'].isDisposed).toBe(false);
    tf.dispose([...Object.values(base), ...Object.values(adapters)]);
  });

  it('names and shapes adapters as PEFT does for each target list', () => {
    for (const [targets, shapes] of Object.entries(oracle.peft_adapter_shapes)) {
      const spec = { ...lora, targets: targets.split('+') as LoraTarget[] };
      expect(loraParameterShapes(config, spec)).toEqual(shapes);
      expect(countLoraParameters(config, spec)).toBe(shapes.reduce((sum, [, [r, c]]) => sum + (r as number) * (c as number), 0));
    }
    expect(loraTargetModules(config, { ...lora, targets: ['c_fc'] })).toEqual([
      { module: 'h.0.mlp.c_fc', target: 'c_fc', inFeatures: 8, outFeatures: 32 },
      { module: 'h.1.mlp.c_fc', target: 'c_fc', inFeatures: 8, outFeatures: 32 },
    ]);
  });
});

describe('LoRA initialisation and dropout', () => {
  const gpt2Small: GptConfig = { vocabSize: 50_257, nPositions: 1024, nEmbd: 768, nLayer: 1, nHead: 12, layerNormEpsilon: 1e-5 };

  it('draws A from kaiming_uniform_(a=√5) bounds and B = 0, reproducibly', () => {
    const spec = { ...DEFAULT_LORA, targets: ['c_attn', 'c_proj', 'c_fc'] as LoraTarget[] };
    const weights = initLoraWeights(gpt2Small, spec, new SeededRandom(1));
    expect([...weights.keys()]).toEqual(loraParameterShapes(gpt2Small, spec).map(([name]) => name));
    for (const [name, { shape, data }] of weights) {
      if (name.endsWith('lora_B.weight')) {
        expect(data.every((x) => x === 0)).toBe(true);
        continue;
      }
      const bound = oracle.kaiming_uniform_bound[String(shape[1]) as keyof typeof oracle.kaiming_uniform_bound];
      const max = data.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
      expect(max, name).toBeLessThanOrEqual(bound);
      expect(max, name).toBeGreaterThan(0.99 * bound);
    }
    const again = initLoraWeights(gpt2Small, spec, new SeededRandom(1));
    expect(again.get('h.0.mlp.c_proj.lora_A.weight')!.data).toEqual(weights.get('h.0.mlp.c_proj.lora_A.weight')!.data);
  });

  it('with B = 0 gives exactly the base logits, dropout or not', () => {
    const base = uploadWeights(baseHost);
    const adapters = uploadWeights(initLoraWeights(config, lora, new SeededRandom(2)));
    const reference = logitsOf(base);
    expect(logitsOf({ ...base, ...adapters }, { lora: onForward })).toEqual(reference);
    expect(logitsOf({ ...base, ...adapters }, { lora: { scale: 2, dropout: 0.5, seed: 3 } })).toEqual(reference);
    tf.dispose([...Object.values(base), ...Object.values(adapters)]);
  });

  it('drops adapter inputs reproducibly for a seed and differently for another', () => {
    const weights = { ...uploadWeights(baseHost), ...uploadWeights(adapterHost) };
    const run = (seed: number) => logitsOf(weights, { lora: { ...onForward, dropout: 0.3, seed } });
    const first = run(5);
    expect(run(5)).toEqual(first);
    expect(maxAbsDiff(run(6), first)).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(first, oracle.lora_logits)).toBeGreaterThan(1e-3); // dropout changed something
    tf.dispose(Object.values(weights));
  });
});

describe('LoRA config', () => {
  it('parses the CLI form, defaulting what it omits', () => {
    expect(parseLoraSpec('r=8,alpha=16,dropout=0.05,targets=c_attn+c_proj')).toEqual({
      rank: 8,
      alpha: 16,
      dropout: 0.05,
      targets: ['c_attn', 'c_proj'],
    });
    expect(parseLoraSpec('')).toEqual(DEFAULT_LORA);
    expect(parseLoraSpec('r=4')).toEqual({ ...DEFAULT_LORA, rank: 4 });
    expect(parseLoraSpec(' targets = c_fc , dropout=0 ')).toEqual({ ...DEFAULT_LORA, dropout: 0, targets: ['c_fc'] });
    expect(loraScale(parseLoraSpec('r=4,alpha=6'))).toBe(1.5);
  });

  it('names the offending field or key', () => {
    expect(() => parseLoraSpec('r=8,rnak=2')).toThrow("lora: unknown key 'rnak'");
    expect(() => parseLoraSpec('r=abc')).toThrow("lora: r must be a number, got 'abc'");
    expect(() => parseLoraSpec('r=0')).toThrow('lora: rank must be a positive integer, got 0');
    expect(() => parseLoraSpec('targets=c_attn+qproj')).toThrow("lora: targets: unknown module 'qproj'");
    // Another family's module name passes the spec but not the model it is used with.
    expect(() => loraForModel(parseLoraSpec('targets=c_attn+q_proj'), config)).toThrow("lora: targets: unknown module 'q_proj' (expected c_attn, c_proj, c_fc)");
    expect(loraForModel(parseLoraSpec('targets=all-linear'), config).targets).toEqual(['c_attn', 'c_proj', 'c_fc']);
    expect(() => validateLoraConfig({ ...DEFAULT_LORA, rank: 2.5 })).toThrow('lora: rank must be a positive integer, got 2.5');
    expect(() => validateLoraConfig({ ...DEFAULT_LORA, alpha: 0 })).toThrow('lora: alpha must be a positive number, got 0');
    expect(() => validateLoraConfig({ ...DEFAULT_LORA, dropout: 1 })).toThrow('lora: dropout must be in [0, 1), got 1');
    expect(() => validateLoraConfig({ ...DEFAULT_LORA, targets: [] })).toThrow('lora: targets must name at least one');
    expect(() => validateLoraConfig({ ...DEFAULT_LORA, targets: ['c_fc', 'c_fc'] })).toThrow('lora: targets must not repeat');
    expect(() => validateLoraConfig(DEFAULT_LORA)).not.toThrow();
  });
});
