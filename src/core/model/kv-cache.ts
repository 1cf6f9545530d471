import * as tf from '@tensorflow/tfjs-core';

/**
 * The key/value cache every family's decoder keeps: per layer, full-length [N, heads, T, hd]
 * tensors written with a one-hot position mask, so every call has the same shapes (WebGPU
 * reuses its buffers) and a token costs O(T·d) instead of a whole O(T²·d) forward.
 * A decoder calls `begin` for the next position, `write` once per layer inside its tidy, and
 * `commit` with what the tidy kept.
 */
export class KvCache {
  private keys: tf.Tensor4D[];
  private values: tf.Tensor4D[];
  private position = 0;

  /** @param shape [rows, heads, capacity, headDim] of one layer's keys (and values) */
  constructor(
    layers: number,
    private readonly shape: [number, number, number, number],
  ) {
    this.keys = Array.from({ length: layers }, () => tf.zeros(shape));
    this.values = Array.from({ length: layers }, () => tf.zeros(shape));
  }

  /** Positions fed so far. */
  get length(): number {
    return this.position;
  }

  /** Claims the next position; throws when the cache is full. */
  begin(): number {
    const capacity = this.shape[2];
    if (this.position >= capacity) throw new Error(`context of ${capacity} tokens is full`);
    return this.position++;
  }

  /**
   * Inside the step's tidy: the masks for position t — `at` [1, 1, T, 1] selects the slot to
   * write, `future` [1, 1, 1, T] is −1e9 on the positions not written yet.
   */
  masks(t: number): { at: tf.Tensor4D; future: tf.Tensor4D } {
    const capacity = this.shape[2];
    // int32 oneHot then cast: wasm's float32 OneHot is wrong (see sequenceLogProbs).
    const at = tf.reshape(tf.cast(tf.oneHot([t], capacity), 'float32'), [1, 1, capacity, 1]) as tf.Tensor4D;
    const future = tf.reshape(tf.tensor1d(Float32Array.from({ length: capacity }, (_, k) => (k > t ? -1e9 : 0))), [1, 1, 1, capacity]) as tf.Tensor4D;
    return { at, future };
  }

  /** Layer `layer`'s caches with k, v [N, heads, 1, hd] written at `at`; returned, not yet committed. */
  write(layer: number, k: tf.Tensor, v: tf.Tensor, at: tf.Tensor4D): { keys: tf.Tensor4D; values: tf.Tensor4D } {
    const keep = tf.sub(1, at);
    return {
      keys: tf.add(tf.mul(this.keys[layer], keep), tf.mul(k, at)) as tf.Tensor4D,
      values: tf.add(tf.mul(this.values[layer], keep), tf.mul(v, at)) as tf.Tensor4D,
    };
  }

  /** Replaces the caches with the step's (kept out of its tidy), freeing the old ones. */
  commit(keys: tf.Tensor4D[], values: tf.Tensor4D[]): void {
    tf.dispose([...this.keys, ...this.values]);
    this.keys = keys;
    this.values = values;
  }

  dispose(): void {
    tf.dispose([...this.keys, ...this.values]);
  }
}
