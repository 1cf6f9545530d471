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
  return tf.tidy(() => {
    const perPosition = tf.mean(logits, -1); // [N, T]
    return tf.div(tf.sum(tf.mul(perPosition, completionMask)), tf.maximum(tf.sum(completionMask), 1)) as tf.Scalar;
  });
}
