import * as tf from '@tensorflow/tfjs-core';
import { embedTokens } from '../embedding';
import type { NamedWeights } from '../forward-options';
import { KvCache } from '../kv-cache';
import type { LlamaConfig } from './config';
import { groupedAttention, lmHead, projectHeads, rmsNorm, swiGlu, linear } from './forward';
import { applyRotary, rotaryTables } from './rope';

/**
 * Incremental Llama-family decoding with a key/value cache (kv-cache.ts), one position per
 * call for N rows at once. The caches hold only the K/V heads ([N, KV, T, hd], grouped-query
 * attention's saving); keys are cached after RoPE, at their own positions. Base projections
 * only: for LoRA, pass the merged weights.
 */
export class LlamaDecoder {
  private readonly cache: KvCache;

  constructor(
    private readonly weights: NamedWeights,
    private readonly config: LlamaConfig,
    private readonly rows: number,
    /** Positions the cache holds (the prompt plus what will be generated): not the model's whole context (131,072 for Llama 3.2). */
    capacity = config.nPositions,
  ) {
    this.cache = new KvCache(config.nLayer, [rows, config.nKvHead, capacity, config.headDim]);
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
      const { cos, sin } = rotaryTables(c, t, 1);
      const { at, future } = this.cache.masks(t);
      let h = embedTokens(w['model.embed_tokens.weight'] as tf.Tensor2D, tf.tensor1d(tokens, 'int32')); // [N, d]
      const newKeys: tf.Tensor4D[] = [];
      const newValues: tf.Tensor4D[] = [];
      for (let i = 0; i < c.nLayer; i++) {
        const p = `model.layers.${i}.`;
        const a = rmsNorm(h, w[`${p}input_layernorm.weight`], c.layerNormEpsilon) as tf.Tensor2D;
        const { q, k, v } = projectHeads(a, w, p, c, this.rows, 1);
        const layer = this.cache.write(i, applyRotary(k, cos, sin), v, at);
        newKeys.push(layer.keys);
        newValues.push(layer.values);
        const context = groupedAttention(applyRotary(q, cos, sin) as tf.Tensor4D, layer.keys, layer.values, future, c);
        h = tf.add(h, linear(context, w, `${p}self_attn.o_proj`));
        const m = rmsNorm(h, w[`${p}post_attention_layernorm.weight`], c.layerNormEpsilon) as tf.Tensor2D;
        h = tf.add(h, swiGlu(m, w, p));
      }
      const final = rmsNorm(h, w['model.norm.weight'], c.layerNormEpsilon) as tf.Tensor2D;
      return { logits: lmHead(final, w, c), keys: newKeys, values: newValues };
    });
    this.cache.commit(keys, values);
    return logits;
  }

  dispose(): void {
    this.cache.dispose();
  }
}
