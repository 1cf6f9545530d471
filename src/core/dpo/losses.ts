/**
 * The loss of a DPO step: TRL v1.9.0's loss_type list summed with loss_weights, on scores
 * from the chosen f-divergence, each term optionally weighted per pair (WPO). The per-pair
 * formulas are in pair-losses.ts, the batch-sorting AOT pair in sorted-losses.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { FDivergenceType, LossType } from '../train/settings';
import { divergenceScore } from './f-divergence';
import { pairLoss, type PairLossType, type PairTerms } from './pair-losses';
import { aotLoss, aotUnpairedLoss } from './sorted-losses';

/** Per-pair statistics every loss is built from; all [B]. */
export interface PairStats {
  /** Summed completion log-probs (with LD-DPO, shared prefix + α·tail). */
  policyChosen: tf.Tensor1D;
  policyRejected: tf.Tensor1D;
  /** Zeros in reference-free mode. */
  referenceChosen: tf.Tensor1D;
  referenceRejected: tf.Tensor1D;
  /** Completion tokens per row. */
  chosenLengths: tf.Tensor1D;
  rejectedLengths: tf.Tensor1D;
  /**
   * The chosen completions' plain summed log-probs, for the sft term (TRL's cross-entropy
   * ignores ld_alpha); policyChosen when absent.
   */
  sftChosen?: tf.Tensor1D;
  /** WPO: w_w·w_l per pair, a constant to autodiff; absent = unweighted. */
  pairWeights?: tf.Tensor1D;
}

export interface LossOptions {
  beta: number;
  labelSmoothing: number;
  simpoGamma: number;
  /** TRL's defaults when absent: 0.05, reverse_kl, 0.5. */
  discopopTau?: number;
  fDivergenceType?: FDivergenceType;
  fAlphaDivergenceCoef?: number;
}

/**
 * One loss term of DPO_SPEC.md's table, as a scalar: the mean over pairs (of the WPO-weighted
 * per-pair losses when `s.pairWeights` is set). `sft` is the token-mean NLL over all chosen
 * completion tokens of the batch (times the mean pair weight under WPO, as TRL expands it).
 */
export function preferenceLoss(type: LossType, s: PairStats, o: LossOptions): tf.Scalar {
  return tf.tidy(() => {
    const weighted = (perPair: tf.Tensor) => tf.mean(s.pairWeights ? tf.mul(perPair, s.pairWeights) : perPair) as tf.Scalar;
    const chosenRatio = tf.sub(s.policyChosen, s.referenceChosen) as tf.Tensor1D;
    const rejectedRatio = tf.sub(s.policyRejected, s.referenceRejected) as tf.Tensor1D;
    const eps = o.labelSmoothing;
    switch (type) {
      case 'sft': {
        const nll = tf.neg(tf.div(tf.sum(s.sftChosen ?? s.policyChosen), tf.sum(s.chosenLengths)));
        return s.pairWeights ? (tf.mul(nll, tf.mean(s.pairWeights)) as tf.Scalar) : (nll as tf.Scalar);
      }
      case 'aot':
        return tf.mean(aotLoss(s.policyChosen, s.policyRejected, s.referenceChosen, s.referenceRejected, o.beta, eps)) as tf.Scalar;
      case 'aot_unpaired':
        return tf.mean(aotUnpairedLoss(chosenRatio, rejectedRatio, o.beta, eps)) as tf.Scalar;
    }
    const divergence = o.fDivergenceType ?? 'reverse_kl';
    const alpha = o.fAlphaDivergenceCoef ?? 0.5;
    const terms: PairTerms = {
      chosenRatio,
      rejectedRatio,
      chosenScore: divergenceScore(chosenRatio, divergence, alpha),
      rejectedScore: divergenceScore(rejectedRatio, divergence, alpha),
      policyChosen: s.policyChosen,
      policyRejected: s.policyRejected,
      chosenLengths: s.chosenLengths,
      rejectedLengths: s.rejectedLengths,
    };
    return weighted(pairLoss(type as PairLossType, terms, { ...o, discopopTau: o.discopopTau ?? 0.05 }));
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
