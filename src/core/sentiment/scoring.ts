import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from '../model/config';
import { causalMask, type NamedWeights } from '../model/gpt';
import { sampleCompletions, type SamplingOptions } from '../model/sampling';
import { SeededRandom } from '../random';
import { decodeIds, encodeText } from '../tokenizer/byte-tokenizer';
import { collateSftBatch } from '../dpo/batch';
import { batchLogProbs, uploadBatch } from '../train/dpo-step';
import { sentimentReward } from './reward';

/** Rows per forward or sampling batch: small enough for software WebGPU, big enough to amortize. */
const ROWS = 32;

/** Plain sampling from the model's distribution (T = 1, no truncation), as the KL estimate needs. */
export function demoSampling(config: GptConfig, prompts: readonly number[][]): SamplingOptions {
  const longest = Math.max(...prompts.map((p) => p.length));
  return { temperature: 1, topK: 0, topP: 1, maxNewTokens: config.nPositions - 1 - longest };
}

export interface ScoredSample {
  prompt: string;
  completion: string;
  /** Ground-truth sentiment reward of the completion. */
  reward: number;
  /** Σ_t log π − log π_ref over the completion (0 without a reference). */
  logRatio: number;
}

/** Completions (ending with EOS when the model stopped) for each prompt, in batches of ROWS. */
export async function sampleMany(weights: NamedWeights, config: GptConfig, prompts: readonly string[], seed: number): Promise<number[][]> {
  const ids = prompts.map(encodeText);
  const options = demoSampling(config, ids);
  const rng = new SeededRandom(seed);
  const out: number[][] = [];
  for (let start = 0; start < ids.length; start += ROWS)
    out.push(...(await sampleCompletions(weights, config, ids.slice(start, start + ROWS), options, rng, true)));
  return out;
}

/** Summed log-prob of each completion given its prompt under `weights`. */
export async function completionLogProbs(
  weights: NamedWeights,
  config: GptConfig,
  prompts: readonly string[],
  completions: readonly number[][],
): Promise<Float32Array> {
  const out = new Float32Array(prompts.length);
  const mask = causalMask(config.nPositions);
  try {
    for (let start = 0; start < prompts.length; start += ROWS) {
      const rows = prompts
        .slice(start, start + ROWS)
        .map((p, i) => ({ prompt: encodeText(p), chosen: completions[start + i], rejected: [] }));
      const logps = tf.tidy(() => batchLogProbs(weights, config, uploadBatch(collateSftBatch(rows, config.nPositions)), mask));
      out.set((await logps.data()) as Float32Array, start);
      logps.dispose();
    }
  } finally {
    mask.dispose();
  }
  return out;
}

export interface PolicyEvaluation {
  /** Mean ground-truth reward of the samples. */
  reward: number;
  /** Sequence-level KL(π‖π_ref) estimated from the same samples: mean of Σ_t log π − log π_ref. */
  kl: number;
  samples: ScoredSample[];
}

/**
 * Samples each prompt `perPrompt` times from the policy and scores the samples with the
 * ground-truth reward; the KL estimate is unbiased because the samples come from π itself.
 */
export async function evaluatePolicy(
  policy: NamedWeights,
  reference: NamedWeights | null,
  config: GptConfig,
  prompts: readonly string[],
  perPrompt: number,
  seed: number,
): Promise<PolicyEvaluation> {
  const repeated = prompts.flatMap((p) => Array.from({ length: perPrompt }, () => p));
  const completions = await sampleMany(policy, config, repeated, seed);
  const ratios = new Float32Array(repeated.length);
  if (reference) {
    const logp = await completionLogProbs(policy, config, repeated, completions);
    const refLogp = await completionLogProbs(reference, config, repeated, completions);
    logp.forEach((v, i) => (ratios[i] = v - refLogp[i]));
  }
  const samples = repeated.map((prompt, i) => {
    const completion = decodeIds(completions[i]);
    return { prompt, completion, reward: sentimentReward(completion, prompt), logRatio: ratios[i] };
  });
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
  return { reward: mean(samples.map((s) => s.reward)), kl: mean(samples.map((s) => s.logRatio)), samples };
}
