import type { GptConfig } from '../model/config';
import { BYTE_VOCAB_SIZE } from '../tokenizer/byte-tokenizer';
import { DEFAULT_SETTINGS, type DpoSettings } from '../train/settings';
import { generateReviews, splitPrompts, type Review } from './corpus';

/**
 * The demo's model: the built-in GPT-2 architecture and byte tokenizer, sized so its SFT
 * stage learns the review grammar in minutes on a CPU (≈ 120k parameters, 0.5 MB).
 */
export const SENTIMENT_MODEL: GptConfig = {
  vocabSize: BYTE_VOCAB_SIZE,
  nPositions: 64,
  nEmbd: 64,
  nLayer: 2,
  nHead: 4,
  layerNormEpsilon: 1e-5,
};

/** Longest prompt kept, in bytes (prompts are 2-4 words). */
export const SENTIMENT_MAX_PROMPT = 32;

/** Stage 1: next-token loss on the reviews' completions given their prefixes. */
export const SENTIMENT_SFT_SETTINGS: DpoSettings = {
  ...DEFAULT_SETTINGS,
  stage: 'sft',
  learningRate: 4e-3,
  scheduler: 'cosine',
  warmupSteps: 50,
  batchSize: 32,
  maxLength: SENTIMENT_MODEL.nPositions,
  maxPromptLength: SENTIMENT_MAX_PROMPT,
  steps: 1600,
  seed: 1,
  evalFraction: 0,
  evalEvery: 0,
  sampleEvery: 0,
};

/** Reviews in the SFT corpus, and the seed that generates them. */
export const SENTIMENT_CORPUS = { reviews: 8000, seed: 2023 };

/** Held-out share of the distinct prompts (never used to make training pairs). */
export const HELD_OUT_PROMPTS = 0.15;

/** The demo's corpus (seeded, so the app and the CLI regenerate the same reviews). */
export function sentimentCorpus(): Review[] {
  return generateReviews(SENTIMENT_CORPUS.reviews, SENTIMENT_CORPUS.seed);
}

/** The fixed split of the corpus's prompts into pair-making and held-out evaluation prompts. */
export function sentimentPrompts(reviews: readonly Review[] = sentimentCorpus()): { train: string[]; heldOut: string[] } {
  return splitPrompts(reviews, HELD_OUT_PROMPTS, SENTIMENT_CORPUS.seed);
}
