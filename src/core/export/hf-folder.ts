/**
 * A Hugging Face model folder that `AutoModelForCausalLM.from_pretrained(folder)` loads as
 * the model's own class. model.safetensors carries the names save_pretrained writes:
 * GPT2LMHeadModel's `transformer.h.0.attn.c_attn.weight`, … (no `lm_head.weight`, tied to
 * wte), which GPT2Model also loads and our importer accepts either way; the Llama family's
 * `model.layers.0.self_attn.q_proj.weight`, …, with `lm_head.weight` only when untied. The
 * metadata is just {format: "pt"}, as transformers writes it.
 */
import { familyOf, isLlamaConfig, type ModelConfig } from '../model/causal-lm';
import type { HostWeights } from '../model/gpt-weights';
import { gpt2ConfigJson } from '../io/hf-gpt2';
import { llamaConfigJson } from '../io/hf-llama';
import { floatEntry, writeSafetensors, type FloatDtype, type SafetensorsEntry } from '../io/safetensors';
import { byteTokenizerConfigJson, byteTokenizerJson } from '../tokenizer/byte-tokenizer';

export interface HfModelFolderInput {
  config: ModelConfig;
  /** The loaded model's config.json, kept verbatim except sizes and dtype. */
  baseConfigJson?: Record<string, unknown>;
  /** Merged float32 weights by our names (GPT-2's without `transformer.`, Llama's whole). */
  weights: HostWeights;
  /** How model.safetensors stores them: the loaded checkpoint's dtype by default, F32 on request. */
  dtype?: FloatDtype;
  tokenizerFiles: Map<string, Uint8Array>;
  generationConfigJson?: Record<string, unknown>;
  modelCard: string;
}

/** The prefix GPT2LMHeadModel gives its GPT2Model in state_dict names; the Llama family's names carry theirs already. */
export function stateDictPrefix(config: ModelConfig): string {
  return isLlamaConfig(config) ? '' : 'transformer.';
}

const TORCH_DTYPES: Record<FloatDtype, string> = { F32: 'float32', BF16: 'bfloat16', F16: 'float16' };

const MODEL_FILES = ['config.json', 'model.safetensors', 'generation_config.json', 'README.md'];

const encode = (text: string) => new TextEncoder().encode(text);
const jsonBytes = (value: unknown) => encode(JSON.stringify(value, null, 2) + '\n');

/** config.json: the base model's own file with the sizes, dtype and architecture set to what is written. */
export function exportedConfigJson(config: ModelConfig, base?: Record<string, unknown>, dtype: FloatDtype = 'F32'): Record<string, unknown> {
  const torchDtype = TORCH_DTYPES[dtype];
  if (isLlamaConfig(config)) {
    // The shape is the base's own (training never changes it): keep its file whole but the dtype.
    const json: Record<string, unknown> = { ...(base ?? llamaConfigJson(config)), torch_dtype: torchDtype };
    if (base && 'dtype' in base) json.dtype = torchDtype;
    return json;
  }
  const ours: Record<string, unknown> = { ...gpt2ConfigJson(config), torch_dtype: torchDtype };
  if (!base) return ours;
  const sizes = ['vocab_size', 'n_positions', 'n_embd', 'n_layer', 'n_head', 'layer_norm_epsilon'];
  const json: Record<string, unknown> = { ...base };
  for (const key of sizes) json[key] = ours[key];
  if ('n_ctx' in base) json.n_ctx = config.nPositions;
  json.architectures = ['GPT2LMHeadModel'];
  json.model_type = 'gpt2';
  json.tie_word_embeddings = true;
  json.torch_dtype = torchDtype;
  if ('dtype' in base) json.dtype = torchDtype;
  return json;
}

/** generation_config.json as transformers derives it from a config without one. */
export function defaultGenerationConfig(configJson: Record<string, unknown>): Record<string, unknown> {
  const ids: Record<string, unknown> = {};
  for (const key of ['bos_token_id', 'eos_token_id', 'pad_token_id']) if (configJson[key] !== undefined) ids[key] = configJson[key];
  return { _from_model_config: true, ...ids };
}

/** model.safetensors in the model class's state_dict names, as `dtype`; every tensor checked against the config. */
export function hfModelSafetensors(config: ModelConfig, weights: HostWeights, dtype: FloatDtype = 'F32'): Uint8Array {
  const tensors = new Map<string, SafetensorsEntry>();
  const prefix = stateDictPrefix(config);
  for (const [name, shape] of familyOf(config).parameterShapes(config)) {
    const tensor = weights.get(name);
    if (!tensor) throw new Error(`export: weight ${name} is missing`);
    if (tensor.shape.join(',') !== shape.join(','))
      throw new Error(`export: weight ${name} is [${tensor.shape}], the config implies [${shape}]`);
    tensors.set(prefix + name, floatEntry(shape, tensor.data, dtype));
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
  const configJson = exportedConfigJson(input.config, input.baseConfigJson, input.dtype);
  const files = new Map<string, Uint8Array>([
    ['config.json', jsonBytes(configJson)],
    ['model.safetensors', hfModelSafetensors(input.config, input.weights, input.dtype)],
    ['generation_config.json', jsonBytes(input.generationConfigJson ?? defaultGenerationConfig(configJson))],
  ]);
  for (const [name, bytes] of input.tokenizerFiles) {
    if (MODEL_FILES.includes(name)) throw new Error(`export: tokenizer file "${name}" would overwrite the model's own ${name}`);
    files.set(name, bytes);
  }
  files.set('README.md', encode(input.modelCard));
  return files;
}
