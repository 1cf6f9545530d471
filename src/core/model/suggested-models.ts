/**
 * Small instruction-tuned Llama-family checkpoints the model panel offers with one click.
 * TF-free on purpose: the page imports this module, so it holds the checkpoints' config.json
 * shapes as plain data and counts parameters from `llamaParameterShapes` (which only lists
 * names and shapes); nothing here may import a module that imports TensorFlow.js.
 *
 * The config.json fields are the Hub repos' own (revision "main"), minus what does not change
 * the model's shape or maths (token ids, transformers.js hints, versions).
 */
import { parseLlamaConfigJson } from '../io/hf-llama';
import type { LlamaConfig } from './llama/config';
import { llamaParameterShapes } from './llama/weights';

export interface SuggestedModel {
  /** The Hub repo id, downloaded at revision "main". */
  repo: string;
  /** A short name for the list, e.g. "SmolLM2 135M Instruct". */
  label: string;
  /** config.json's shape fields, as the repo has them. */
  configJson: Record<string, unknown>;
  config: LlamaConfig;
  /** Distinct parameters (a tied head counted once), as transformers' num_parameters() reports. */
  parameters: number;
  /** Values stored in the checkpoint: more than `parameters` when a tied head is saved as well. */
  storedParameters: number;
  /** How the checkpoint stores its weights (torch_dtype). */
  dtype: 'BF16';
  /** A line on what the model is good for, shown under its name. */
  note: string;
}

const SMOLLM2_COMMON = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  attention_bias: false,
  attention_dropout: 0.0,
  hidden_act: 'silu',
  head_dim: 64,
  max_position_embeddings: 8192,
  mlp_bias: false,
  rms_norm_eps: 1e-5,
  rope_scaling: null,
  rope_theta: 100000,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  vocab_size: 49152,
};

const SMOLLM2_135M = {
  ...SMOLLM2_COMMON,
  hidden_size: 576,
  intermediate_size: 1536,
  num_attention_heads: 9,
  num_hidden_layers: 30,
  num_key_value_heads: 3,
};

const SMOLLM2_360M = {
  ...SMOLLM2_COMMON,
  hidden_size: 960,
  intermediate_size: 2560,
  num_attention_heads: 15,
  num_hidden_layers: 32,
  num_key_value_heads: 5,
};

const QWEN25_05B = {
  architectures: ['Qwen2ForCausalLM'],
  model_type: 'qwen2',
  attention_dropout: 0.0,
  hidden_act: 'silu',
  hidden_size: 896,
  intermediate_size: 4864,
  max_position_embeddings: 32768,
  max_window_layers: 21,
  num_attention_heads: 14,
  num_hidden_layers: 24,
  num_key_value_heads: 2,
  rms_norm_eps: 1e-6,
  rope_theta: 1000000.0,
  sliding_window: 32768,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  use_sliding_window: false,
  vocab_size: 151936,
};

const QWEN3_06B = {
  architectures: ['Qwen3ForCausalLM'],
  model_type: 'qwen3',
  attention_bias: false,
  attention_dropout: 0.0,
  head_dim: 128,
  hidden_act: 'silu',
  hidden_size: 1024,
  intermediate_size: 3072,
  max_position_embeddings: 40960,
  max_window_layers: 28,
  num_attention_heads: 16,
  num_hidden_layers: 28,
  num_key_value_heads: 8,
  rms_norm_eps: 1e-6,
  rope_scaling: null,
  rope_theta: 1000000,
  sliding_window: null,
  tie_word_embeddings: true,
  torch_dtype: 'bfloat16',
  use_sliding_window: false,
  vocab_size: 151936,
};

function count(shapes: [string, number[]][]): number {
  return shapes.reduce((sum, [, shape]) => sum + shape.reduce((a, b) => a * b, 1), 0);
}

function suggestion(
  repo: string,
  label: string,
  configJson: Record<string, unknown>,
  note: string,
  /** The checkpoint saves lm_head.weight beside the embedding it is tied to. */
  storesTiedHead = false,
): SuggestedModel {
  const config = parseLlamaConfigJson(configJson);
  const parameters = count(llamaParameterShapes(config));
  const storedParameters = storesTiedHead ? parameters + config.vocabSize * config.nEmbd : parameters;
  return { repo, label, configJson, config, parameters, storedParameters, dtype: 'BF16', note };
}

/** Smallest first. All four are Apache-2.0 and need no access token. */
export const SUGGESTED_MODELS: readonly SuggestedModel[] = [
  suggestion('HuggingFaceTB/SmolLM2-135M-Instruct', 'SmolLM2 135M Instruct', SMOLLM2_135M, 'The smallest: the one to try first on a laptop GPU.'),
  suggestion('HuggingFaceTB/SmolLM2-360M-Instruct', 'SmolLM2 360M Instruct', SMOLLM2_360M, 'Noticeably better answers for 2.7× the memory.'),
  suggestion('Qwen/Qwen2.5-0.5B-Instruct', 'Qwen2.5 0.5B Instruct', QWEN25_05B, 'Multilingual; a 151,936-token vocabulary makes its logits the largest tensor.'),
  // Qwen3-0.6B's model.safetensors holds lm_head.weight as well, equal to the tied embedding.
  suggestion('Qwen/Qwen3-0.6B', 'Qwen3 0.6B', QWEN3_06B, 'Reasons step by step ("thinking" mode); the largest of the four.', true),
];

/** Bytes the download fetches for the weights (2 per stored BF16 value). */
export function downloadBytes(model: SuggestedModel): number {
  return 2 * model.storedParameters;
}

/** "135M", "0.6B", "0.84M": a parameter count as model cards round it (millions below ~0.45B). */
export function formatParameterCount(parameters: number): string {
  if (parameters >= 4.5e8) return `${(parameters / 1e9).toFixed(1)}B`;
  if (parameters >= 1e7) return `${Math.round(parameters / 1e6)}M`;
  return `${(parameters / 1e6).toFixed(parameters >= 1e6 ? 1 : 2)}M`;
}
