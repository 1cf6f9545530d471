/**
 * LoRA adapters with PEFT's semantics: lora_A is [r, in] and lora_B is [out, r] whatever the
 * base layer, the forward adds `scaling · B(A(dropout(x)))` with scaling = alpha / r, and a
 * merge adds `scaling · B·A` to an nn.Linear weight [out, in] (Llama family) or its
 * transpose to GPT-2's Conv1D weight [in, out] (fan_in_fan_out = True). Names are PEFT's
 * minus its prefix (the family's `peftPrefix`), so adapters export to and load from PEFT unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ALL_LORA_TARGETS, familyOf, type CausalLmFamily, type ModelConfig, type ProjectionModule } from './causal-lm';
import type { NamedWeights } from './forward-options';
import type { HostTensor, HostWeights } from './gpt-weights';
import type { SeededRandom } from '../random';
import { unpackWeight } from '../ops/packed-linear';
import { isPackedWeight } from '../ops/packed-weights';

/** A PEFT target_modules name: GPT-2's c_attn, c_proj, c_fc; Llama's q_proj … down_proj (the family's `loraTargets`). */
export type LoraTarget = string;

/** PEFT's shorthand for every linear layer but the LM head; expanded to the family's targets. */
export const ALL_LINEAR = 'all-linear';

export interface LoraConfig {
  rank: number;
  alpha: number;
  dropout: number;
  targets: LoraTarget[];
}

export const DEFAULT_LORA: LoraConfig = { rank: 8, alpha: 16, dropout: 0.05, targets: ['c_attn'] };

/**
 * Throws with the offending field named when `lora` cannot be built.
 * @param allowed the targets the model accepts (its family's `loraTargets`); any family's by default
 */
export function validateLoraConfig(lora: LoraConfig, allowed: readonly string[] = ALL_LORA_TARGETS): void {
  if (!Number.isInteger(lora.rank) || lora.rank <= 0) throw new Error(`lora: rank must be a positive integer, got ${lora.rank}`);
  if (!Number.isFinite(lora.alpha) || lora.alpha <= 0) throw new Error(`lora: alpha must be a positive number, got ${lora.alpha}`);
  if (!Number.isFinite(lora.dropout) || lora.dropout < 0 || lora.dropout >= 1) {
    throw new Error(`lora: dropout must be in [0, 1), got ${lora.dropout}`);
  }
  const names = allowed.join(', ');
  if (!Array.isArray(lora.targets) || lora.targets.length === 0) throw new Error(`lora: targets must name at least one of ${names}`);
  for (const target of lora.targets) {
    if (!allowed.includes(target)) throw new Error(`lora: targets: unknown module '${target}' (expected ${names})`);
  }
  if (new Set(lora.targets).size !== lora.targets.length) throw new Error(`lora: targets must not repeat, got ${lora.targets.join('+')}`);
}

/** `lora` for this model: 'all-linear' expanded, then checked against the family's targets. */
export function loraForModel(lora: LoraConfig, config: ModelConfig): LoraConfig {
  const family = familyOf(config);
  const targets = lora.targets.includes(ALL_LINEAR) ? [...family.loraTargets] : lora.targets;
  const resolved = { ...lora, targets };
  validateLoraConfig(resolved, family.loraTargets);
  return resolved;
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
      lora.targets = value.split('+').map((t) => t.trim());
    } else if (Object.hasOwn(SPEC_KEYS, key)) {
      const number = value === '' ? NaN : Number(value);
      if (!Number.isFinite(number)) throw new Error(`lora: ${key} must be a number, got '${value}'`);
      lora[SPEC_KEYS[key]] = number;
    } else {
      throw new Error(`lora: unknown key '${key}' (expected r, alpha, dropout, targets)`);
    }
  }
  if (!lora.targets.includes(ALL_LINEAR)) validateLoraConfig(lora);
  return lora;
}

/** PEFT's `scaling` (without rsLoRA): alpha / r. */
export function loraScale(lora: LoraConfig): number {
  return lora.alpha / lora.rank;
}

export type LoraModule = ProjectionModule;

/** The adapted projections in PEFT's module order (layer by layer, the family's projection order). */
export function loraTargetModules(config: ModelConfig, lora: LoraConfig): LoraModule[] {
  return familyOf(config)
    .projections(config)
    .filter((m) => lora.targets.includes(m.target));
}

/** Adapter names and shapes: `${module}.lora_A.weight` [r, in], `${module}.lora_B.weight` [out, r]. */
export function loraParameterShapes(config: ModelConfig, lora: LoraConfig): [name: string, shape: number[]][] {
  return loraTargetModules(config, lora).flatMap(({ module, inFeatures, outFeatures }): [string, number[]][] => [
    [`${module}.lora_A.weight`, [lora.rank, inFeatures]],
    [`${module}.lora_B.weight`, [outFeatures, lora.rank]],
  ]);
}

