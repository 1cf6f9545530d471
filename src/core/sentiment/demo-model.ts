import type { GptConfig } from '../model/config';
import { BYTE_VOCAB_SIZE } from '../tokenizer/byte-tokenizer';
import { DEFAULT_SETTINGS, type DpoSettings } from '../train/settings';

/**
 * The demo's model: the built-in GPT-2 architecture and byte tokenizer, sized so its SFT
 * stage learns the review grammar in minutes on a CPU (≈ 120k parameters, 0.5 MB).
 */
export const SENTIMENT_MODEL: GptConfig = { vocabSize: BYTE_VOCAB_SIZE, nPositions: 64, nEmbd: 64, nLayer: 2, nHead: 4, layerNormEpsilon: 1e-5 };

/** Longest prompt kept, in bytes (prompts are 2-4 words). */
export const SENTIMENT_MAX_PROMPT = 32;

/** Stage 1: next-token loss on the reviews' completions given their prefixes. */
export const SENTIMENT_SFT_SETTINGS: DpoSettings = {
  ...DEFAULT_SETTINGS,
  stage: 'sft',
  learningRate: 3e-3,
  scheduler: 'cosine',
  warmupSteps: 50,
  batchSize: 32,
  maxLength: SENTIMENT_MODEL.nPositions,
  maxPromptLength: SENTIMENT_MAX_PROMPT,
  steps: 1200,
  seed: 1,
  evalFraction: 0,
  evalEvery: 0,
  sampleEvery: 0,
};

/** Reviews in the SFT corpus, and the seed that generates them. */
export const SENTIMENT_CORPUS = { reviews: 8000, seed: 2023 };
