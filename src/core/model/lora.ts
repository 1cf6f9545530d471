/**
 * LoRA adapters with PEFT's semantics for GPT-2's Conv1D (fan_in_fan_out = True): the base
 * weight W is stored [in, out], lora_A is [r, in] and lora_B is [out, r] (PEFT's nn.Linear
 * layout), the forward adds `scaling · B(A(dropout(x)))` with scaling = alpha / r, and a merge
 * adds `scaling · (B·A)ᵀ` to W. Names are PEFT's minus its `base_model.model.transformer.`
 * prefix, so adapters export to and load from PEFT unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from './config';
import type { NamedWeights } from './gpt';
import type { HostTensor, HostWeights } from './gpt-weights';
import type { SeededRandom } from '../random';

/** 'c_proj' is both attn.c_proj and mlp.c_proj, as PEFT's suffix matching of target_modules does. */
export type LoraTarget = 'c_attn' | 'c_proj' | 'c_fc';

export const LORA_TARGETS: readonly LoraTarget[] = ['c_attn', 'c_proj', 'c_fc'];

export interface LoraConfig {
  rank: number;
  alpha: number;
  dropout: number;
  targets: LoraTarget[];
}

export const DEFAULT_LORA: LoraConfig = { rank: 8, alpha: 16, dropout: 0.05, targets: ['c_attn'] };

/** Throws with the offending field named when `lora` cannot be built. */
export function validateLoraConfig(lora: LoraConfig): void {
  if (!Number.isInteger(lora.rank) || lora.rank <= 0) throw new Error(`lora: rank must be a positive integer, got ${lora.rank}`);
  if (!Number.isFinite(lora.alpha) || lora.alpha <= 0) throw new Error(`lora: alpha must be a positive number, got ${lora.alpha}`);
  if (!Number.isFinite(lora.dropout) || lora.dropout < 0 || lora.dropout >= 1) {
    throw new Error(`lora: dropout must be in [0, 1), got ${lora.dropout}`);
  }
  if (!Array.isArray(lora.targets) || lora.targets.length === 0)
    throw new Error('lora: targets must name at least one of c_attn, c_proj, c_fc');
  for (const target of lora.targets) {
    if (!LORA_TARGETS.includes(target)) throw new Error(`lora: targets: unknown module '${target}' (expected c_attn, c_proj or c_fc)`);
  }
  if (new Set(lora.targets).size !== lora.targets.length) throw new Error(`lora: targets must not repeat, got ${lora.targets.join('+')}`);
}

const SPEC_KEYS: Record<string, 'rank' | 'alpha' | 'dropout'> = { r: 'rank', rank: 'rank', alpha: 'alpha', dropout: 'dropout' };

/**
 * The CLI form `r=8,alpha=16,dropout=0.05,targets=c_attn+c_proj` (any subset, any order;
 * `rank=` is accepted for `r=`). Unspecified fields take DEFAULT_LORA's values.
 */
export function parseLoraSpec(spec: string): LoraConfig {
  const lora: LoraConfig = { ...DEFAULT_LORA, targets: [...DEFAULT_LORA.targets] };
  for (const part of spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    const value = eq < 0 ? '' : part.slice(eq + 1).trim();
    if (key === 'targets') {
      lora.targets = value.split('+').map((t) => t.trim()) as LoraTarget[];
    } else if (Object.hasOwn(SPEC_KEYS, key)) {
      const number = value === '' ? NaN : Number(value);
      if (!Number.isFinite(number)) throw new Error(`lora: ${key} must be a number, got '${value}'`);
      lora[SPEC_KEYS[key]] = number;
    } else {
      throw new Error(`lora: unknown key '${key}' (expected r, alpha, dropout, targets)`);
    }
  }
  validateLoraConfig(lora);
  return lora;
}

/** PEFT's `scaling` (without rsLoRA): alpha / r. */
export function loraScale(lora: LoraConfig): number {
  return lora.alpha / lora.rank;
}

export interface LoraModule {
  /** e.g. `h.0.attn.c_attn`; its base weight is `${module}.weight` [in, out]. */
  module: string;
  inFeatures: number;
  outFeatures: number;
}

/** The adapted projections in PEFT's module order (layer by layer: attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj). */
export function loraTargetModules(config: GptConfig, lora: LoraConfig): LoraModule[] {
  const d = config.nEmbd;
  const all: [suffix: string, target: LoraTarget, inFeatures: number, outFeatures: number][] = [
    ['attn.c_attn', 'c_attn', d, 3 * d],
    ['attn.c_proj', 'c_proj', d, d],
    ['mlp.c_fc', 'c_fc', d, 4 * d],
    ['mlp.c_proj', 'c_proj', 4 * d, d],
  ];
  const modules: LoraModule[] = [];
  for (let i = 0; i < config.nLayer; i++) {
    for (const [suffix, target, inFeatures, outFeatures] of all) {
      if (lora.targets.includes(target)) modules.push({ module: `h.${i}.${suffix}`, inFeatures, outFeatures });
    }
  }
  return modules;
}

