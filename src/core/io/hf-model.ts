import { familyOf, isLlamaConfig, type ModelConfig } from '../model/causal-lm';
import type { HostWeights } from '../model/gpt-weights';
import { HfTokenizer } from '../tokenizer/hf-tokenizer';
import { parseGpt2ConfigJson } from './hf-gpt2';
import { LLAMA_MODEL_TYPES, parseLlamaConfigJson } from './hf-llama';
import { entryToFloat32, readSafetensors, type FloatDtype, type SafetensorsEntry } from './safetensors';

/**
 * Loads a Hugging Face checkpoint folder of a supported family — GPT-2 (gpt2, distilgpt2, …)
 * or Llama (SmolLM2, TinyLlama, Llama 3.2, Qwen2.5, Qwen3): config.json, model.safetensors or
 * its shards, tokenizer.json. Everything the model would silently get wrong is refused with
 * the file and field named. Memory: F32 weights are views into the given files' buffers (a
 * 500 MB checkpoint is not copied); see HfModel.weights.
 */

export interface HfModel {
  name: string;
  config: ModelConfig;
  /** How the checkpoint stores its weights (its token embedding's dtype): exports write the same by default. */
  dtype: FloatDtype;
  /** config.json as given, for export. */
  configJson: Record<string, unknown>;
  /**
   * Our parameter names (no `transformer.` prefix), float32. F32 tensors share the file
   * buffers they came from unless loaded with `copy: true`: copy a tensor before transferring
   * its buffer, and do not mutate the files while the weights live.
   */
  weights: HostWeights;
  tokenizer: HfTokenizer;
  /** tokenizer.json, tokenizer_config.json and any vocab.json/merges.txt/special_tokens_map.json, verbatim for export. */
  tokenizerFiles: Map<string, Uint8Array>;
  generationConfigJson?: Record<string, unknown>;
}

export interface LoadHfModelOptions {
  /** Copy F32 tensors out of the file buffers (costs one more copy of the weights). */
  copy?: boolean;
}

export const HF_TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'vocab.json', 'merges.txt', 'special_tokens_map.json'];
const SUPPORTED_ARCHITECTURES = ['GPT2LMHeadModel', 'GPT2Model'];
const SINGLE_FILE = 'model.safetensors';
const INDEX_FILE = 'model.safetensors.index.json';
const SHARD_PATTERN = /^model-\d+-of-\d+\.safetensors$/;
/** Buffers older checkpoints carry (GPT-2's causal mask, Llama's rotary inv_freq), rebuilt by the model. */
const BUFFER_PATTERN = /^(h\.\d+\.attn\.(bias|masked_bias)|model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq)$/;

const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);

/** True when the names (paths or base names) hold a config.json, a tokenizer.json and safetensors weights. */
export function isHfModelFolder(names: string[]): boolean {
  const base = new Set(names.map(baseName));
  const hasWeights = base.has(SINGLE_FILE) || base.has(INDEX_FILE) || [...base].some((n) => SHARD_PATTERN.test(n));
  return base.has('config.json') && base.has('tokenizer.json') && hasWeights;
}

function parseJsonFile(fileName: string, bytes: Uint8Array): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new Error(`${fileName}: not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${fileName}: not a JSON object`);
  return parsed as Record<string, unknown>;
}

const REFUSAL = `DPO Studio trains GPT-2 and Llama-family models (model_type gpt2, ${LLAMA_MODEL_TYPES.join(', ')})`;

/** The config of any supported family, by model_type; anything else is refused by name. */
export function parseModelConfigJson(configJson: Record<string, unknown>): ModelConfig {
  if ((LLAMA_MODEL_TYPES as readonly unknown[]).includes(configJson.model_type)) return parseLlamaConfigJson(configJson);
  checkGpt2Family(configJson);
  return parseGpt2ConfigJson(configJson);
}

