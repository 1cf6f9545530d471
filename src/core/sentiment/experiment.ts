import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from '../model/config';
import { initGptWeights, uploadWeights, type HostWeights } from '../model/gpt-weights';
import { SeededRandom } from '../random';
import { Trainer } from '../train/trainer';
import type { Divergence } from '../train/divergence';
import { runTraining } from '../train/training-run';
import { DEFAULT_SETTINGS, SettingsError, type DpoSettings } from '../train/settings';
import type { Review } from './corpus';
import type { SentimentSettings } from './sentiment-settings';
import { SENTIMENT_MAX_PROMPT, SENTIMENT_SFT_SETTINGS } from './demo-model';
import { samplePreferencePairs, type LabelledPair } from './pairs';
import { evaluatePolicy, type ScoredSample } from './scoring';

export interface FrontierPoint {
  step: number;
  reward: number;
  kl: number;
  /** Held-out pairs whose implicit reward orders them as the ground truth does (TRL's eval_rewards/accuracies). */
  accuracy: number;
}

export interface SentimentRun {
  beta: number;
  points: FrontierPoint[];
  diverged: Divergence | null;
}

export interface SentimentHooks {
  /** The SFT model's own evaluation (the frontier's starting point), before pairs are made. */
  onSft?: (reward: number, samples: ScoredSample[]) => void;
  onPairsProgress?: (done: number, total: number) => void;
  /** Each run's metric rows as read back (steps × METRIC_COUNT values, first step given). */
  onMetrics?: (beta: number, firstStep: number, values: Float32Array) => void;
  onPoint?: (beta: number, point: FrontierPoint, samples: ScoredSample[]) => void;
  onPairs?: (pairs: SentimentResult['pairs']) => void;
  onRunDone?: (run: SentimentRun) => void;
  /** Checked between steps; a stop ends the sweep after the current step. */
  shouldStop?: () => boolean;
  /** Before each DPO step: a promise holds the run there until it resolves (end-to-end tests). */
  holdBeforeStep?: (nextStep: number) => Promise<void> | null;
}

export interface SentimentResult {
  sft: { reward: number; samples: ScoredSample[] };
  pairs: {
    count: number;
    ties: number;
    heldOut: number;
    chosenReward: number;
    rejectedReward: number;
    /** Rewards of the chosen and the rejected completions in 10 bins over [0, 1]. */
    chosenHistogram: number[];
    rejectedHistogram: number[];
  };
  runs: SentimentRun[];
  stopped: boolean;
}

/** Metric read-backs happen this often (and at every evaluation). */
const FLUSH_EVERY = 10;

/** One β's DPO run; its evaluations (at step 0, every evalEvery steps and at the end) are the frontier's points. */
function dpoSettings(s: SentimentSettings, beta: number, config: GptConfig): DpoSettings {
  return {
    ...DEFAULT_SETTINGS,
    stage: 'dpo',
    beta,
    learningRate: s.learningRate,
    batchSize: s.batchSize,
    maxLength: config.nPositions,
    maxPromptLength: SENTIMENT_MAX_PROMPT,
    steps: s.steps,
    seed: s.seed,
    evalFraction: 0,
    evalEvery: s.evalEvery > 0 ? s.evalEvery : s.steps,
    sampleEvery: 0,
  };
}

/** Counts of values in [0, 1] over `bins` equal bins (1 falls in the last). */
export function histogram(values: readonly number[], bins = 10): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) counts[Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))]++;
  return counts;
}

/** `count` prompts drawn with replacement from `from`, seeded. */
function drawPrompts(from: readonly string[], count: number, seed: number): string[] {
  const rng = new SeededRandom(seed);
  return Array.from({ length: count }, () => from[rng.int(from.length)]);
}

/**
 * Stages 2-3 of the demo: pairs from the SFT model labelled by the ground-truth reward,
 * then one DPO run per β against the SFT model, evaluated on held-out prompts.
 */