/** Adapter names and shapes: `${module}.lora_A.weight` [r, in], `${module}.lora_B.weight` [out, r]. */
export function loraParameterShapes(config: GptConfig, lora: LoraConfig): [name: string, shape: number[]][] {
  return loraTargetModules(config, lora).flatMap(({ module, inFeatures, outFeatures }): [string, number[]][] => [
    [`${module}.lora_A.weight`, [lora.rank, inFeatures]],
    [`${module}.lora_B.weight`, [outFeatures, lora.rank]],
  ]);
}

export function countLoraParameters(config: GptConfig, lora: LoraConfig): number {
  return loraParameterShapes(config, lora).reduce((sum, [, shape]) => sum + shape[0] * shape[1], 0);
}

/**
 * PEFT's default init: A ~ kaiming_uniform_(a=√5) on [r, in], i.e. U(−1/√in, 1/√in); B = 0,
 * so the adapted model starts exactly at the base model. Drawn on the host from `rng`.
 */
export function initLoraWeights(config: GptConfig, lora: LoraConfig, rng: SeededRandom): HostWeights {
  validateLoraConfig(lora);
  const weights: HostWeights = new Map();
  for (const [name, shape] of loraParameterShapes(config, lora)) {
    const data = new Float32Array(shape[0] * shape[1]);
    if (name.endsWith('.lora_A.weight')) {
      const bound = 1 / Math.sqrt(shape[1]);
      for (let i = 0; i < data.length; i++) data[i] = (2 * rng.next() - 1) * bound;
    }
    weights.set(name, { shape, data });
  }
  return weights;
}

const A_SUFFIX = '.lora_A.weight';

/** Modules that have adapters in `names`, checked for a matching lora_B and base weight. */
function adaptedModules(names: Iterable<string>, has: (name: string) => boolean): string[] {
  const modules: string[] = [];
  for (const name of names) {
    if (!name.endsWith(A_SUFFIX)) continue;
    const module = name.slice(0, -A_SUFFIX.length);
    if (!has(`${module}.lora_B.weight`)) throw new Error(`lora: ${module} has lora_A but no lora_B`);
    modules.push(module);
  }
  return modules;
}

/**
 * Host-side merge: for every module with adapters, W[in, out] + scale · Aᵀ[in, r] · Bᵀ[r, out]
 * (accumulated in float64). Returns a new map; unmerged tensors are shared with `base`.
 */
export function mergeLoraWeights(base: HostWeights, adapters: HostWeights, lora: LoraConfig): HostWeights {
  const scale = loraScale(lora);
  const merged: HostWeights = new Map(base);
  for (const module of adaptedModules(adapters.keys(), (n) => adapters.has(n))) {
    const w = base.get(`${module}.weight`);
    if (!w) throw new Error(`lora: adapter for ${module} but the base has no ${module}.weight`);
    const a = adapters.get(`${module}${A_SUFFIX}`) as HostTensor;
    const b = adapters.get(`${module}.lora_B.weight`) as HostTensor;
    const [inFeatures, outFeatures] = w.shape;
    const rank = a.shape[0];
    if (a.shape[1] !== inFeatures || b.shape[0] !== outFeatures || b.shape[1] !== rank) {
      throw new Error(`lora: ${module} adapters [${a.shape}], [${b.shape}] do not fit its weight [${w.shape}]`);
    }
    const data = new Float32Array(w.data.length);
    const column = new Float64Array(rank);
    for (let i = 0; i < inFeatures; i++) {
      for (let k = 0; k < rank; k++) column[k] = a.data[k * inFeatures + i];
      for (let o = 0; o < outFeatures; o++) {
        let delta = 0;
        for (let k = 0; k < rank; k++) delta += column[k] * b.data[o * rank + k];
        data[i * outFeatures + o] = w.data[i * outFeatures + o] + scale * delta;
      }
    }
    merged.set(`${module}.weight`, { shape: [...w.shape], data });
  }
  return merged;
}

/**
 * On-device merge for sampling: `base` with every adapted `${module}.weight` replaced by
 * W + scale · Aᵀ · Bᵀ. The result holds `base`'s own tensors for untouched names and NEW
 * tensors for merged ones; the caller frees those (and only those) with
 * `disposeMergedWeights(merged, base)`. `base` and `adapters` are not consumed.
 */
export function mergedDeviceWeights(base: NamedWeights, adapters: NamedWeights, lora: LoraConfig): NamedWeights {
  const scale = loraScale(lora);
  const merged: NamedWeights = { ...base };
  for (const module of adaptedModules(Object.keys(adapters), (n) => Object.hasOwn(adapters, n))) {
    const w = base[`${module}.weight`];
    if (!w) throw new Error(`lora: adapter for ${module} but the base has no ${module}.weight`);
    const a = adapters[`${module}${A_SUFFIX}`] as tf.Tensor2D;
    const b = adapters[`${module}.lora_B.weight`] as tf.Tensor2D;
    merged[`${module}.weight`] = tf.tidy(() => tf.add(w, tf.mul(tf.matMul(a, b, true, true), scale)));
  }
  return merged;
}

/** Frees the tensors `mergedDeviceWeights` created, leaving `base`'s own tensors alone. */
export function disposeMergedWeights(merged: NamedWeights, base: NamedWeights): void {
  for (const [name, tensor] of Object.entries(merged)) if (base[name] !== tensor) tensor.dispose();
}