/** Checks what parseGpt2ConfigJson does not: the architecture and options that change the math. */
function checkGpt2Family(configJson: Record<string, unknown>): void {
  if (configJson.model_type !== 'gpt2') {
    const type = configJson.model_type === undefined ? 'missing' : `"${String(configJson.model_type)}"`;
    throw new Error(`config.json: model_type ${type} is not supported; ${REFUSAL}`);
  }
  const architectures = configJson.architectures;
  if (Array.isArray(architectures) && architectures.length > 0) {
    const unsupported = architectures.find((a) => !SUPPORTED_ARCHITECTURES.includes(String(a)));
    if (unsupported !== undefined) throw new Error(`config.json: architecture ${String(unsupported)} is not supported; ${REFUSAL}`);
  }
  if (configJson.scale_attn_weights === false) throw new Error('config.json: scale_attn_weights false is not supported');
  if (configJson.scale_attn_by_inverse_layer_idx === true)
    throw new Error('config.json: scale_attn_by_inverse_layer_idx true is not supported');
  if (configJson.add_cross_attention === true) throw new Error('config.json: add_cross_attention true is not supported');
}

interface Located {
  file: string;
  entry: SafetensorsEntry;
}

/** Every tensor of the checkpoint by its stored name, with the file it sits in. */
function readCheckpointTensors(files: Map<string, Uint8Array>): Map<string, Located> {
  let shardNames: string[];
  const indexBytes = files.get(INDEX_FILE);
  if (indexBytes) {
    const weightMap = parseJsonFile(INDEX_FILE, indexBytes).weight_map;
    if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap))
      throw new Error(`${INDEX_FILE}: no weight_map object`);
    shardNames = [...new Set(Object.values(weightMap).map(String))].sort();
    for (const shard of shardNames) {
      if (!files.has(shard)) throw new Error(`${INDEX_FILE}: shard ${shard} is not among the files given; add it`);
    }
  } else if (files.has(SINGLE_FILE)) {
    shardNames = [SINGLE_FILE];
  } else {
    const names = [...files.keys()];
    if (names.some((n) => SHARD_PATTERN.test(n))) throw new Error(`${INDEX_FILE} is missing: the weights are sharded and need their index`);
    if (names.some((n) => n.endsWith('.bin') || n.endsWith('.pt') || n.endsWith('.h5')))
      throw new Error(`${SINGLE_FILE} is missing: only safetensors weights are read (convert pytorch_model.bin with transformers' save_pretrained)`);
    throw new Error(`${SINGLE_FILE} is missing: no model weights among the files given`);
  }
  const tensors = new Map<string, Located>();
  for (const file of shardNames) {
    let parsed;
    try {
      parsed = readSafetensors(files.get(file)!);
    } catch (error) {
      throw new Error(`${file}: ${(error as Error).message}`);
    }
    for (const [name, entry] of parsed.tensors) {
      const previous = tensors.get(name);
      if (previous) throw new Error(`${file}: tensor ${name} is also in ${previous.file}`);
      tensors.set(name, { file, entry });
    }
  }
  return tensors;
}

function toFloat32(name: string, { file, entry }: Located, share: boolean): Float32Array {
  let data: Float32Array;
  try {
    data = entryToFloat32(name, entry, { share });
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]))
      throw new Error(`${file}: tensor ${name} holds ${data[i]} at index ${i}; weights with NaN or infinity cannot be trained`);
  }
  return data;
}

/** The checkpoint's tensors under our names, checked against config.json and nothing left over. */
function collectWeights(config: ModelConfig, stored: Map<string, Located>, share: boolean): HostWeights {
  const byName = new Map<string, Located>();
  const llama = isLlamaConfig(config);
  for (const [storedName, located] of stored) {
    // GPT2LMHeadModel saves its GPT2Model as `transformer.`; our GPT-2 names drop it. Llama's names are kept whole.
    const name = !llama && storedName.startsWith('transformer.') ? storedName.slice('transformer.'.length) : storedName;
    byName.set(name, located);
  }
  const family = familyOf(config);
  const expected = family.parameterShapes(config);
  const known = new Set([...expected.map(([n]) => n), 'lm_head.weight']);
  const what = llama ? `${config.modelType} model` : 'GPT-2';
  for (const [name, { file }] of byName) {
    if (!known.has(name) && !BUFFER_PATTERN.test(name))
      throw new Error(`${file}: unexpected tensor ${name}; not part of a ${what} with config.json's ${config.nLayer} layers`);
  }
  const weights: HostWeights = new Map();
  for (const [name, shape] of expected) {
    const located = byName.get(name);
    if (!located) throw new Error(`${[...new Set([...stored.values()].map((l) => l.file))].join(', ')}: tensor ${name} is missing`);
    if (located.entry.shape.join(',') !== shape.join(',')) {
      throw new Error(`${located.file}: tensor ${name} has shape [${located.entry.shape}], config.json implies [${shape}]`);
    }
    weights.set(name, { shape, data: toFloat32(name, located, share) });
  }
  const lmHead = byName.get('lm_head.weight');
  const embedding = llama ? 'model.embed_tokens.weight' : 'wte.weight';
  const tied = !llama || config.tieWordEmbeddings;
  if (lmHead && tied) checkTiedHead(lmHead, embedding, weights.get(embedding)!.data, llama);
  return weights;
}

