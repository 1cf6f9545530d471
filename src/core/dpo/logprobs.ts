import * as tf from '@tensorflow/tfjs-core';

/**
 * Summed log-probability of each row's completion tokens:
 *   logp[r] = Σ_t completionMask[r, t] · log softmax(logits[r, t])[labels[r, t]]
 * Prompt and padding positions have mask 0 and contribute nothing.
 * @param logits [N, T, V]
 * @param labels [N, T] int32, the next token at each position
 * @param completionMask [N, T] float32
 * @returns [N]
 */
export function sequenceLogProbs(logits: tf.Tensor3D, labels: tf.Tensor2D, completionMask: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const vocab = logits.shape[2];
    const logProbs = tf.logSoftmax(logits);
    // oneHot in int32 then cast: TF.js 4.22's wasm OneHot writes int bits into a float32
    // output (1 reads as 1.4e-45), which silently zeroed every log-prob on wasm.
    const picked = tf.sum(tf.mul(logProbs, tf.cast(tf.oneHot(labels, vocab), 'float32')), -1); // [N, T]
    return tf.sum(tf.mul(picked, completionMask), -1) as tf.Tensor1D;
  });
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
