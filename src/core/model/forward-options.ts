import * as tf from '@tensorflow/tfjs-core';

/** Weights by Hugging Face name: trainable variables (policy) or plain tensors (reference). */
export type NamedWeights = Record<string, tf.Tensor>;

/** LoRA at forward time: PEFT's `scaling` (alpha / r) and its training-time dropout on the adapter input. */
export interface LoraForward {
  scale: number;
  dropout: number;
  /** Seeds the dropout masks (one stream per module) so a step is reproducible; unseeded without it. */
  seed?: number;
}

export interface ForwardOptions {
  /**
   * Adds the adapters found in the weights (`${module}.lora_A.weight` [r, in] and
   * `.lora_B.weight` [out, r]) to their projections. Without it, or for a module whose
   * adapters are absent, the projection is the base one: the reference model is the same
   * base tensors in a record without adapter entries.
   */
  lora?: LoraForward;
}

/**
 * PEFT's LoRA term for the projection named `module`: `scale · dropout(x) · Aᵀ · Bᵀ`, or null
 * when `lora` is off or the module has no adapters. The same for every family: PEFT stores
 * A [r, in] and B [out, r] whatever the base weight's layout.
 * x: [N, in] → [N, out]
 */
export function loraDelta(x: tf.Tensor2D, w: NamedWeights, module: string, lora?: LoraForward): tf.Tensor2D | null {
  const a = w[`${module}.lora_A.weight`];
  const b = w[`${module}.lora_B.weight`];
  if (!lora || !a || !b) return null;
  const dropped = lora.dropout > 0 ? tf.dropout(x, lora.dropout, undefined, lora.seed === undefined ? undefined : `${lora.seed}/${module}`) : x;
  const low = tf.matMul(dropped as tf.Tensor2D, a as tf.Tensor2D, false, true); // [N, r]
  return tf.mul(tf.matMul(low, b as tf.Tensor2D, false, true), lora.scale) as tf.Tensor2D;
}

/**
 * Additive causal mask [T, T]: 0 where a query may attend (key ≤ query), -1e9 elsewhere.
 * Right padding needs nothing more: real tokens never see the pads that follow them.
 */
export function causalMask(length: number): tf.Tensor2D {
  const data = new Float32Array(length * length);
  for (let q = 0; q < length; q++) for (let k = q + 1; k < length; k++) data[q * length + k] = -1e9;
  return tf.tensor2d(data, [length, length]);
}
