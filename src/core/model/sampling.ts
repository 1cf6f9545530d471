import { createDecoder, type ModelConfig } from './causal-lm';
import type { NamedWeights } from './forward-options';
import type { SeededRandom } from '../random';
import { BYTE_TOKENIZER } from '../tokenizer/tokenizer';

export interface SamplingOptions {
  maxNewTokens: number;
  /** 0 = greedy. */
  temperature: number;
  /** Keep the k most likely tokens; 0 = off. */
  topK: number;
  /** Keep the smallest set of tokens whose probability reaches p; 1 = off. */
  topP: number;
}

/** The ids sampling must know: where a completion ends, and a pad that is never sampled. */
export interface SpecialIds {
  eosId: number;
  /** Every id that ends a completion (Llama 3: <|eot_id|> and <|end_of_text|>); [eosId] when absent. */
  stopIds?: readonly number[];
  /** Never picked, unless it also ends a completion (GPT-2 pads with EOS, Qwen with <|endoftext|>). */
  padId: number;
}

const stopIdsOf = (special: SpecialIds): readonly number[] => special.stopIds ?? [special.eosId];

const BYTE_IDS: SpecialIds = BYTE_TOKENIZER;

/** Picks a token from one row of logits on the host with the seeded generator. PAD is never picked. */
export function pickToken(logits: ArrayLike<number>, o: SamplingOptions, rng: SeededRandom, special: SpecialIds = BYTE_IDS): number {
  const banned = special.padId === special.eosId || stopIdsOf(special).includes(special.padId) ? -1 : special.padId;
  const candidates = Array.from({ length: logits.length }, (_, id) => id).filter((id) => id !== banned);
  if (o.temperature === 0) return candidates.reduce((best, id) => (logits[id] > logits[best] ? id : best), candidates[0]);
  candidates.sort((a, b) => logits[b] - logits[a]);
  const kept = o.topK > 0 ? candidates.slice(0, o.topK) : candidates;
  const max = logits[kept[0]];
  const weights = kept.map((id) => Math.exp((logits[id] - max) / o.temperature));
  const total = weights.reduce((a, b) => a + b, 0);
  let cut = kept.length;
  if (o.topP < 1) {
    let mass = 0;
    cut = kept.findIndex((_, i) => (mass += weights[i] / total) >= o.topP) + 1 || kept.length;
  }
  const nucleus = weights.slice(0, cut);
  let r = rng.next() * nucleus.reduce((a, b) => a + b, 0);
  for (let i = 0; i < nucleus.length; i++) if ((r -= nucleus[i]) <= 0) return kept[i];
  return kept[cut - 1];
}

/**
 * Completes several prompts at once with the KV cache. Rows are fed position by position:
 * a row still inside its prompt feeds its next prompt token, the others their last
 * sample. One logits read-back per position.
 * @param keepEos end a completion that stopped with the stop id it sampled (to score the stop, too)
 * @returns generated ids per prompt, without the stop id unless keepEos; a completion ends at any of `special.stopIds`
 */
export async function sampleCompletions(
  weights: NamedWeights,
  config: ModelConfig,
  prompts: number[][],
  o: SamplingOptions,
  rng: SeededRandom,
  keepEos = false,
  special: SpecialIds = BYTE_IDS,
): Promise<number[][]> {
  const eos = special.eosId;
  const stops = new Set(stopIdsOf(special));
  const rows = prompts.map((p) => (p.length > 0 ? p.slice(-(config.nPositions - 1)) : [eos]));
  const generated: number[][] = rows.map(() => []);
  const done = rows.map(() => false);
  const longest = Math.max(...rows.map((r) => r.length));
  // The cache holds what this call can reach, not the whole context (Llama 3.2's is 131,072).
  const capacity = Math.min(config.nPositions, longest + o.maxNewTokens - 1);
  const decoder = createDecoder(weights, config, rows.length, capacity);
  try {
    for (let t = 0; t < capacity; t++) {
      const tokens = Int32Array.from(rows, (r, i) => (t < r.length ? r[t] : (generated[i].at(-1) ?? eos)));
      const logits = decoder.step(tokens);
      const values = await logits.data();
      logits.dispose();
      const vocab = config.vocabSize;
      rows.forEach((r, i) => {
        if (done[i] || t < r.length - 1) return;
        const token = pickToken(values.subarray(i * vocab, (i + 1) * vocab), o, rng, special);
        if (stops.has(token) || generated[i].length >= o.maxNewTokens) {
          done[i] = true;
          if (stops.has(token) && keepEos) generated[i].push(token);
        } else generated[i].push(token);
      });
      if (done.every(Boolean)) break;
    }
  } finally {
    decoder.dispose();
  }
  return generated;
}