/** With a tied head, an lm_head equal to the embedding is the same tensor saved twice; a different one contradicts config.json. */
function checkTiedHead(lmHead: Located, embedding: string, table: Float32Array, llama: boolean): void {
  const head = entryToFloat32('lm_head.weight', lmHead.entry, { share: true });
  const same = head.length === table.length && head.every((v, i) => v === table[i]);
  if (same) return;
  throw new Error(
    llama
      ? `${lmHead.file}: lm_head.weight differs from ${embedding}, but config.json's tie_word_embeddings is true; fix tie_word_embeddings`
      : `${lmHead.file}: lm_head.weight differs from ${embedding}; an untied LM head is not supported (DPO Studio ties it to the token embedding, as GPT-2 does)`,
  );
}

/** The checkpoint's storage dtype: its token embedding's. */
function storageDtype(config: ModelConfig, stored: Map<string, Located>): FloatDtype {
  const names = isLlamaConfig(config) ? ['model.embed_tokens.weight'] : ['wte.weight', 'transformer.wte.weight'];
  const dtype = names.map((n) => stored.get(n)?.entry.dtype).find((d) => d !== undefined);
  return dtype === 'F16' || dtype === 'BF16' ? dtype : 'F32';
}

/**
 * Loads a checkpoint of any supported family (GPT-2, llama, qwen2, qwen3).
 * @param files file contents by base name: config.json, model.safetensors (or
 *   model.safetensors.index.json and its shards), tokenizer.json, and optionally
 *   tokenizer_config.json, generation_config.json, vocab.json, merges.txt, special_tokens_map.json
 * @param name the model's name, e.g. "gpt2", shown in the tokenizer's name
 */
export function loadHfModel(files: Map<string, Uint8Array>, name: string, options: LoadHfModelOptions = {}): HfModel {
  const byBase = new Map([...files].map(([path, bytes]) => [baseName(path), bytes]));
  const configBytes = byBase.get('config.json');
  if (!configBytes) throw new Error('config.json is missing: a Hugging Face model folder needs it');
  const configJson = parseJsonFile('config.json', configBytes);
  const config = parseModelConfigJson(configJson);

  const tokenizerBytes = byBase.get('tokenizer.json');
  if (!tokenizerBytes) throw new Error(`tokenizer.json is missing: ${name} needs its tokenizer alongside config.json`);
  const stored = readCheckpointTensors(byBase);
  const weights = collectWeights(config, stored, !options.copy);
  const tokenizer = HfTokenizer.fromModelFiles(byBase, configJson, { label: name });
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new Error(`tokenizer.json: token ids reach ${tokenizer.vocabSize - 1}, but config.json's vocab_size is ${config.vocabSize}`);
  }

  const tokenizerFiles = new Map(HF_TOKENIZER_FILES.filter((f) => byBase.has(f)).map((f) => [f, byBase.get(f)!]));
  const generationBytes = byBase.get('generation_config.json');
  const model: HfModel = { name, config, dtype: storageDtype(config, stored), configJson, weights, tokenizer, tokenizerFiles };
  if (generationBytes) model.generationConfigJson = parseJsonFile('generation_config.json', generationBytes);
  return model;
}