export async function runSentimentExperiment(
  config: GptConfig,
  sft: HostWeights,
  prompts: { train: string[]; heldOut: string[] },
  s: SentimentSettings,
  hooks: SentimentHooks = {},
): Promise<SentimentResult> {
  const sftDevice = uploadWeights(sft);
  try {
    const evalPrompts = drawPrompts(prompts.heldOut, s.evalPrompts, s.seed + 1);
    const sftEval = await evaluatePolicy(sftDevice, null, config, evalPrompts, s.samplesPerPrompt, s.seed);
    hooks.onSft?.(sftEval.reward, sftEval.samples);
    const total = s.pairPrompts + s.heldOutPairPrompts;
    const train = await samplePreferencePairs(
      sftDevice,
      config,
      drawPrompts(prompts.train, s.pairPrompts, s.seed + 2),
      s.seed + 3,
      (done) => hooks.onPairsProgress?.(done, total),
      hooks.shouldStop,
    );
    const heldOut = await samplePreferencePairs(
      sftDevice,
      config,
      drawPrompts(prompts.heldOut, s.heldOutPairPrompts, s.seed + 4),
      s.seed + 5,
      (done) => hooks.onPairsProgress?.(s.pairPrompts + done, total),
      hooks.shouldStop,
    );
    const stoppedEarly = hooks.shouldStop?.() ?? false;
    if (train.pairs.length < s.batchSize && !stoppedEarly) {
      throw new SettingsError(
        'pairPrompts',
        `only ${train.pairs.length} of ${s.pairPrompts} prompts gave a preference (the other ${train.ties} tied: both samples scored the same), fewer than a batch of ${s.batchSize}; use more prompts for pairs or a better-trained SFT model`,
      );
    }
    const mean = (pairs: LabelledPair[], key: 'chosenReward' | 'rejectedReward') =>
      pairs.reduce((a, p) => a + p[key], 0) / Math.max(pairs.length, 1);
    const result: SentimentResult = {
      sft: { reward: sftEval.reward, samples: sftEval.samples },
      pairs: {
        count: train.pairs.length,
        ties: train.ties,
        heldOut: heldOut.pairs.length,
        chosenReward: mean(train.pairs, 'chosenReward'),
        rejectedReward: mean(train.pairs, 'rejectedReward'),
        chosenHistogram: histogram(train.pairs.map((p) => p.chosenReward)),
        rejectedHistogram: histogram(train.pairs.map((p) => p.rejectedReward)),
      },
      runs: [],
      stopped: false,
    };
    hooks.onPairs?.(result.pairs);
    if (stoppedEarly) return { ...result, stopped: true };
    for (const beta of s.betas) {
      if (hooks.shouldStop?.()) break;
      const run = await runOneBeta(config, sft, train.pairs, heldOut.pairs, evalPrompts, s, beta, sftEval.reward, hooks);
      result.runs.push(run);
      hooks.onRunDone?.(run);
      if (hooks.shouldStop?.()) break;
    }
    result.stopped = hooks.shouldStop?.() ?? false;
    return result;
  } finally {
    tf.dispose(Object.values(sftDevice));
  }
}

async function runOneBeta(
  config: GptConfig,
  sft: HostWeights,
  train: LabelledPair[],
  heldOut: LabelledPair[],
  evalPrompts: string[],
  s: SentimentSettings,
  beta: number,
  sftReward: number,
  hooks: SentimentHooks,
): Promise<SentimentRun> {
  const trainer = new Trainer(config, sft, dpoSettings(s, beta, config));
  const run: SentimentRun = { beta, points: [], diverged: null };
  try {
    trainer.setData({ train, eval: heldOut });
    const outcome = await runTraining(
      trainer,
      {
        metrics: ({ steps, values }) => hooks.onMetrics?.(beta, steps[0], values),
        // Each evaluation is a frontier point: the policy's reward and KL on held-out prompts
        // (the SFT model itself at step 0) and the held-out pairs' accuracy.
        evaluation: async (step, metrics) => {
          const accuracy = metrics?.['rewards/accuracies'] ?? NaN;
          const evaluation =
            step === 0
              ? { reward: sftReward, kl: 0, samples: [] }
              : await evaluatePolicy(trainer.policy, trainer.reference!.weights, config, evalPrompts, s.samplesPerPrompt, s.seed);
          const point = { step, reward: evaluation.reward, kl: evaluation.kl, accuracy };
          run.points.push(point);
          hooks.onPoint?.(beta, point, evaluation.samples);
        },
        shouldStop: (nextStep) => {
          if (hooks.shouldStop?.()) return true;
          const held = hooks.holdBeforeStep?.(nextStep);
          return held ? held.then(() => hooks.shouldStop?.() ?? false) : (hooks.shouldStop?.() ?? false);
        },
      },
      { flush: { everySteps: FLUSH_EVERY } },
    );
    run.diverged = outcome.diverged;
    return run;
  } finally {
    trainer.dispose();
  }
}

export interface SftHooks {
  onMetrics?: (firstStep: number, values: Float32Array) => void;
  shouldStop?: () => boolean;
}

/** Stage 1: the model learns the review corpus from a seeded random start. */
export async function trainSentimentSft(
  config: GptConfig,
  reviews: readonly Review[],
  settings: DpoSettings = SENTIMENT_SFT_SETTINGS,
  hooks: SftHooks = {},
): Promise<{ weights: HostWeights; step: number }> {
  const trainer = new Trainer(config, initGptWeights(config, new SeededRandom(settings.seed)), settings);
  try {
    trainer.setData({ train: reviews.map((r) => ({ prompt: r.prompt, chosen: r.completion, rejected: r.completion })), eval: [] });
    await runTraining(
      trainer,
      { metrics: ({ steps, values }) => hooks.onMetrics?.(steps[0], values), shouldStop: hooks.shouldStop },
      { flush: { everySteps: FLUSH_EVERY } },
    );
    return { weights: await trainer.hostWeights(), step: trainer.step };
  } finally {
    trainer.dispose();
  }
}
