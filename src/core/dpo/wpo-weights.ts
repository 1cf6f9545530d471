/**
 * WPO (Zhou et al. 2024, "WPO: Enhancing RLHF with Weighted Preference Optimization", Eq. 2)
 * as TRL v1.9.0 computes it: each pair's loss is multiplied by w_w·w_l, where
 *   w = exp( mean over completion tokens of [ log p(y_t) − log Σ_v p(v)² ] )
 * with p the policy's next-token distribution. Subtracting log Σ p² aligns a token's
 * probability with how peaked the distribution is, so confident but ordinary tokens do not
 * dominate. The weights are constants to autodiff (TRL computes them under no_grad).
 *
 * Memory: log Σ_v p² needs the whole vocabulary at each position. It is computed one row at
 * a time, so a step holds at most a few [T, V] temporaries beside the logits rather than
 * extra [rows, T, V] tensors (memory-estimate.ts counts them), and it works on every backend
 * whichever token log-prob path (fused kernel or portable ops) produced `tokenLogProbs`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { withoutGradient } from './no-gradient';

/**
 * log Σ_v softmax(x)_v² for each row of x, = logsumexp(2x) − 2·logsumexp(x) with the max
 * shift cancelling: log Σ e^{2(x−m)} − 2·log Σ e^{x−m}. Disposes as it goes: two [T, V] alive.
 * @param rowLogits [T, V]
 * @returns [T]
 */
function logSumSquaredProbabilities(rowLogits: tf.Tensor2D): tf.Tensor1D {
  const max = tf.max(rowLogits, -1, true);
  const shifted = tf.sub(rowLogits, max);
  max.dispose();
  const exp = tf.exp(shifted);
  shifted.dispose();
  const sum = tf.sum(exp, -1);
  const squared = tf.square(exp);
  exp.dispose();
  const sumSquared = tf.sum(squared, -1);
  squared.dispose();
  const out = tf.tidy(() => tf.sub(tf.log(sumSquared), tf.mul(2, tf.log(sum))) as tf.Tensor1D);
  tf.dispose([sum, sumSquared]);
  return out;
}

/**
 * WPO's per-pair weights w_w·w_l, without a gradient.
 * @param logits [2B, T, V], chosen rows first
 * @param tokenLogProbs [2B, T] log p(label) at every position
 * @param completionMask [2B, T]
 * @returns [B]
 */
export function wpoPairWeights(logits: tf.Tensor3D, tokenLogProbs: tf.Tensor2D, completionMask: tf.Tensor2D): tf.Tensor1D {
  return withoutGradient(() => {
    const [rows, length, vocab] = logits.shape;
    const perRow: tf.Tensor1D[] = [];
    for (let r = 0; r < rows; r++) {
      const row = tf.reshape(tf.slice(logits, [r, 0, 0], [1, length, vocab]), [length, vocab]) as tf.Tensor2D;
      perRow.push(logSumSquaredProbabilities(row));
      row.dispose();
    }
    const logDenominator = tf.stack(perRow) as tf.Tensor2D;
    const aligned = tf.mul(tf.sub(tokenLogProbs, logDenominator), completionMask);
    const lengths = tf.maximum(tf.sum(completionMask, 1), 1);
    const weights = tf.exp(tf.div(tf.sum(aligned, 1), lengths));
    const [chosen, rejected] = tf.split(weights, 2, 0);
    return tf.mul(chosen, rejected) as tf.Tensor1D;
  });
}
