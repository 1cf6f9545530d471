/**
 * AOT (Melnyk et al. 2024, "Distributional Preference Alignment of LLMs via Optimal
 * Transport"): instead of comparing each pair with itself, the batch's sorted quantiles are
 * compared, which enforces first-order stochastic dominance of chosen over rejected. The
 * loss therefore couples the rows of a batch: it is not a sum of per-pair terms, and per-pair
 * weights (WPO) cannot be applied to it (validation refuses that combination, as TRL does).
 */
import * as tf from '@tensorflow/tfjs-core';
import { logSigmoid } from './f-divergence';
import { withoutGradient } from './no-gradient';

/**
 * x sorted ascending along the batch, differentiable: the permutation is found without a
 * gradient (TF.js's TopK has none) and applied with a gather, which routes each sorted
 * entry's gradient back to the row it came from, as torch.sort's backward does.
 * @param x [B]
 * @returns [B]
 */
export function sortedAscending(x: tf.Tensor1D): tf.Tensor1D {
  return tf.tidy(() => {
    const order = withoutGradient(() => tf.topk(tf.neg(x), x.size, true).indices);
    return tf.gather(x, order) as tf.Tensor1D;
  });
}

/** −(1 − ε)·log σ(β·δ) − ε·log σ(−β·δ) on sorted differences δ: [B]. */
function smoothedLogistic(delta: tf.Tensor1D, beta: number, eps: number): tf.Tensor1D {
  const z = tf.mul(beta, delta);
  return tf.sub(tf.mul(-(1 - eps), logSigmoid(z)), tf.mul(eps, logSigmoid(tf.neg(z)))) as tf.Tensor1D;
}

/**
 * Paired AOT (TRL's `aot`): sort the policy's log-ratios log π_θ(y_w) − log π_θ(y_l) and the
 * reference's likewise, and compare them quantile by quantile.
 * @returns per-quantile losses [B] (their mean is the loss)
 */
export function aotLoss(
  policyChosen: tf.Tensor1D,
  policyRejected: tf.Tensor1D,
  referenceChosen: tf.Tensor1D,
  referenceRejected: tf.Tensor1D,
  beta: number,
  eps: number,
): tf.Tensor1D {
  return tf.tidy(() => {
    const policyMargins = sortedAscending(tf.sub(policyChosen, policyRejected) as tf.Tensor1D);
    const referenceMargins = sortedAscending(tf.sub(referenceChosen, referenceRejected) as tf.Tensor1D);
    return smoothedLogistic(tf.sub(policyMargins, referenceMargins) as tf.Tensor1D, beta, eps);
  });
}

/**
 * Unpaired AOT (TRL's `aot_unpaired`): the chosen log-ratios ρ_w and the rejected ρ_l are
 * sorted separately, so chosen and rejected need not come from the same prompt.
 * @returns per-quantile losses [B]
 */
export function aotUnpairedLoss(chosenRatio: tf.Tensor1D, rejectedRatio: tf.Tensor1D, beta: number, eps: number): tf.Tensor1D {
  return tf.tidy(() => smoothedLogistic(tf.sub(sortedAscending(chosenRatio), sortedAscending(rejectedRatio)) as tf.Tensor1D, beta, eps));
}
