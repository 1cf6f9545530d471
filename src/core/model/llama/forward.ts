import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients; the training path needs them everywhere core runs.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { embedTokens } from '../embedding';
import { linearWeight } from '../../ops/packed-linear';
import { loraDelta, type ForwardOptions, type LoraForward, type NamedWeights } from '../forward-options';
import { causalAttention } from '../../ops/attention';
import type { LlamaConfig } from './config';
import { applyRotary, rotaryTables } from './rope';
import { rmsNorm } from '../../ops/rms-norm';
import { swiGluGate } from '../../ops/swiglu';

/**
 * The Llama family's forward pass (LlamaForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM) on
 * Hugging Face's tensor names (`model.layers.N.self_attn.q_proj.weight`, nn.Linear [out, in]).
 * Grouped-query attention never copies K/V per query head: training runs `causalAttention`
 * (fused kernels where the backend has them, else query heads stacked along the time axis);
 * the KV-cache decoder attends one new query at a time with `groupedAttention` below.
 */

/** RMSNorm over the last axis (src/core/ops/rms-norm.ts: fused where the backend has the kernels). */
export { rmsNorm } from '../../ops/rms-norm';

/** nn.Linear named `module` (weight [out, in], optional bias) plus its LoRA term. x: [N, in] → [N, out] */
export function linear(x: tf.Tensor2D, w: NamedWeights, module: string, lora?: LoraForward): tf.Tensor2D {
  const weight = w[`${module}.weight`] as tf.Tensor2D;
  const bias = w[`${module}.bias`];
  let y: tf.Tensor2D = linearWeight(x, weight); // a LoRA base may be packed 16-bit
  if (bias) y = tf.add(y, bias);
  const delta = loraDelta(x, w, module, lora);
  return delta ? tf.add(y, delta) : y;
}

/** SwiGLU: down(silu(gate(x)) · up(x)). x: [N, d] */
export function swiGlu(x: tf.Tensor2D, w: NamedWeights, p: string, lora?: LoraForward): tf.Tensor2D {
  const gate = linear(x, w, `${p}mlp.gate_proj`, lora);
  const up = linear(x, w, `${p}mlp.up_proj`, lora);
  const hidden = swiGluGate(gate, up) as tf.Tensor2D;
  return linear(hidden, w, `${p}mlp.down_proj`, lora);
}

/**
 * q, k, v of one layer for N = B·T tokens, with Qwen3's q/k norms, before RoPE.
 * @returns q [B, H, T, hd], k and v [B, KV, T, hd]
 */
export function projectHeads(a: tf.Tensor2D, w: NamedWeights, p: string, c: LlamaConfig, batch: number, length: number, lora?: LoraForward) {
  const heads = (x: tf.Tensor2D, n: number, norm?: string) => {
    let h: tf.Tensor = tf.reshape(x, [batch, length, n, c.headDim]);
    if (norm) h = rmsNorm(h, w[`${p}self_attn.${norm}.weight`], c.layerNormEpsilon);
    return tf.transpose(h, [0, 2, 1, 3]) as tf.Tensor4D;
  };
  const q = heads(linear(a, w, `${p}self_attn.q_proj`, lora), c.nHead, c.qkNorm ? 'q_norm' : undefined);
  const k = heads(linear(a, w, `${p}self_attn.k_proj`, lora), c.nKvHead, c.qkNorm ? 'k_norm' : undefined);
  const v = heads(linear(a, w, `${p}self_attn.v_proj`, lora), c.nKvHead);
  return { q, k, v };
}

/**
 * Grouped attention: q [B, H, Tq, hd] against k, v [B, KV, Tk, hd] with an additive mask
 * [Tq, Tk] (or broadcastable to [B, KV, g·Tq, Tk]). Query head h reads K/V head ⌊h / g⌋.
 * The KV-cache decoder's path (its mask hides the cache's unwritten slots): portable ops only,
 * since one query row's scores are small.
 * @returns context [B, Tq, H·hd] flattened to [B·Tq, H·hd]
 */
export function groupedAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor, c: LlamaConfig): tf.Tensor2D {
  const [batch, , queries] = q.shape;
  const group = c.nHead / c.nKvHead;
  const grouped = tf.reshape(q, [batch, c.nKvHead, group * queries, c.headDim]);
  const rowsMask = group > 1 && mask.rank === 2 ? tf.tile(mask, [group, 1]) : mask;
  const scores = tf.add(tf.mul(tf.matMul(grouped, k, false, true), 1 / Math.sqrt(c.headDim)), rowsMask);
  const context = tf.reshape(tf.matMul(tf.softmax(scores), v), [batch, c.nHead, queries, c.headDim]);
  return tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch * queries, c.nHead * c.headDim]) as tf.Tensor2D;
}

/** The LM head: lm_head.weight, or the token embedding when tied. h: [N, d] → [N, V] */
export function lmHead(h: tf.Tensor2D, w: NamedWeights, c: LlamaConfig): tf.Tensor2D {
  const head = (c.tieWordEmbeddings ? w['model.embed_tokens.weight'] : w['lm_head.weight']) as tf.Tensor2D;
  return linearWeight(h, head);
}

/**
 * Llama-family forward pass (no dropout except LoRA's).
 * @param inputIds [B, T] int32, right-padded (positions are 0 … T − 1 in every row)
 * @param mask [T, T] from `causalMask(T)` (read by the portable attention; the fused one is causal by construction)
 * @returns logits [B, T, V]
 */
export function llamaForward(weights: NamedWeights, c: LlamaConfig, inputIds: tf.Tensor2D, mask: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, length] = inputIds.shape;
    const lora = options.lora;
    const { cos, sin } = rotaryTables(c, 0, length);
    let h = embedTokens(weights['model.embed_tokens.weight'] as tf.Tensor2D, tf.reshape(inputIds, [batch * length]) as tf.Tensor1D);
    for (let i = 0; i < c.nLayer; i++) {
      const p = `model.layers.${i}.`;
      const a = rmsNorm(h, weights[`${p}input_layernorm.weight`], c.layerNormEpsilon) as tf.Tensor2D;
      const { q, k, v } = projectHeads(a, weights, p, c, batch, length, lora);
      const heads = causalAttention(applyRotary(q, cos, sin) as tf.Tensor4D, applyRotary(k, cos, sin) as tf.Tensor4D, v, { scale: 1 / Math.sqrt(c.headDim), mask });
      const context = tf.reshape(tf.transpose(heads, [0, 2, 1, 3]), [batch * length, c.nHead * c.headDim]) as tf.Tensor2D;
      h = tf.add(h, linear(context, weights, `${p}self_attn.o_proj`, lora));
      const m = rmsNorm(h, weights[`${p}post_attention_layernorm.weight`], c.layerNormEpsilon) as tf.Tensor2D;
      h = tf.add(h, swiGlu(m, weights, p, lora));
    }
    const final = rmsNorm(h, weights['model.norm.weight'], c.layerNormEpsilon) as tf.Tensor2D;
    return tf.reshape(lmHead(final, weights, c), [batch, length, c.vocabSize]);
  });
}
