/**
 * The tiny Llama-family checkpoints tools/oracle/make_llama_fixtures.py writes (BF16, vocab 64)
 * and its golden values, for tests. The folders hold no tokenizer; `tinyLlamaFiles` adds a
 * 64-token word-level tokenizer.json so the real loader reads them as a user's folder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const TINY_LLAMA_DIR = join(__dirname, 'fixtures', 'tiny-llama');
export const TINY_LLAMA_VARIANTS = ['llama-gqa', 'llama3-rope', 'qwen2', 'qwen3'] as const;
export type TinyLlamaVariant = (typeof TINY_LLAMA_VARIANTS)[number];

type Tensor = { shape: number[]; data: number[] };

export interface TinyLlamaGolden {
  inv_freq: number[];
  input_ids: number[][];
  labels: number[][];
  completion_mask: number[][];
  lengths: number[];
  logits_head: number[][][];
  logsumexp: number[][];
  token_logps: number[][];
  logps: number[];
  coefficients: number[];
  objective: number;
  grads: Record<string, Tensor>;
  lora: { rank: number; alpha: number; targets: string[]; adapters: Record<string, Tensor>; logps: number[]; grads: Record<string, Tensor> };
  adamw: { lr: number; betas: [number, number]; eps: number; weight_decay: number; logps_after: number[][]; weights_after: Record<string, Tensor> };
}

export function tinyLlamaGolden(): Record<TinyLlamaVariant, TinyLlamaGolden> {
  return JSON.parse(readFileSync(join(TINY_LLAMA_DIR, 'golden.json'), 'utf8')).variants;
}

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** A word-level tokenizer with ids 0 … 63 ("t0" … "t62", "<|im_end|>"), enough for the loader. */
export function tinyWordTokenizerJson(): Record<string, unknown> {
  const vocab = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [i === 63 ? '<|im_end|>' : `t${i}`, i]));
  const special = { id: 63, content: '<|im_end|>', special: true, single_word: false, lstrip: false, rstrip: false, normalized: false };
  return { version: '1.0', added_tokens: [special], normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null, model: { type: 'WordLevel', vocab, unk_token: 't0' } };
}

/** The variant's folder as a user would drop it: config.json, model.safetensors, generation_config.json, tokenizer files. */
export function tinyLlamaFiles(variant: TinyLlamaVariant): Map<string, Uint8Array> {
  const dir = join(TINY_LLAMA_DIR, variant);
  const read = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
  return new Map([
    ['config.json', read('config.json')],
    ['model.safetensors', read('model.safetensors')],
    ['generation_config.json', read('generation_config.json')],
    ['tokenizer.json', encode(tinyWordTokenizerJson())],
    ['tokenizer_config.json', encode({ eos_token: '<|im_end|>' })],
  ]);
}
