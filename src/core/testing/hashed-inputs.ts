import * as tf from '@tensorflow/tfjs-core';

/** An input as tools/oracle/fused_ops_oracle.py describes it (its GENERATOR). */
export interface HashedInput {
  shape: number[];
  seed: number;
  scale: number;
  offset: number;
}

/** The oracle's integer-hash values, bit-identical in float32 (scale is a power of two). */
export function hashedValues({ shape, seed, scale, offset }: HashedInput): Float32Array {
  const count = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = offset + (((i * 2654435761 + seed * 40503 + 12345) % 4294967296) / 2147483648 - 1) * scale;
  return values;
}

export function hashed(input: HashedInput): tf.Tensor {
  return tf.tensor(hashedValues(input), input.shape);
}
