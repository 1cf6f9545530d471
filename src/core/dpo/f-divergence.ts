import * as tf from '@tensorflow/tfjs-core';
import type { FDivergenceType } from '../train/settings';

/** log σ(z) written as −softplus(−z): tf.logSigmoid's gradient crashes in TF.js 4.22. */
export const logSigmoid = (z: tf.Tensor) => tf.neg(tf.softplus(tf.neg(z)));

/**
 * Largest exponent TRL lets the alpha divergence reach in float32 (it clamps before exp so
 * the score stays finite).
 */
const ALPHA_EXPONENT_MAX = 80;

/**
 * f-DPO (Wang et al. 2023) as TRL v1.9.0 writes it: the score that replaces a log-ratio
 * ρ = log π_θ − log π_ref in the losses, f'(π_θ/π_ref) with additive constants dropped.
 *   reverse_kl        ρ                     (plain DPO)
 *   forward_kl        −exp(−ρ)
 *   js_divergence     log σ(ρ)
 *   alpha_divergence  exp((α − 1)·ρ)/(α − 1), ρ itself when |α − 1| < 1e-6 (the limit)
 * @param logRatio [B]
 * @returns [B]
 */
export function divergenceScore(logRatio: tf.Tensor1D, type: FDivergenceType, alpha: number): tf.Tensor1D {
  // The log-ratio itself, not a copy: plain DPO adds no kernel.
  if (type === 'reverse_kl' || (type === 'alpha_divergence' && Math.abs(alpha - 1) < 1e-6)) return logRatio;
  return tf.tidy(() => {
    if (type === 'forward_kl') return tf.neg(tf.exp(tf.neg(logRatio)));
    if (type === 'js_divergence') return logSigmoid(logRatio);
    const exponent = tf.minimum(tf.mul(alpha - 1, logRatio), ALPHA_EXPONENT_MAX);
    return tf.mul(tf.exp(exponent), 1 / (alpha - 1));
  }) as tf.Tensor1D;
}
