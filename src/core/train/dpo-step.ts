import * as tf from '@tensorflow/tfjs-core';
import { modelForward, type ModelConfig } from '../model/causal-lm';
import type { ForwardOptions, NamedWeights } from '../model/forward-options';
import { lengthDesensitizedWeights, meanCompletionLogit, meanCompletionLogitsByHalf, sequenceLogProbs } from '../dpo/logprobs';
import { combinedLoss, type LossOptions, type PairStats } from '../dpo/losses';
import { tokenLogProbs } from '../dpo/token-logprobs';
import { wpoPairWeights } from '../dpo/wpo-weights';
import type { DpoBatch } from '../dpo/batch';
import type { LossType } from './settings';

/** A batch on the device. DPO: chosen rows [0, B), rejected rows [B, 2B). SFT: B rows. */
export interface DeviceBatch {
  rows: number;
  inputIds: tf.Tensor2D;
  labels: tf.Tensor2D;
  completionMask: tf.Tensor2D;
  /**
   * How much each token counts in a row's summed log-prob, when not simply the completion
   * mask: LD-DPO's shared prefix + α·tail (a pair property, so DPO batches only).
   */
  logProbWeights?: tf.Tensor2D;
}

/** @param ldAlpha LD-DPO's α for a DPO batch ([chosen; rejected] rows); null or absent = plain sums */
export function uploadBatch(batch: DpoBatch, ldAlpha: number | null = null): DeviceBatch {
  const shape: [number, number] = [batch.rows, batch.length];
  const completionMask = tf.tensor2d(batch.completionMask, shape, 'float32');
  return {
    rows: batch.rows,
    inputIds: tf.tensor2d(batch.inputIds, shape, 'int32'),
    labels: tf.tensor2d(batch.labels, shape, 'int32'),
    completionMask,
    ...(ldAlpha === null ? {} : { logProbWeights: lengthDesensitizedWeights(completionMask, ldAlpha) }),
  };
}

/** Summed completion log-probs of every row under `weights` (LD-weighted when the batch says so): [rows]. */
export function batchLogProbs(
  weights: NamedWeights,
  config: ModelConfig,
  batch: DeviceBatch,
  mask: tf.Tensor2D,
  forward?: ForwardOptions,
): tf.Tensor1D {
  return tf.tidy(() =>
    sequenceLogProbs(modelForward(weights, config, batch.inputIds, mask, forward), batch.labels, batch.logProbWeights ?? batch.completionMask),
  );
}

export interface LossSettings extends LossOptions {
  lossTypes: readonly LossType[];
  lossWeights: readonly number[];
  /** WPO: weight each pair by its policy probabilities (TRL's use_weighting). */
  useWeighting?: boolean;
}

/**
 * Token-weighted quantities (the sft term, logits/*) are per-token means; to make M
 * micro-batches average to exactly the big batch's value each is scaled by
 * M · (completion tokens here) / (completion tokens in the whole batch). 1 without accumulation.
 */
export interface TokenScales {
  chosen: number;
  rejected: number;
}

const UNSCALED: TokenScales = { chosen: 1, rejected: 1 };

export interface StepForward {
  loss: tf.Scalar;
  /** FORWARD_METRIC_NAMES (all of METRIC_NAMES but grad_norm and learning_rate). */
  metrics: tf.Tensor1D;
  /**
   * Per metric, 1 when this batch defines it (KTO: a label's metrics need a row with that
   * label); micro-batches average over the batches that define a metric. Absent: all do.
   */
  presence?: Float32Array;
}

function halves<T extends tf.Tensor>(t: T, pairs: number): [T, T] {
  return tf.split(t, [pairs, pairs], 0) as [T, T];
}

/**
 * Policy forward over the concatenated [chosen; rejected] batch, the configured loss
 * against the given reference log-probs (zeros when reference-free), and TRL's metrics.
 * @param referenceLogProbs [2B]
 */
export function dpoForward(
  policy: NamedWeights,
  config: ModelConfig,
  batch: DeviceBatch,
  referenceLogProbs: tf.Tensor1D,
  mask: tf.Tensor2D,
  s: LossSettings,
  scales: TokenScales = UNSCALED,
  forward?: ForwardOptions,
): StepForward {
  const pairs = batch.rows / 2;
  const logits = modelForward(policy, config, batch.inputIds, mask, forward);
  const tokenLogps = tokenLogProbs(logits, batch.labels) as tf.Tensor2D;
  const policyLogProbs = tf.sum(tf.mul(tokenLogps, batch.logProbWeights ?? batch.completionMask), -1) as tf.Tensor1D;
  const lengths = tf.sum(batch.completionMask, 1) as tf.Tensor1D;
  const [policyChosen, policyRejected] = halves(policyLogProbs, pairs);
  const [referenceChosen, referenceRejected] = halves(referenceLogProbs, pairs);
  const [chosenLengths, rejectedLengths] = halves(lengths, pairs);
  const stats: PairStats = { policyChosen, policyRejected, referenceChosen, referenceRejected, chosenLengths, rejectedLengths };
  // TRL's sft term is plain cross-entropy, whatever ld_alpha does to the sums.
  if (batch.logProbWeights && s.lossTypes.includes('sft'))
    stats.sftChosen = halves(tf.sum(tf.mul(tokenLogps, batch.completionMask), -1) as tf.Tensor1D, pairs)[0];
  if (s.useWeighting) stats.pairWeights = wpoPairWeights(logits, tokenLogps, batch.completionMask);
  const loss = combinedLoss(s.lossTypes, s.lossWeights, stats, s, scales.chosen);
  const chosenRewards = tf.mul(s.beta, tf.sub(policyChosen, referenceChosen));
  const rejectedRewards = tf.mul(s.beta, tf.sub(policyRejected, referenceRejected));
  const [logitsChosen, logitsRejected] = meanCompletionLogitsByHalf(logits, batch.completionMask);
  const metrics = tf.stack([
    loss,
    tf.mean(chosenRewards),
    tf.mean(rejectedRewards),
    tf.mean(tf.sub(chosenRewards, rejectedRewards)),
    tf.mean(tf.cast(tf.greater(chosenRewards, rejectedRewards), 'float32')),
    tf.mean(policyChosen),
    tf.mean(policyRejected),
    tf.mul(logitsChosen, scales.chosen),
    tf.mul(logitsRejected, scales.rejected),
    tf.scalar(NaN), // kl: KTO's
  ]) as tf.Tensor1D;
  return { loss, metrics };
}

/**
 * SFT ("Preferred-FT"): token-mean next-token NLL over the completion tokens of B rows of
 * prompt + chosen. Metrics that only DPO defines are NaN (logged as null).
 */
export function sftForward(
  policy: NamedWeights,
  config: ModelConfig,
  batch: DeviceBatch,
  mask: tf.Tensor2D,
  scales: TokenScales = UNSCALED,
  forward?: ForwardOptions,
): StepForward {
  const logits = modelForward(policy, config, batch.inputIds, mask, forward);
  const logps = sequenceLogProbs(logits, batch.labels, batch.completionMask);
  const loss = tf.mul(scales.chosen, tf.neg(tf.div(tf.sum(logps), tf.maximum(tf.sum(batch.completionMask), 1)))) as tf.Scalar;
  const nan = tf.scalar(NaN);
  const logitMean = tf.mul(meanCompletionLogit(logits, batch.completionMask), scales.chosen);
  const metrics = tf.stack([loss, nan, nan, nan, nan, tf.mean(logps), nan, logitMean, nan, nan]) as tf.Tensor1D;
  return { loss, metrics };
}
