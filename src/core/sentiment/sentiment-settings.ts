// TF-free: the demo's settings form starts from these defaults, so this module never imports
// TensorFlow.js or a module that does.

export interface SentimentSettings {
  /** One DPO run per β, one after another, all from the SFT model on the same pairs. */
  betas: number[];
  steps: number;
  /** Evaluate (reward, KL, held-out accuracy) every N steps and at the end. */
  evalEvery: number;
  seed: number;
  learningRate: number;
  batchSize: number;
  /** Training prompts sampled twice each to make pairs (ties are dropped). */
  pairPrompts: number;
  /** Held-out prompts sampled twice each to make ground-truth-labelled held-out pairs. */
  heldOutPairPrompts: number;
  /** Held-out prompts sampled at each evaluation, `samplesPerPrompt` times each. */
  evalPrompts: number;
  samplesPerPrompt: number;
}

export const DEFAULT_SENTIMENT_SETTINGS: SentimentSettings = {
  betas: [0.1],
  steps: 150,
  evalEvery: 25,
  seed: 1,
  learningRate: 5e-4,
  batchSize: 16,
  pairPrompts: 1024,
  heldOutPairPrompts: 64,
  evalPrompts: 64,
  samplesPerPrompt: 4,
};
