import * as tf from '@tensorflow/tfjs-core';

export interface PairLogProbs {
  /** Summed completion log-probs, each [B]. */
  policyChosen: tf.Tensor1D;
  policyRejected: tf.Tensor1D;
  referenceChosen: tf.Tensor1D;
  referenceRejected: tf.Tensor1D;
}

export interface DpoLossOutput {
  /** scalar, mean over pairs */
  loss: tf.Scalar;
  /** β·(logπ(y_w) − logπ_ref(y_w)), [B] */
  chosenRewards: tf.Tensor1D;
  /** β·(logπ(y_l) − logπ_ref(y_l)), [B] */
  rejectedRewards: tf.Tensor1D;
}

/**
 * The sigmoid DPO loss (paper Eq. 7): mean over pairs of −log σ(β·h) with
 * h = (logπ(y_w) − logπ_ref(y_w)) − (logπ(y_l) − logπ_ref(y_l)).
 * −log σ(z) is written softplus(−z): tf.logSigmoid's gradient crashes in TF.js 4.22.
 */
export function sigmoidDpoLoss(logps: PairLogProbs, beta: number): DpoLossOutput {
  const chosenRatio = tf.sub(logps.policyChosen, logps.referenceChosen);
  const rejectedRatio = tf.sub(logps.policyRejected, logps.referenceRejected);
  const logits = tf.mul(beta, tf.sub(chosenRatio, rejectedRatio));
  const loss = tf.mean(tf.softplus(tf.neg(logits))) as tf.Scalar;
  return {
    loss,
    chosenRewards: tf.mul(beta, chosenRatio) as tf.Tensor1D,
    rejectedRewards: tf.mul(beta, rejectedRatio) as tf.Tensor1D,
  };
}
