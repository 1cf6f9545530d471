import { validateGptConfig, type GptConfig } from '../model/config';
import { gptParameterShapes, type HostWeights } from '../model/gpt-weights';
import { EOS_ID, PAD_ID } from '../tokenizer/byte-tokenizer';
import { entryToFloat32, float32Entry, readSafetensors, writeSafetensors, type SafetensorsEntry } from './safetensors';

/**
 * The built-in model in Hugging Face GPT-2's layout: `config.json` with model_type "gpt2"
 * and a `model.safetensors` that transformers' GPT2LMHeadModel loads (tied lm_head).
 */
export function gpt2ConfigJson(config: GptConfig): Record<string, unknown> {
  return {
    architectures: ['GPT2LMHeadModel'],
    model_type: 'gpt2',
    vocab_size: config.vocabSize,
    n_positions: config.nPositions,
    n_ctx: config.nPositions,
    n_embd: config.nEmbd,
    n_layer: config.nLayer,
    n_head: config.nHead,
    n_inner: null,
    activation_function: 'gelu_new',
    layer_norm_epsilon: config.layerNormEpsilon,
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
    initializer_range: 0.02,
    scale_attn_weights: true,
    tie_word_embeddings: true,
    bos_token_id: EOS_ID,
    eos_token_id: EOS_ID,
    pad_token_id: PAD_ID,
    torch_dtype: 'float32',
  };
}

/** Reads the fields the built-in model needs; names the field that is wrong. */
export function parseGpt2ConfigJson(json: unknown): GptConfig {
  if (typeof json !== 'object' || json === null) throw new Error('config.json: not a JSON object');
  const c = json as Record<string, unknown>;
  if (c.model_type !== undefined && c.model_type !== 'gpt2')
    throw new Error(`config.json: model_type "${String(c.model_type)}" is not supported (only gpt2)`);
  const activation = c.activation_function ?? 'gelu_new';
  if (activation !== 'gelu_new' && activation !== 'gelu_pytorch_tanh') {
    throw new Error(`config.json: activation_function "${String(activation)}" is not supported (gelu_new only)`);
  }
  const int = (key: string) => {
    const value = c[key];
    if (typeof value !== 'number') throw new Error(`config.json: ${key} is missing or not a number`);
    return value;
  };
  if (c.n_inner !== undefined && c.n_inner !== null && c.n_inner !== 4 * int('n_embd')) {
    throw new Error(`config.json: n_inner ${String(c.n_inner)} is not supported (must be 4 × n_embd)`);
  }
  const config: GptConfig = {
    vocabSize: int('vocab_size'),
    nPositions: int('n_positions'),
    nEmbd: int('n_embd'),
    nLayer: int('n_layer'),
    nHead: int('n_head'),
    layerNormEpsilon: typeof c.layer_norm_epsilon === 'number' ? c.layer_norm_epsilon : 1e-5,
  };
  validateGptConfig(config);
  return config;
}

/** Our own config travels in the safetensors metadata so a lone .safetensors file reloads. */
const CONFIG_METADATA_KEY = 'dpo_studio_config';

export function writeGpt2Safetensors(config: GptConfig, weights: HostWeights): Uint8Array {
  const tensors = new Map<string, SafetensorsEntry>();
  for (const [name, shape] of gptParameterShapes(config)) {
    const tensor = weights.get(name);
    if (!tensor) throw new Error(`weights: missing tensor ${name}`);
    tensors.set(name, float32Entry(shape, tensor.data));
  }
  return writeSafetensors(tensors, { format: 'pt', [CONFIG_METADATA_KEY]: JSON.stringify(gpt2ConfigJson(config)) });
}

/**
 * Loads GPT-2 weights, checking every tensor against the config.
 * @param configJson config.json's parsed content; when absent, the file's own metadata
 */
export function readGpt2Safetensors(bytes: Uint8Array, configJson?: unknown): { config: GptConfig; weights: HostWeights } {
  const file = readSafetensors(bytes);
  let configSource = configJson;
  if (configSource === undefined) {
    const embedded = file.metadata[CONFIG_METADATA_KEY];
    if (!embedded) throw new Error('model.safetensors: no config.json given and none embedded in the file; drop config.json with it');
    try {
      configSource = JSON.parse(embedded);
    } catch (error) {
      throw new Error(`model.safetensors: its embedded config is not valid JSON (${(error as Error).message}); drop config.json with it`);
    }
  }
  const config = parseGpt2ConfigJson(configSource);
  const weights: HostWeights = new Map();
  for (const [name, shape] of gptParameterShapes(config)) {
    const entry = file.tensors.get(name) ?? file.tensors.get(`transformer.${name}`);
    if (!entry) throw new Error(`model.safetensors: tensor ${name} is missing`);
    if (entry.shape.join(',') !== shape.join(',')) {
      throw new Error(`model.safetensors: tensor ${name} has shape [${entry.shape}], config.json implies [${shape}]`);
    }
    const data = entryToFloat32(name, entry);
    const bad = data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new Error(
        `model.safetensors: tensor ${name} holds ${data[bad]} at index ${bad}; weights with NaN or infinity cannot be trained`,
      );
    weights.set(name, { shape, data });
  }
  return { config, weights };
}
