import type { GptConfig } from '../model/config';
import type { NamedWeights } from '../model/gpt';
import { decodeIds } from '../tokenizer/byte-tokenizer';
import type { PreferencePair } from '../data/preference-pairs';
import { sampleMany } from './scoring';
import { yieldToEventLoop } from '../yield-to-event-loop';
import { sentimentReward } from './reward';

export interface LabelledPair extends PreferencePair {
  chosenReward: number;
  rejectedReward: number;
}

export interface SampledPairs {
  pairs: LabelledPair[];
  /** Prompts whose two samples scored the same: no preference, so no pair (reported, not hidden). */
  ties: number;
}

/** Prompts per sampling call, so progress moves while a big set is sampled. */
const CHUNK = 32;

/**
 * Stage 2, as the paper built its data: two completions per prompt from the SFT model, the
 * one with the higher ground-truth reward is chosen. Seeded.
 */
export async function samplePreferencePairs(
  weights: NamedWeights,
  config: GptConfig,
  prompts: readonly string[],
  seed: number,
  onProgress?: (done: number, total: number) => void,
  /** Checked between chunks: a stop keeps the pairs made so far. */
  shouldStop?: () => boolean,
): Promise<SampledPairs> {
  const pairs: LabelledPair[] = [];
  let ties = 0;
  for (let start = 0; start < prompts.length; start += CHUNK) {
    const chunk = prompts.slice(start, start + CHUNK);
    const completions = (
      await sampleMany(
        weights,
        config,
        chunk.flatMap((p) => [p, p]),
        seed + start,
      )
    ).map(decodeIds);
    chunk.forEach((prompt, i) => {
      const [a, b] = [completions[2 * i], completions[2 * i + 1]];
      const [ra, rb] = [sentimentReward(a, prompt), sentimentReward(b, prompt)];
      if (ra === rb) ties++;
      else if (ra > rb) pairs.push({ prompt, chosen: a, rejected: b, chosenReward: ra, rejectedReward: rb });
      else pairs.push({ prompt, chosen: b, rejected: a, chosenReward: rb, rejectedReward: ra });
    });
    onProgress?.(Math.min(start + CHUNK, prompts.length), prompts.length);
    await yieldToEventLoop();
    if (shouldStop?.()) break;
  }
  return { pairs, ties };
}
