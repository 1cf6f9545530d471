/**
 * The per-pair losses of TRL v1.9.0's DPOTrainer (and this project's sigmoid + ε and SimPO),
 * one case each. Which quantity a loss reads follows TRL exactly: most read the f-divergence
 * scores s_w, s_l (plain log-ratios under reverse_kl); apo_zero, and apo_down's chosen term,
 * read the raw log-ratios ρ_w, ρ_l whatever the divergence.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { LossType } from '../train/settings';
import { logSigmoid } from './f-divergence';

/** What a per-pair loss is computed from; all [B]. */
export interface PairTerms {
  /** ρ_w = log π_θ(y_w) − log π_ref(y_w), ρ_l likewise. */
  chosenRatio: tf.Tensor1D;
  rejectedRatio: tf.Tensor1D;
  /** s_w = f'(ρ_w), s_l = f'(ρ_l): the f-divergence scores. */
  chosenScore: tf.Tensor1D;
  rejectedScore: tf.Tensor1D;
  /** Summed policy log-probs (SimPO's only input) and completion lengths. */
  policyChosen: tf.Tensor1D;
  policyRejected: tf.Tensor1D;
  chosenLengths: tf.Tensor1D;
  rejectedLengths: tf.Tensor1D;
}

export interface PairLossOptions {
  beta: number;
  labelSmoothing: number;
  simpoGamma: number;
  discopopTau: number;
}

export type PairLossType = Exclude<LossType, 'sft' | 'aot' | 'aot_unpaired'>;

/** Per-token average: TRL divides by the completion length, at least 1. */
const perToken = (x: tf.Tensor1D, lengths: tf.Tensor1D) => tf.div(x, tf.maximum(lengths, 1));

/**
 * One pair loss per row.
 * @returns [B]; the batch loss is its mean
 */
export function pairLoss(type: PairLossType, t: PairTerms, o: PairLossOptions): tf.Tensor1D {
  return tf.tidy(() => {
    const { beta, labelSmoothing: eps } = o;
    // β·(s_w − s_l): TRL's `beta * delta_score`.
    const z = tf.mul(beta, tf.sub(t.chosenScore, t.rejectedScore));
    const chosenReward = tf.mul(beta, t.chosenScore);
    const rejectedReward = tf.mul(beta, t.rejectedScore);
    switch (type) {
      case 'sigmoid': // paper Eq. 7; with ε > 0 the conservative cDPO (TRL ≤ 0.28, see DPO_SPEC.md)
        // −log σ(z) = softplus(−z): plain DPO in two kernels, not the ε-weighted pair's nine.
        return eps === 0 ? tf.softplus(tf.neg(z)) : tf.sub(tf.mul(-(1 - eps), logSigmoid(z)), tf.mul(eps, logSigmoid(tf.neg(z))));
      case 'robust':
        return tf.div(tf.add(tf.mul(-(1 - eps), logSigmoid(z)), tf.mul(eps, logSigmoid(tf.neg(z)))), 1 - 2 * eps);
      case 'ipo': {
        // TRL averages the scores per token for IPO (confirmed with the IPO authors).
        const h = tf.sub(perToken(t.chosenScore, t.chosenLengths), perToken(t.rejectedScore, t.rejectedLengths));
        return tf.square(tf.sub(h, 1 / (2 * beta)));
      }
      case 'hinge':
        return tf.relu(tf.sub(1, z));
      case 'sigmoid_norm':
        return tf.neg(logSigmoid(tf.mul(beta, tf.sub(perToken(t.chosenScore, t.chosenLengths), perToken(t.rejectedScore, t.rejectedLengths)))));
      case 'apo_zero': // APO Eq. 7: chosen up, rejected down
        return tf.add(tf.sub(1, tf.sigmoid(tf.mul(beta, t.chosenRatio))), tf.sigmoid(tf.mul(beta, t.rejectedRatio)));
      case 'apo_down': // APO Eq. 8: chosen down, rejected down more
        return tf.add(tf.sigmoid(tf.mul(beta, t.chosenRatio)), tf.sub(1, tf.sigmoid(z)));
      case 'exo_pair': {
        // EXO-pref (Eq. 16): KL(softmax(z, −z) ‖ (1 − ε, ε)); ε > 0 is enforced by validation.
        const chosenTerm = tf.mul(tf.sigmoid(z), tf.sub(logSigmoid(z), Math.log1p(-eps)));
        const rejectedTerm = tf.mul(tf.sigmoid(tf.neg(z)), tf.sub(logSigmoid(tf.neg(z)), Math.log(eps)));
        return tf.add(chosenTerm, rejectedTerm);
      }
      case 'nca_pair':
        return tf.sub(tf.sub(tf.neg(logSigmoid(chosenReward)), tf.mul(0.5, logSigmoid(tf.neg(chosenReward)))), tf.mul(0.5, logSigmoid(tf.neg(rejectedReward))));
      case 'bco_pair':
        // TRL v1.9.0 classifies each completion on its own (no running reward mean since v0.29's DPO refactor).
        return tf.sub(tf.neg(logSigmoid(chosenReward)), logSigmoid(tf.neg(rejectedReward)));
      case 'sppo_hard':
        // SPPO with hard labels: winner's score pushed to 1/(2β), loser's to −1/(2β).
        return tf.add(tf.square(tf.sub(t.chosenScore, 0.5 / beta)), tf.square(tf.add(t.rejectedScore, 0.5 / beta)));
      case 'discopop': {
        // DiscoPOP Eq. 5: a blend of the logistic and the exponential loss, mixed by σ(z/τ).
        const mix = tf.sigmoid(tf.div(z, o.discopopTau));
        return tf.add(tf.mul(tf.neg(logSigmoid(z)), tf.sub(1, mix)), tf.mul(tf.exp(tf.neg(z)), mix));
      }
      case 'simpo': {
        const margin = tf.sub(tf.div(t.policyChosen, t.chosenLengths), tf.div(t.policyRejected, t.rejectedLengths));
        return tf.neg(logSigmoid(tf.sub(tf.mul(beta, margin), o.simpoGamma)));
      }
    }
  }) as tf.Tensor1D;
}
