import * as tf from '@tensorflow/tfjs-core';
import { tokenLogProbs } from './token-logprobs';

/**
 * Summed log-probability of each row's completion tokens:
 *   logp[r] = Σ_t completionMask[r, t] · log softmax(logits[r, t])[labels[r, t]]
 * Prompt and padding positions have mask 0 and contribute nothing. The per-token log-probs come
 * from the fused log-softmax-and-gather op (token-logprobs.ts): no [N, T, V] log-softmax or
 * one-hot is materialised beside the logits, forward or backward.
 * @param logits [N, T, V]
 * @param labels [N, T] int32, the next token at each position
 * @param completionMask [N, T] float32
 * @returns [N]
 */
export function sequenceLogProbs(logits: tf.Tensor3D, labels: tf.Tensor2D, completionMask: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.mul(tokenLogProbs(logits, labels), completionMask), -1) as tf.Tensor1D);
}

/**
 * TRL's `logits/*` metric: the mean logit (over the vocabulary) at completion positions,
 * averaged over all completion positions of the given rows.
 * @param logits [N, T, V]
 * @param completionMask [N, T]
 * @returns scalar
 */
export function meanCompletionLogit(logits: tf.Tensor3D, completionMask: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => maskedMean(tf.mean(logits, -1) as tf.Tensor2D, completionMask));
}

/**
 * `logits/chosen` and `logits/rejected` from one pass over the logits: the vocabulary mean is
 * taken once over [2B, T, V] and only the [2B, T] result is split, so the halves of the
 * vocabulary-sized logits are never copied.
 * @param logits [2B, T, V], chosen rows first
 * @param completionMask [2B, T]
 * @returns [chosen, rejected] scalars
 */
export function meanCompletionLogitsByHalf(logits: tf.Tensor3D, completionMask: tf.Tensor2D): [tf.Scalar, tf.Scalar] {
  return tf.tidy(() => {
    const pairs = logits.shape[0] / 2;
    const [meanChosen, meanRejected] = tf.split(tf.mean(logits, -1), [pairs, pairs], 0) as [tf.Tensor2D, tf.Tensor2D];
    const [maskChosen, maskRejected] = tf.split(completionMask, [pairs, pairs], 0) as [tf.Tensor2D, tf.Tensor2D];
    return [maskedMean(meanChosen, maskChosen), maskedMean(meanRejected, maskRejected)];
  });
}

function maskedMean(perPosition: tf.Tensor2D, mask: tf.Tensor2D): tf.Scalar {
  return tf.div(tf.sum(tf.mul(perPosition, mask)), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
}

/**
 * LD-DPO (Liu et al. 2024, "Length Desensitization in Direct Preference Optimization") as
 * TRL v1.9.0 applies ld_alpha: a completion's tokens up to the shorter completion of its
 * pair count fully, the longer one's tail counts α times, for policy and reference alike.
 * The result replaces the completion mask in the summed log-probs.
 * @param completionMask [2B, T], chosen rows first
 * @param alpha in [0, 1]; 1 = plain sums, 0 = the tail masked out
 * @returns [2B, T] token weights (0 outside completions)
 */
export function lengthDesensitizedWeights(completionMask: tf.Tensor2D, alpha: number): tf.Tensor2D {
  return tf.tidy(() => {
    const pairs = completionMask.shape[0] / 2;
    const position = tf.cumsum(completionMask, 1); // 1, 2, … along each completion
    const [chosenLengths, rejectedLengths] = tf.split(tf.sum(completionMask, 1), [pairs, pairs], 0);
    const shared = tf.minimum(chosenLengths, rejectedLengths);
    const sharedBoth = tf.expandDims(tf.concat([shared, shared], 0), 1);
    const weight = tf.where(tf.lessEqual(position, sharedBoth), tf.onesLike(position), tf.fill(position.shape, alpha));
    return tf.mul(completionMask, weight) as tf.Tensor2D;
  });
}
