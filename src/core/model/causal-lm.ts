/**
 * The one interface the trainer, the losses, sampling, the memory estimate and the exports
 * use for a causal language model. GPT-2 and the Llama family (llama, qwen2, qwen3) each
 * fill it in; a new family is one folder and one line in `familyOf`.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { SeededRandom } from '../random';
import type { GptConfig } from './config';
import type { ForwardOptions, NamedWeights } from './forward-options';
import type { HostWeights } from './gpt-weights';
import type { LlamaConfig } from './llama/config';
import { GPT2_FAMILY } from './gpt2-family';
import { LLAMA_FAMILY } from './llama/family';

/** Any model's shape: the fields both families share carry the same names. */
export type ModelConfig = GptConfig | LlamaConfig;

export type FamilyName = 'gpt2' | 'llama';

/** Incremental decoding with a key/value cache: one token per row per call. */
export interface Decoder {
  readonly length: number;
  /** tokens [N] → logits [N, V] for the next position (the caller disposes them). */
  step(tokens: Int32Array): tf.Tensor2D;
  dispose(): void;
}

/** A projection LoRA can adapt: its module name, the PEFT target it answers to, its sizes. */
export interface ProjectionModule {
  module: string;
  target: string;
  inFeatures: number;
  outFeatures: number;
}

export interface CausalLmFamily<C extends ModelConfig = ModelConfig> {
  readonly name: FamilyName;
  /** GPT-2's Conv1D stores a projection [in, out]; nn.Linear (Llama) stores [out, in]. */
  readonly projectionLayout: 'in_out' | 'out_in';
  /** The PEFT target_modules names this family accepts, in the model's module order. */
  readonly loraTargets: readonly string[];
  /** The targets a LoRA run starts with. */
  readonly defaultLoraTargets: readonly string[];
  /** What PEFT puts before our module names in an adapter file. */
  readonly peftPrefix: string;
  /** Matches the module names of the projections LoRA can adapt (e.g. `h.0.attn.c_attn`). */
  readonly projectionPattern: RegExp;
  /** Parameter names (Hugging Face's) and shapes, in the order they are written. */
  parameterShapes(config: C): [name: string, shape: number[]][];
  initWeights(config: C, rng: SeededRandom): HostWeights;
  /** inputIds [B, T] int32, mask [T, T] from causalMask(T) → logits [B, T, V] */
  forward(weights: NamedWeights, config: C, inputIds: tf.Tensor2D, mask: tf.Tensor2D, options?: ForwardOptions): tf.Tensor3D;
  /** capacity: the positions the cache holds (default: the model's whole context). */
  decoder(weights: NamedWeights, config: C, rows: number, capacity?: number): Decoder;
  /** Every projection LoRA can adapt, layer by layer in PEFT's module order. */
  projections(config: C): ProjectionModule[];
  /** Floats one token keeps per layer for the backward pass (without LoRA's), for the memory estimate. */
  activationFloatsPerLayer(config: C): number;
  /** The widest per-token activation of a layer (GPT-2's 4d MLP, Llama's intermediate size). */
  mlpWidth(config: C): number;
}

export function familyOf<C extends ModelConfig>(config: C): CausalLmFamily<C> {
  return (isLlamaConfig(config) ? LLAMA_FAMILY : GPT2_FAMILY) as unknown as CausalLmFamily<C>;
}

export function isLlamaConfig(config: ModelConfig): config is LlamaConfig {
  return (config as LlamaConfig).family === 'llama';
}

/** Every LoRA target any family accepts (settings are checked before a model is chosen). */
export const ALL_LORA_TARGETS: readonly string[] = [...GPT2_FAMILY.loraTargets, ...LLAMA_FAMILY.loraTargets];

export function countParameters(config: ModelConfig): number {
  return familyOf(config)
    .parameterShapes(config)
    .reduce((sum, [, shape]) => sum + shape.reduce((a, b) => a * b, 1), 0);
}

export function initModelWeights(config: ModelConfig, rng: SeededRandom): HostWeights {
  return familyOf(config).initWeights(config, rng);
}

/** The model's forward pass, whichever family it is. inputIds [B, T] → logits [B, T, V] */
export function modelForward(weights: NamedWeights, config: ModelConfig, inputIds: tf.Tensor2D, mask: tf.Tensor2D, options?: ForwardOptions): tf.Tensor3D {
  return familyOf(config).forward(weights, config, inputIds, mask, options);
}

export function createDecoder(weights: NamedWeights, config: ModelConfig, rows: number, capacity?: number): Decoder {
  return familyOf(config).decoder(weights, config, rows, capacity);
}

/** The config as GPT-2's, for what only the built-in GPT-2 format holds (run bundles, the sentiment demo). */
export function asGptConfig(config: ModelConfig, what: string): GptConfig {
  if (isLlamaConfig(config)) throw new Error(`${what} holds GPT-2 models only; a ${config.modelType} model exports from the Export panel`);
  return config;
}

/** "gpt2", "llama", "qwen2", "qwen3": what config.json's model_type says. */
export function modelTypeOf(config: ModelConfig): string {
  return isLlamaConfig(config) ? config.modelType : 'gpt2';
}
