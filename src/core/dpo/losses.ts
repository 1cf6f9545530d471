import * as tf from '@tensorflow/tfjs-core';
import type { LossType } from '../train/settings';

/** Per-pair statistics every loss is built from; all [B]. */
export interface PairStats {
  policyChosen: tf.Tensor1D;
  policyRejected: tf.Tensor1D;
  /** Zeros in reference-free mode. */
  referenceChosen: tf.Tensor1D;
  referenceRejected: tf.Tensor1D;
  /** Completion tokens per row. */
  chosenLengths: tf.Tensor1D;
  rejectedLengths: tf.Tensor1D;
}

export interface LossOptions {
  beta: number;
  labelSmoothing: number;
  simpoGamma: number;
}

/** log σ(z) written as −softplus(−z): tf.logSigmoid's gradient crashes in TF.js 4.22. */
const logSigmoid = (z: tf.Tensor) => tf.neg(tf.softplus(tf.neg(z)));

/**
 * One loss term of DPO_SPEC.md's table, as a scalar (mean over pairs, except `sft`, which
 * is the token-mean NLL over all chosen completion tokens of the batch).
 */
export function preferenceLoss(type: LossType, s: PairStats, o: LossOptions): tf.Scalar {
  return tf.tidy(() => {
    const { beta, labelSmoothing: eps } = o;
    const chosenRatio = tf.sub(s.policyChosen, s.referenceChosen);
    const rejectedRatio = tf.sub(s.policyRejected, s.referenceRejected);
    const z = tf.mul(beta, tf.sub(chosenRatio, rejectedRatio));
    let perPair: tf.Tensor;
    switch (type) {
      case 'sigmoid': // paper Eq. 7; with ε > 0 the conservative cDPO
        // −log σ(z) = softplus(−z): plain DPO in two kernels, not the ε-weighted pair's nine.
        perPair =
          eps === 0 ? tf.softplus(tf.neg(z)) : tf.sub(tf.mul(-(1 - eps), logSigmoid(z)), tf.mul(eps, logSigmoid(tf.neg(z))));
        break;
      case 'robust':
        perPair = tf.div(tf.add(tf.mul(-(1 - eps), logSigmoid(z)), tf.mul(eps, logSigmoid(tf.neg(z)))), 1 - 2 * eps);
        break;
      case 'ipo': {
        // TRL averages log-probs per token for IPO.
        const h = tf.sub(tf.div(chosenRatio, s.chosenLengths), tf.div(rejectedRatio, s.rejectedLengths));
        perPair = tf.square(tf.sub(h, 1 / (2 * beta)));
        break;
      }
      case 'hinge':
        perPair = tf.relu(tf.sub(1, z));
        break;
      case 'sigmoid_norm':
        perPair = tf.neg(logSigmoid(tf.mul(beta, tf.sub(tf.div(chosenRatio, s.chosenLengths), tf.div(rejectedRatio, s.rejectedLengths)))));
        break;
      case 'apo_zero':
        perPair = tf.add(tf.sub(1, tf.sigmoid(tf.mul(beta, chosenRatio))), tf.sigmoid(tf.mul(beta, rejectedRatio)));
        break;
      case 'simpo': {
        const margin = tf.sub(tf.div(s.policyChosen, s.chosenLengths), tf.div(s.policyRejected, s.rejectedLengths));
        perPair = tf.neg(logSigmoid(tf.sub(tf.mul(beta, margin), o.simpoGamma)));
        break;
      }
      case 'sft':
        return tf.neg(tf.div(tf.sum(s.policyChosen), tf.sum(s.chosenLengths))) as tf.Scalar;
      default:
        // validateSettings refuses losses outside LOSS_TYPES before a run starts.
        throw new Error(`loss "${type}" is not implemented in this build`);
    }
    return tf.mean(perPair) as tf.Scalar;
  });
}

/**
 * Σ wᵢ · lossᵢ, TRL's loss_type list with loss_weights.
 * @param sftScale multiplies the token-mean `sft` term so that micro-batches average to the
 *   big batch's token mean (M · tokens in this micro-batch / tokens in the whole batch)
 */
export function combinedLoss(types: readonly LossType[], weights: readonly number[], s: PairStats, o: LossOptions, sftScale = 1): tf.Scalar {
  return tf.tidy(() => {
    const terms = types.map((t, i) => {
      const weight = weights[i] * (t === 'sft' ? sftScale : 1);
      const loss = preferenceLoss(t, s, o);
      return weight === 1 ? loss : tf.mul(weight, loss); // a kernel (and its gradient) saved per unit weight
    });
    return terms.reduce((a, b) => tf.add(a, b)) as tf.Scalar;
  });
}
