/**
 * KTO's loss and TRL's KTO metrics (v1.9.0 KTOTrainer, loss_type "kto"), from one policy
 * forward over the B rows. With ρᵢ = log π(yᵢ|xᵢ) − log π_ref(yᵢ|xᵢ) and
 *   z₀ = max(0, mean over the KL rows of log π(y'|x) − log π_ref(y'|x))   (no gradient)
 * a desirable row's loss is 1 − σ(β(ρ − z₀)), an undesirable row's 1 − σ(β(z₀ − ρ)), weighted by
 * desirable_weight / undesirable_weight, and the batch loss is their mean over all B rows.
 */
import * as tf from '@tensorflow/tfjs-core';
import { modelForward, type ModelConfig } from '../model/causal-lm';
import type { ForwardOptions, NamedWeights } from '../model/forward-options';
import { sequenceLogProbs } from '../dpo/logprobs';
import { uploadBatch, type DeviceBatch, type StepForward } from '../train/dpo-step';
import { FORWARD_METRIC_NAMES, type ForwardMetricName } from '../train/metric-names';
import type { KtoBatch } from './kto-batch';

export interface KtoLossSettings {
  beta: number;
  desirableWeight: number;
  undesirableWeight: number;
}

export interface KtoDeviceBatch {
  rows: DeviceBatch;
  kl: DeviceBatch;
  /** Host labels, 1 = desirable: which metrics exist in this batch is known without a read-back. */
  labels: Float32Array;
}

export function uploadKtoBatch(batch: KtoBatch): KtoDeviceBatch {
  return { rows: uploadBatch(batch.rows), kl: uploadBatch(batch.kl), labels: batch.labels };
}

/** The per-row log-prob statistics the loss is built from, all [B]. */
export interface KtoStats {
  policy: tf.Tensor1D;
  reference: tf.Tensor1D;
  /** The KL rows under the policy, computed outside the gradient tape (TRL: torch.no_grad). */
  klPolicy: tf.Tensor1D;
  klReference: tf.Tensor1D;
  labels: Float32Array;
}

/** z₀: the clamped batch-mean log-ratio of the KL rows; a scalar. */
export function ktoKl(klPolicy: tf.Tensor1D, klReference: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => tf.maximum(tf.mean(tf.sub(klPolicy, klReference)), 0) as tf.Scalar);
}

/** The KTO loss (a scalar) and z₀. */
export function ktoLoss(stats: KtoStats, s: KtoLossSettings): { loss: tf.Scalar; kl: tf.Scalar } {
  const kl = ktoKl(stats.klPolicy, stats.klReference);
  const loss = tf.tidy(() => {
    const ratio = tf.sub(stats.policy, stats.reference);
    // σ(β(ρ − z₀)) for desirable rows, σ(β(z₀ − ρ)) for undesirable ones: one sign per row.
    const sign = tf.tensor1d(Array.from(stats.labels, (l) => (l ? 1 : -1)));
    const weight = tf.tensor1d(Array.from(stats.labels, (l) => (l ? s.desirableWeight : s.undesirableWeight)));
    const perRow = tf.sub(1, tf.sigmoid(tf.mul(s.beta, tf.mul(sign, tf.sub(ratio, kl)))));
    return tf.mean(tf.mul(weight, perRow)) as tf.Scalar;
  });
  return { loss, kl };
}

/**
 * Policy forward over the rows, the loss, and the metric vector in FORWARD_METRIC_NAMES order.
 * TRL logs a label's metrics only for batches that hold that label, and averages what was
 * logged: absent ones are 0 here with `presence` 0, and the trainer divides summed metrics by
 * summed presence (0/0 = NaN, logged as null, for a single batch without that label).
 * `rewards/accuracies` is not a KTO metric (NaN).
 */
export function ktoForward(
  policy: NamedWeights,
  config: ModelConfig,
  batch: KtoDeviceBatch,
  reference: tf.Tensor1D,
  klPolicy: tf.Tensor1D,
  klReference: tf.Tensor1D,
  mask: tf.Tensor2D,
  s: KtoLossSettings,
  forward?: ForwardOptions,
): StepForward {
  const logits = modelForward(policy, config, batch.rows.inputIds, mask, forward);
  const logps = sequenceLogProbs(logits, batch.rows.labels, batch.rows.completionMask);
  const { loss, kl } = ktoLoss({ policy: logps, reference, klPolicy, klReference, labels: batch.labels }, s);
  const chosen = tf.tensor1d(batch.labels);
  const rejected = tf.sub(1, chosen);
  const chosenCount = batch.labels.reduce((a, l) => a + l, 0);
  const rejectedCount = batch.labels.length - chosenCount;
  const meanOver = (values: tf.Tensor1D, which: tf.Tensor, count: number) => (count > 0 ? tf.div(tf.sum(tf.mul(values, which)), count) : tf.scalar(0));
  const rewards = tf.mul(s.beta, tf.sub(logps, reference)) as tf.Tensor1D;
  const rewardsChosen = meanOver(rewards, chosen, chosenCount);
  const rewardsRejected = meanOver(rewards, rejected, rejectedCount);
  // TRL's logits/*: the vocabulary-mean logit, averaged over that label's completion tokens.
  const positionMeans = tf.mul(tf.mean(logits, -1), batch.rows.completionMask);
  const rowLogitSums = tf.sum(positionMeans, 1) as tf.Tensor1D;
  const rowTokens = tf.sum(batch.rows.completionMask, 1) as tf.Tensor1D;
  const logitMean = (which: tf.Tensor) => tf.div(tf.sum(tf.mul(rowLogitSums, which)), tf.maximum(tf.sum(tf.mul(rowTokens, which)), 1));
  const both = chosenCount > 0 && rejectedCount > 0;
  const values: Record<ForwardMetricName, tf.Scalar | tf.Tensor> = {
    loss,
    'rewards/chosen': rewardsChosen,
    'rewards/rejected': rewardsRejected,
    'rewards/margins': both ? tf.sub(rewardsChosen, rewardsRejected) : tf.scalar(0),
    'rewards/accuracies': tf.scalar(NaN),
    'logps/chosen': meanOver(logps, chosen, chosenCount),
    'logps/rejected': meanOver(logps, rejected, rejectedCount),
    'logits/chosen': chosenCount > 0 ? logitMean(chosen) : tf.scalar(0),
    'logits/rejected': rejectedCount > 0 ? logitMean(rejected) : tf.scalar(0),
    kl,
  };
  const present: Record<ForwardMetricName, boolean> = {
    loss: true,
    'rewards/chosen': chosenCount > 0,
    'rewards/rejected': rejectedCount > 0,
    'rewards/margins': both,
    'rewards/accuracies': true,
    'logps/chosen': chosenCount > 0,
    'logps/rejected': rejectedCount > 0,
    'logits/chosen': chosenCount > 0,
    'logits/rejected': rejectedCount > 0,
    kl: true,
  };
  return {
    loss,
    metrics: tf.stack(FORWARD_METRIC_NAMES.map((name) => values[name])) as tf.Tensor1D,
    presence: Float32Array.from(FORWARD_METRIC_NAMES, (name) => (present[name] ? 1 : 0)),
  };
}
