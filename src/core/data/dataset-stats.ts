import type { PreferencePair } from './preference-pairs';

export interface Histogram {
  /** Bucket upper bounds in tokens (the last bucket is open-ended). */
  bounds: number[];
  counts: number[];
}

export interface DatasetStats {
  pairs: number;
  histograms: { prompt: Histogram; chosen: Histogram; rejected: Histogram };
  /** Pairs whose prompt alone fills max length: dropped at training time (as TRL drops them). */
  promptsDropped: number;
  /** Kept pairs whose prompt is cut to max prompt length. */
  promptsTruncated: number;
  /** Pairs with a completion cut to fit max length. */
  completionsTruncated: number;
  /** Pairs that repeat an earlier pair exactly. */
  duplicates: number;
  /** Pairs whose chosen and rejected are identical. */
  identical: number;
}

const BOUNDS = [8, 16, 32, 64, 128, 256, 512, 1024, 2048];
const encoder = new TextEncoder();
const tokens = (text: string) => encoder.encode(text).length; // byte-level: one token per UTF-8 byte

function histogram(lengths: number[]): Histogram {
  const counts = new Array(BOUNDS.length + 1).fill(0);
  for (const n of lengths) {
    const bucket = BOUNDS.findIndex((b) => n <= b);
    counts[bucket === -1 ? BOUNDS.length : bucket]++;
  }
  return { bounds: BOUNDS, counts };
}

/**
 * Token-length histograms and what the current length limits will cut, with the byte
 * tokenizer's counts (completions include their EOS).
 */
export function datasetStats(pairs: readonly PreferencePair[], maxLength: number, maxPromptLength: number): DatasetStats {
  const promptLengths: number[] = [];
  const chosenLengths: number[] = [];
  const rejectedLengths: number[] = [];
  let promptsDropped = 0;
  let promptsTruncated = 0;
  let completionsTruncated = 0;
  let duplicates = 0;
  let identical = 0;
  const seen = new Set<string>();
  for (const p of pairs) {
    const prompt = tokens(p.prompt);
    const chosen = tokens(p.chosen) + 1;
    const rejected = tokens(p.rejected) + 1;
    promptLengths.push(prompt);
    chosenLengths.push(chosen);
    rejectedLengths.push(rejected);
    if (prompt >= maxLength) promptsDropped++;
    else {
      const keptPrompt = Math.min(prompt, maxPromptLength);
      if (prompt > maxPromptLength) promptsTruncated++;
      if (keptPrompt + Math.max(chosen, rejected) > maxLength) completionsTruncated++;
    }
    const key = JSON.stringify([p.prompt, p.chosen, p.rejected]);
    if (seen.has(key)) duplicates++;
    else seen.add(key);
    if (p.chosen === p.rejected) identical++;
  }
  return {
    pairs: pairs.length,
    histograms: { prompt: histogram(promptLengths), chosen: histogram(chosenLengths), rejected: histogram(rejectedLengths) },
    promptsDropped,
    promptsTruncated,
    completionsTruncated,
    duplicates,
    identical,
  };
}
