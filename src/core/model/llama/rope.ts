import * as tf from '@tensorflow/tfjs-core';
import type { LlamaConfig } from './config';

/**
 * Rotary position embeddings in Hugging Face's rotate-half convention: inverse frequencies
 * θ^(−2j/hd) for j < hd/2 (Llama 3's rope_scaling reshapes them by wavelength), angles
 * p·inv_freq repeated twice along head_dim, and q' = q·cos + rotate_half(q)·sin.
 */

/** inv_freq [hd/2], with transformers' `_compute_llama3_parameters` when rope_scaling is llama3. */
export function inverseFrequencies(c: LlamaConfig): Float64Array {
  const half = c.headDim / 2;
  const inv = Float64Array.from({ length: half }, (_, j) => 1 / Math.pow(c.ropeTheta, (2 * j) / c.headDim));
  const s = c.ropeScaling;
  if (!s) return inv;
  const lowFreqWavelen = s.originalMaxPositionEmbeddings / s.lowFreqFactor;
  const highFreqWavelen = s.originalMaxPositionEmbeddings / s.highFreqFactor;
  return inv.map((f) => {
    const wavelen = (2 * Math.PI) / f;
    if (wavelen < highFreqWavelen) return f; // high frequencies: unchanged
    if (wavelen > lowFreqWavelen) return f / s.factor; // low frequencies: stretched
    const smooth = (s.originalMaxPositionEmbeddings / wavelen - s.lowFreqFactor) / (s.highFreqFactor - s.lowFreqFactor);
    return (1 - smooth) * (f / s.factor) + smooth * f;
  });
}

/**
 * cos and sin tables for positions start … start + length − 1.
 * @returns cos, sin: [length, hd]
 */
export function rotaryTables(c: LlamaConfig, start: number, length: number): { cos: tf.Tensor2D; sin: tf.Tensor2D } {
  const inv = inverseFrequencies(c);
  const hd = c.headDim;
  const cos = new Float32Array(length * hd);
  const sin = new Float32Array(length * hd);
  for (let t = 0; t < length; t++) {
    for (let j = 0; j < hd; j++) {
      const angle = (start + t) * inv[j % (hd / 2)];
      cos[t * hd + j] = Math.cos(angle);
      sin[t * hd + j] = Math.sin(angle);
    }
  }
  return { cos: tf.tensor2d(cos, [length, hd]), sin: tf.tensor2d(sin, [length, hd]) };
}

/** x·cos + rotate_half(x)·sin (src/core/ops/rotary.ts: fused where the backend has the kernels). */
export { applyRotary } from '../../ops/rotary';