export function countLoraParameters(config: ModelConfig, lora: LoraConfig): number {
  return loraParameterShapes(config, lora).reduce((sum, [, shape]) => sum + shape[0] * shape[1], 0);
}

/**
 * PEFT's default init: A ~ kaiming_uniform_(a=√5) on [r, in], i.e. U(−1/√in, 1/√in); B = 0,
 * so the adapted model starts exactly at the base model. Drawn on the host from `rng`.
 */
export function initLoraWeights(config: ModelConfig, lora: LoraConfig, rng: SeededRandom): HostWeights {
  validateLoraConfig(lora, familyOf(config).loraTargets);
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
 * Host-side merge: for every module with adapters, W + scale · B·A (accumulated in float64),
 * transposed for GPT-2's [in, out] Conv1D weights. Returns a new map; unmerged tensors are
 * shared with `base`.
 * @param layout the family's projectionLayout
 */
export function mergeLoraWeights(base: HostWeights, adapters: HostWeights, lora: LoraConfig, layout: CausalLmFamily['projectionLayout']): HostWeights {
  const scale = loraScale(lora);
  const merged: HostWeights = new Map(base);
  for (const module of adaptedModules(adapters.keys(), (n) => adapters.has(n))) {
    const w = base.get(`${module}.weight`);
    if (!w) throw new Error(`lora: adapter for ${module} but the base has no ${module}.weight`);
    const a = adapters.get(`${module}${A_SUFFIX}`) as HostTensor;
    const b = adapters.get(`${module}.lora_B.weight`) as HostTensor;
    const [inFeatures, outFeatures] = layout === 'in_out' ? w.shape : [w.shape[1], w.shape[0]];
    const rank = a.shape[0];
    if (a.shape[1] !== inFeatures || b.shape[0] !== outFeatures || b.shape[1] !== rank) {
      throw new Error(`lora: ${module} adapters [${a.shape}], [${b.shape}] do not fit its weight [${w.shape}]`);
    }
    const at = layout === 'in_out' ? (i: number, o: number) => i * outFeatures + o : (i: number, o: number) => o * inFeatures + i;
    const data = new Float32Array(w.data.length);
    const column = new Float64Array(rank);
    for (let i = 0; i < inFeatures; i++) {
      for (let k = 0; k < rank; k++) column[k] = a.data[k * inFeatures + i];
      for (let o = 0; o < outFeatures; o++) {
        let delta = 0;
        for (let k = 0; k < rank; k++) delta += column[k] * b.data[o * rank + k];
        data[at(i, o)] = w.data[at(i, o)] + scale * delta;
      }
    }
    merged.set(`${module}.weight`, { shape: [...w.shape], data });
  }
  return merged;
}

/**
 * On-device merge for sampling: `base` with every adapted `${module}.weight` replaced by
 * W + scale · (B·A, transposed for Conv1D). The result holds `base`'s own tensors for untouched names and NEW
 * tensors for merged ones; the caller frees those (and only those) with
 * `disposeMergedWeights(merged, base)`. `base` and `adapters` are not consumed.
 */
export function mergedDeviceWeights(base: NamedWeights, adapters: NamedWeights, lora: LoraConfig, layout: CausalLmFamily['projectionLayout']): NamedWeights {
  const scale = loraScale(lora);
  const merged: NamedWeights = { ...base };
  for (const module of adaptedModules(Object.keys(adapters), (n) => Object.hasOwn(adapters, n))) {
    const w = base[`${module}.weight`];
    if (!w) throw new Error(`lora: adapter for ${module} but the base has no ${module}.weight`);
    const a = adapters[`${module}${A_SUFFIX}`] as tf.Tensor2D;
    const b = adapters[`${module}.lora_B.weight`] as tf.Tensor2D;
    // Conv1D [in, out] gets (B·A)ᵀ = Aᵀ·Bᵀ; nn.Linear [out, in] gets B·A.
    const delta = () => (layout === 'in_out' ? tf.matMul(a, b, true, true) : tf.matMul(b, a));
    // A packed base is widened for the sum; the merged weight is float32.
    merged[`${module}.weight`] = tf.tidy(() => tf.add(isPackedWeight(w) ? unpackWeight(w) : w, tf.mul(delta(), scale)));
  }
  return merged;
}

/** Frees the tensors `mergedDeviceWeights` created, leaving `base`'s own tensors alone. */
export function disposeMergedWeights(merged: NamedWeights, base: NamedWeights): void {
  for (const [name, tensor] of Object.entries(merged)) if (base[name] !== tensor) tensor.dispose();
}
