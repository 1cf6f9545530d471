/**
 * A Hugging Face model folder that `AutoModelForCausalLM.from_pretrained(folder)` loads as
 * GPT2LMHeadModel. model.safetensors carries the names GPT2LMHeadModel.save_pretrained
 * writes (`transformer.h.0.attn.c_attn.weight`, …, no `lm_head.weight` since it is tied to
 * wte): transformers matches them to the model without any prefix juggling, GPT2Model
 * loads them too (it strips the base-model prefix), and our own importer accepts both
 * spellings. The metadata is just {format: "pt"}, as transformers writes it.
 */
import type { GptConfig } from '../model/config';
import { gptParameterShapes, type HostWeights } from '../model/gpt-weights';
import { gpt2ConfigJson } from '../io/hf-gpt2';
import { float32Entry, writeSafetensors, type SafetensorsEntry } from '../io/safetensors';
import { byteTokenizerConfigJson, byteTokenizerJson } from '../tokenizer/byte-tokenizer';

export interface HfModelFolderInput {
  config: GptConfig;
  /** The loaded model's config.json, kept verbatim except sizes and dtype. */
  baseConfigJson?: Record<string, unknown>;
  /** Merged float32 weights by GPT-2 name (no `transformer.` prefix). */
  weights: HostWeights;
  tokenizerFiles: Map<string, Uint8Array>;
  generationConfigJson?: Record<string, unknown>;
  modelCard: string;
}

/** The prefix GPT2LMHeadModel gives its GPT2Model in state_dict names. */
export const HF_MODEL_PREFIX = 'transformer.';

const MODEL_FILES = ['config.json', 'model.safetensors', 'generation_config.json', 'README.md'];

const encode = (text: string) => new TextEncoder().encode(text);
const jsonBytes = (value: unknown) => encode(JSON.stringify(value, null, 2) + '\n');

/** config.json: the base model's own file with the sizes, dtype and architecture set to what is written. */
export function exportedConfigJson(config: GptConfig, base?: Record<string, unknown>): Record<string, unknown> {
  const ours = gpt2ConfigJson(config);
  if (!base) return ours;
  const sizes = ['vocab_size', 'n_positions', 'n_embd', 'n_layer', 'n_head', 'layer_norm_epsilon'];
  const json: Record<string, unknown> = { ...base };
  for (const key of sizes) json[key] = ours[key];
  if ('n_ctx' in base) json.n_ctx = config.nPositions;
  json.architectures = ['GPT2LMHeadModel'];
  json.model_type = 'gpt2';
  json.tie_word_embeddings = true;
  json.torch_dtype = 'float32';
  if ('dtype' in base) json.dtype = 'float32';
  return json;
}

/** generation_config.json as transformers derives it from a config without one. */
export function defaultGenerationConfig(configJson: Record<string, unknown>): Record<string, unknown> {
  const ids: Record<string, unknown> = {};
  for (const key of ['bos_token_id', 'eos_token_id', 'pad_token_id']) if (configJson[key] !== undefined) ids[key] = configJson[key];
  return { _from_model_config: true, ...ids };
}

/** model.safetensors in GPT2LMHeadModel's names; every tensor checked against the config. */
export function hfModelSafetensors(config: GptConfig, weights: HostWeights): Uint8Array {
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [name, shape] of gptParameterShapes(config)) {
    const tensor = weights.get(name);
    if (!tensor) throw new Error(`export: weight ${name} is missing`);
    if (tensor.shape.join(',') !== shape.join(','))
      throw new Error(`export: weight ${name} is [${tensor.shape}], the config implies [${shape}]`);
    tensors.set(HF_MODEL_PREFIX + name, float32Entry(shape, tensor.data));
  }
  return writeSafetensors(tensors, { format: 'pt' });
}

/** tokenizer.json and tokenizer_config.json of the built-in byte tokenizer. */
export function byteTokenizerFiles(modelMaxLength: number): Map<string, Uint8Array> {
  return new Map([
    ['tokenizer.json', jsonBytes(byteTokenizerJson())],
    ['tokenizer_config.json', jsonBytes(byteTokenizerConfigJson(modelMaxLength))],
  ]);
}

/** Every file of the folder by name: config, weights, generation config, tokenizer files, model card. */
export function hfModelFolderFiles(input: HfModelFolderInput): Map<string, Uint8Array> {
  const configJson = exportedConfigJson(input.config, input.baseConfigJson);
  const files = new Map<string, Uint8Array>([
    ['config.json', jsonBytes(configJson)],
    ['model.safetensors', hfModelSafetensors(input.config, input.weights)],
    ['generation_config.json', jsonBytes(input.generationConfigJson ?? defaultGenerationConfig(configJson))],
  ]);
  for (const [name, bytes] of input.tokenizerFiles) {
    if (MODEL_FILES.includes(name)) throw new Error(`export: tokenizer file "${name}" would overwrite the model's own ${name}`);
    files.set(name, bytes);
  }
  files.set('README.md', encode(input.modelCard));
  return files;
}
