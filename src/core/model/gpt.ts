import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients; the training path needs them everywhere core runs.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { causalAttention } from '../ops/attention';
import type { GptConfig } from './config';
import { embedTokens } from './embedding';
import { conv1dWeight, linearWeight } from '../ops/packed-linear';
import { loraDelta, type ForwardOptions, type LoraForward, type NamedWeights } from './forward-options';
import { geluTanh } from '../ops/gelu';
import { layerNorm } from '../ops/layer-norm';

export { causalMask, type ForwardOptions, type LoraForward, type NamedWeights } from './forward-options';

/** LayerNorm over the last axis (src/core/ops/layer-norm.ts: fused where the backend has the kernels). */
export { layerNorm } from '../ops/layer-norm';

/** x: [N, d] @ w: [d, k] + b: [k] — GPT-2's Conv1D. */
export function conv1d(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return tf.add(conv1dWeight(x, w as tf.Tensor2D), b); // a LoRA base may be packed 16-bit
}

/**
 * GPT-2's Conv1D named `module` (e.g. `h.0.attn.c_attn`), plus PEFT's LoRA term
 * `scale · dropout(x) · Aᵀ · Bᵀ` when `lora` is given and both adapters are in `w`.
 * x: [N, in] → [N, out]
 */
export function projection(x: tf.Tensor2D, w: NamedWeights, module: string, lora?: LoraForward): tf.Tensor2D {
  const base = conv1d(x, w[`${module}.weight`], w[`${module}.bias`]);
  const delta = loraDelta(x, w, module, lora);
  return delta ? tf.add(base, delta) : base;
}

/** [B, T, d] → [B, H, T, d/H] */
function splitHeads(x: tf.Tensor, batch: number, length: number, heads: number): tf.Tensor4D {
  return tf.transpose(tf.reshape(x, [batch, length, heads, -1]), [0, 2, 1, 3]);
}

function attention(h: tf.Tensor2D, w: NamedWeights, p: string, c: GptConfig, batch: number, length: number, mask: tf.Tensor2D, lora?: LoraForward) {
  const qkv = projection(h, w, `${p}attn.c_attn`, lora);
  const [q, k, v] = tf.split(qkv, 3, 1).map((t) => splitHeads(t, batch, length, c.nHead));
  const headDim = c.nEmbd / c.nHead;
  const context = causalAttention(q, k, v, { scale: 1 / Math.sqrt(headDim), mask }); // [B, H, T, hd]
  const merged = tf.reshape(tf.transpose(context, [0, 2, 1, 3]), [batch * length, c.nEmbd]);
  return projection(merged as tf.Tensor2D, w, `${p}attn.c_proj`, lora);
}

/** GPT-2's MLP block: c_fc, gelu_new, c_proj (with LoRA when `lora` is given). h: [N, d] */
export function mlp(h: tf.Tensor2D, w: NamedWeights, p: string, lora?: LoraForward) {
  const hidden = geluTanh(projection(h, w, `${p}mlp.c_fc`, lora));
  return projection(hidden as tf.Tensor2D, w, `${p}mlp.c_proj`, lora);
}

/**
 * GPT-2 forward pass (pre-LayerNorm, learned positions, tied embeddings, no dropout except
 * LoRA's). The token embedding is `embedTokens`, a gather whose gradient works on wasm too.
 * @param inputIds [B, T] int32
 * @param mask [T, T] from `causalMask(T)` (read by the portable attention; the fused one is causal by construction)
 * @returns logits [B, T, V]
 */
export function gptForward(weights: NamedWeights, config: GptConfig, inputIds: tf.Tensor2D, mask: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor3D {
  return tf.tidy(() => {
    const [batch, length] = inputIds.shape;
    const d = config.nEmbd;
    const flatIds = tf.reshape(inputIds, [batch * length]) as tf.Tensor1D;
    const tokens = embedTokens(weights['wte.weight'] as tf.Tensor2D, flatIds);
    const positions = tf.tile(tf.slice(weights['wpe.weight'], [0, 0], [length, d]), [batch, 1]);
    let h = tf.add(tokens, positions) as tf.Tensor2D;
    for (let i = 0; i < config.nLayer; i++) {
      const p = `h.${i}.`;
      const eps = config.layerNormEpsilon;
      const a = layerNorm(h, weights[`${p}ln_1.weight`], weights[`${p}ln_1.bias`], eps) as tf.Tensor2D;
      h = tf.add(h, attention(a, weights, p, config, batch, length, mask, options.lora));
      const m = layerNorm(h, weights[`${p}ln_2.weight`], weights[`${p}ln_2.bias`], eps) as tf.Tensor2D;
      h = tf.add(h, mlp(m, weights, p, options.lora));
    }
    const final = layerNorm(h, weights['ln_f.weight'], weights['ln_f.bias'], config.layerNormEpsilon) as tf.Tensor2D;
    const logits = linearWeight(final, weights['wte.weight'] as tf.Tensor2D);
    return tf.reshape(logits, [batch, length, config.vocabSize]);
  });
}
