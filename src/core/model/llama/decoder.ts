import * as tf from '@tensorflow/tfjs-core';
import { embedTokens } from '../embedding';
import type { NamedWeights } from '../forward-options';
import type { LlamaConfig } from './config';
import { groupedAttention, lmHead, projectHeads, rmsNorm, swiGlu, linear } from './forward';
import { applyRotary, rotaryTables } from './rope';

/**
 * Incremental Llama-family decoding with a key/value cache, one position per call for N rows
 * at once. The caches hold only the K/V heads ([N, KV, T, hd], grouped-query attention's
 * saving) and are full-length, written with a one-hot position mask so every call has the
 * same shapes. Keys are cached after RoPE, at their own positions. Base projections only:
 * for LoRA, pass the merged weights.
 */
export class LlamaDecoder {
  private keys: tf.Tensor4D[];
  private values: tf.Tensor4D[];
  private position = 0;

  constructor(
    private readonly weights: NamedWeights,
    private readonly config: LlamaConfig,
    private readonly rows: number,
    /** Positions the cache holds (the prompt plus what will be generated): not the model's whole context (131,072 for Llama 3.2). */
    private readonly capacity = config.nPositions,
  ) {
    const shape: [number, number, number, number] = [rows, config.nKvHead, capacity, config.headDim];
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
      const { cos, sin } = rotaryTables(c, t, 1);
      // int32 oneHot then cast: wasm's float32 OneHot is wrong (see sequenceLogProbs).
      const at = tf.reshape(tf.cast(tf.oneHot([t], T), 'float32'), [1, 1, T, 1]);
      const future = tf.reshape(tf.tensor1d(Float32Array.from({ length: T }, (_, k) => (k > t ? -1e9 : 0))), [1, 1, 1, T]);
      let h = embedTokens(w['model.embed_tokens.weight'] as tf.Tensor2D, tf.tensor1d(tokens, 'int32')); // [N, d]
      const newKeys: tf.Tensor4D[] = [];
      const newValues: tf.Tensor4D[] = [];
      for (let i = 0; i < c.nLayer; i++) {
        const p = `model.layers.${i}.`;
        const a = rmsNorm(h, w[`${p}input_layernorm.weight`], c.layerNormEpsilon) as tf.Tensor2D;
        const { q, k, v } = projectHeads(a, w, p, c, this.rows, 1);
        const keysI = tf.add(tf.mul(this.keys[i], tf.sub(1, at)), tf.mul(applyRotary(k, cos, sin), at)) as tf.Tensor4D;
        const valuesI = tf.add(tf.mul(this.values[i], tf.sub(1, at)), tf.mul(v, at)) as tf.Tensor4D;
        newKeys.push(keysI);
        newValues.push(valuesI);
        const context = groupedAttention(applyRotary(q, cos, sin) as tf.Tensor4D, keysI, valuesI, future, c);
        h = tf.add(h, linear(context, w, `${p}self_attn.o_proj`));
        const m = rmsNorm(h, w[`${p}post_attention_layernorm.weight`], c.layerNormEpsilon) as tf.Tensor2D;
        h = tf.add(h, swiGlu(m, w, p));
      }
      const final = rmsNorm(h, w['model.norm.weight'], c.layerNormEpsilon) as tf.Tensor2D;
      return { logits: lmHead(final, w, c), keys: newKeys, values: newValues };
    });
    tf.dispose([...this.keys, ...this.values]);
    this.keys = keys;
    this.values = values;
    return logits;
  }

  dispose(): void {
    tf.dispose([...this.keys, ...this.values]);
  }
}
