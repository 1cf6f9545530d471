import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from './config';
import { embedTokens } from './embedding';
import { conv1d, layerNorm, mlp, type NamedWeights } from './gpt';
import { KvCache } from './kv-cache';
import { linearWeight } from '../ops/packed-linear';

/**
 * Incremental GPT-2 decoding with a key/value cache (kv-cache.ts), one position per call for
 * N rows at once. It runs the base projections only: for LoRA, pass
 * `mergedDeviceWeights(base, adapters, lora)` as the weights.
 */
export class KvCacheDecoder {
  private readonly cache: KvCache;
  private readonly headDim: number;

  constructor(
    private readonly weights: NamedWeights,
    private readonly config: GptConfig,
    private readonly rows: number,
    /** Positions the cache holds (the prompt plus what will be generated); the model's context at most. */
    capacity = config.nPositions,
  ) {
    this.headDim = config.nEmbd / config.nHead;
    this.cache = new KvCache(config.nLayer, [rows, config.nHead, capacity, this.headDim]);
  }

  get length(): number {
    return this.cache.length;
  }

  /**
   * Feeds one token per row at the next position.
   * @param tokens [N] token ids
   * @returns logits [N, V] for the following position (the caller disposes them)
   */
  step(tokens: Int32Array): tf.Tensor2D {
    const c = this.config;
    const t = this.cache.begin();
    const w = this.weights;
    const { logits, keys, values } = tf.tidy(() => {
      const ids = tf.tensor1d(tokens, 'int32');
      let h: tf.Tensor2D = tf.add(embedTokens(w['wte.weight'] as tf.Tensor2D, ids), tf.slice(w['wpe.weight'], [t, 0], [1, c.nEmbd])) as tf.Tensor2D; // [N, d]
      const { at, future } = this.cache.masks(t);
      const newKeys: tf.Tensor4D[] = [];
      const newValues: tf.Tensor4D[] = [];
      for (let i = 0; i < c.nLayer; i++) {
        const p = `h.${i}.`;
        const a = layerNorm(h, w[`${p}ln_1.weight`], w[`${p}ln_1.bias`], c.layerNormEpsilon) as tf.Tensor2D;
        const qkv = conv1d(a, w[`${p}attn.c_attn.weight`], w[`${p}attn.c_attn.bias`]);
        const [q, k, v] = tf.split(qkv, 3, 1).map((x) => tf.reshape(x, [this.rows, c.nHead, 1, this.headDim]));
        const layer = this.cache.write(i, k, v, at);
        newKeys.push(layer.keys);
        newValues.push(layer.values);
        const scores = tf.add(tf.mul(tf.matMul(q, layer.keys, false, true), 1 / Math.sqrt(this.headDim)), future); // [N, H, 1, T]
        const context = tf.reshape(tf.matMul(tf.softmax(scores), layer.values), [this.rows, c.nEmbd]) as tf.Tensor2D;
        h = tf.add(h, conv1d(context, w[`${p}attn.c_proj.weight`], w[`${p}attn.c_proj.bias`]));
        const m = layerNorm(h, w[`${p}ln_2.weight`], w[`${p}ln_2.bias`], c.layerNormEpsilon) as tf.Tensor2D;
        h = tf.add(h, mlp(m, w, p));
      }
      const final = layerNorm(h, w['ln_f.weight'], w['ln_f.bias'], c.layerNormEpsilon) as tf.Tensor2D;
      return { logits: linearWeight(final, w['wte.weight'] as tf.Tensor2D), keys: newKeys, values: newValues };
    });
    this.cache.commit(keys, values);
    return logits as tf.Tensor2D;
  }

  dispose(): void {
    this.cache.dispose();
  }
}
