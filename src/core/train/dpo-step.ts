import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from '../model/config';
import { gptForward, type NamedWeights } from '../model/gpt';
import { meanCompletionLogit, sequenceLogProbs } from '../dpo/logprobs';
import { sigmoidDpoLoss } from '../dpo/loss';
import type { DpoBatch } from '../dpo/batch';

/** A DPO batch on the device: chosen rows [0, B), rejected rows [B, 2B). */
export interface DeviceBatch {
  pairs: number;
  inputIds: tf.Tensor2D;
  labels: tf.Tensor2D;
  completionMask: tf.Tensor2D;
}

export function uploadBatch(batch: DpoBatch): DeviceBatch {
  const shape: [number, number] = [batch.rows, batch.length];
  return {
    pairs: batch.rows / 2,
    inputIds: tf.tensor2d(batch.inputIds, shape, 'int32'),
    labels: tf.tensor2d(batch.labels, shape, 'int32'),
    completionMask: tf.tensor2d(batch.completionMask, shape, 'float32'),
  };
}

/** Summed completion log-probs of every row under `weights`: [2B]. */
export function batchLogProbs(weights: NamedWeights, config: GptConfig, batch: DeviceBatch, mask: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => sequenceLogProbs(gptForward(weights, config, batch.inputIds, mask), batch.labels, batch.completionMask));
}

function halves(t: tf.Tensor, pairs: number): [tf.Tensor, tf.Tensor] {
  const [first, second] = tf.split(t, [pairs, pairs], 0);
  return [first, second];
}

export interface DpoForward {
  loss: tf.Scalar;
  /** The first nine metrics of METRIC_NAMES (all but grad_norm and learning_rate): [9]. */
  metrics: tf.Tensor1D;
  /** Policy log-probs per row, [2B]. */
  policyLogProbs: tf.Tensor1D;
}

/**
 * Policy forward over the concatenated [chosen; rejected] batch, the sigmoid DPO loss
 * against precomputed reference log-probs, and TRL's metrics (detached by the caller's
 * choice of which output to differentiate).
 * @param referenceLogProbs [2B]
 */
export function dpoForward(
  policy: NamedWeights,
  config: GptConfig,
  batch: DeviceBatch,
  referenceLogProbs: tf.Tensor1D,
  mask: tf.Tensor2D,
  beta: number,
): DpoForward {
  const logits = gptForward(policy, config, batch.inputIds, mask);
  const policyLogProbs = sequenceLogProbs(logits, batch.labels, batch.completionMask);
  const [policyChosen, policyRejected] = halves(policyLogProbs, batch.pairs);
  const [referenceChosen, referenceRejected] = halves(referenceLogProbs, batch.pairs);
  const out = sigmoidDpoLoss(
    {
      policyChosen: policyChosen as tf.Tensor1D,
      policyRejected: policyRejected as tf.Tensor1D,
      referenceChosen: referenceChosen as tf.Tensor1D,
      referenceRejected: referenceRejected as tf.Tensor1D,
    },
    beta,
  );
  const [logitsChosen, logitsRejected] = halves(logits, batch.pairs) as [tf.Tensor3D, tf.Tensor3D];
  const [maskChosen, maskRejected] = halves(batch.completionMask, batch.pairs) as [tf.Tensor2D, tf.Tensor2D];
  const metrics = tf.stack([
    out.loss,
    tf.mean(out.chosenRewards),
    tf.mean(out.rejectedRewards),
    tf.mean(tf.sub(out.chosenRewards, out.rejectedRewards)),
    tf.mean(tf.cast(tf.greater(out.chosenRewards, out.rejectedRewards), 'float32')),
    tf.mean(policyChosen),
    tf.mean(policyRejected),
    meanCompletionLogit(logitsChosen, maskChosen),
    meanCompletionLogit(logitsRejected, maskRejected),
  ]) as tf.Tensor1D;
  return { loss: out.loss, metrics, policyLogProbs };
}
