import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from './config';
import { embedTokens } from './embedding';
import { conv1d, layerNorm, mlp, type NamedWeights } from './gpt';

/**
 * Incremental GPT-2 decoding with a key/value cache, one position per call for N rows at
 * once. The caches are full-length [N, H, T, hd] tensors written with a one-hot position
 * mask, so every call has the same shapes (WebGPU reuses its buffers) and costs O(T·d) per
 * token instead of a whole O(T²·d) forward. It runs the base projections only: for LoRA,
 * pass `mergedDeviceWeights(base, adapters, lora)` as the weights.
 */
export class KvCacheDecoder {
  private keys: tf.Tensor4D[];
  private values: tf.Tensor4D[];
  private position = 0;
  private readonly headDim: number;

  constructor(
    private readonly weights: NamedWeights,
    private readonly config: GptConfig,
    private readonly rows: number,
    /** Positions the cache holds (the prompt plus what will be generated); the model's context at most. */
    private readonly capacity = config.nPositions,
  ) {
    this.headDim = config.nEmbd / config.nHead;
    const shape: [number, number, number, number] = [rows, config.nHead, capacity, this.headDim];
    this.keys = Array.from({ length: config.nLayer }, () => tf.zeros(shape));
    this.values = Array.from({ length: config.nLayer }, () => tf.zeros(shape));
  }

  get length(): number {
    return this.position;
  }

  /**
   * Feeds one token per row at the next position.
   * @param tokens [N] token ids
   * @returns logits [N, V] for the following position (the caller disposes them)
   */
  step(tokens: Int32Array): tf.Tensor2D {
    const c = this.config;
    const T = this.capacity;
    if (this.position >= T) throw new Error(`context of ${T} tokens is full`);
    const t = this.position++;
    const w = this.weights;
    const { logits, keys, values } = tf.tidy(() => {
      const ids = tf.tensor1d(tokens, 'int32');
      let h: tf.Tensor2D = tf.add(embedTokens(w['wte.weight'] as tf.Tensor2D, ids), tf.slice(w['wpe.weight'], [t, 0], [1, c.nEmbd])) as tf.Tensor2D; // [N, d]
      // int32 oneHot then cast: wasm's float32 OneHot is wrong (see sequenceLogProbs).
      const at = tf.reshape(tf.cast(tf.oneHot([t], T), 'float32'), [1, 1, T, 1]);
      const future = tf.reshape(tf.tensor1d(Float32Array.from({ length: T }, (_, k) => (k > t ? -1e9 : 0))), [1, 1, 1, T]);
      const newKeys: tf.Tensor4D[] = [];
      const newValues: tf.Tensor4D[] = [];
      for (let i = 0; i < c.nLayer; i++) {
        const p = `h.${i}.`;
        const a = layerNorm(h, w[`${p}ln_1.weight`], w[`${p}ln_1.bias`], c.layerNormEpsilon) as tf.Tensor2D;
        const qkv = conv1d(a, w[`${p}attn.c_attn.weight`], w[`${p}attn.c_attn.bias`]);
        const [q, k, v] = tf.split(qkv, 3, 1).map((x) => tf.reshape(x, [this.rows, c.nHead, 1, this.headDim]));
        const keysI = tf.add(tf.mul(this.keys[i], tf.sub(1, at)), tf.mul(k, at)) as tf.Tensor4D;
        const valuesI = tf.add(tf.mul(this.values[i], tf.sub(1, at)), tf.mul(v, at)) as tf.Tensor4D;
        newKeys.push(keysI);
        newValues.push(valuesI);
        const scores = tf.add(tf.mul(tf.matMul(q, keysI, false, true), 1 / Math.sqrt(this.headDim)), future); // [N, H, 1, T]
        const context = tf.reshape(tf.matMul(tf.softmax(scores), valuesI), [this.rows, c.nEmbd]) as tf.Tensor2D;
        h = tf.add(h, conv1d(context, w[`${p}attn.c_proj.weight`], w[`${p}attn.c_proj.bias`]));
        const m = layerNorm(h, w[`${p}ln_2.weight`], w[`${p}ln_2.bias`], c.layerNormEpsilon) as tf.Tensor2D;
        h = tf.add(h, mlp(m, w, p));
      }
      const final = layerNorm(h, w['ln_f.weight'], w['ln_f.bias'], c.layerNormEpsilon) as tf.Tensor2D;
      return { logits: tf.matMul(final, w['wte.weight'] as tf.Tensor2D, false, true), keys: newKeys, values: newValues };
    });
    tf.dispose([...this.keys, ...this.values]);
    this.keys = keys;
    this.values = values;
    return logits as tf.Tensor2D;
  }

  dispose(): void {
    tf.dispose([...this.keys, ...this.values]);
  }
}
