/**
 * Causal self-attention, softmax(scale · Q·Kᵀ + causal) · V, for both model families: GPT-2
 * (one K/V head per query head) and the Llama family's grouped-query attention (query head h
 * reads K/V head ⌊h / g⌋, g = H / KV).
 *
 * The portable path is the TF.js composition the forwards always ran: it materializes the
 * [B, KV, g·T, T] scores, and autodiff keeps several copies of them per layer for the backward,
 * so memory grows with T². The fused path (WebGPU kernels in src/kernels/webgpu/) never does:
 * the forward walks key tiles with an online softmax and keeps only the output and each row's
 * log-sum-exp; the backward recomputes the scores tile by tile from them.
 *
 * Right padding needs no key-padding mask: a real token never sees the pads that follow it, and
 * what the pads themselves attend to is dropped by the loss's completion mask.
 *
 * Kernel contract (B batch, H query heads, KV K/V heads with H % KV == 0, T tokens, hd head dim):
 *   CausalAttention:     inputs { q [B, H, T, hd], k [B, KV, T, hd], v [B, KV, T, hd] } float32,
 *                        attrs { scale } → [o [B, H, T, hd], lse [B, H, T]], where
 *                        lse[b, h, i] = log Σ_{j ≤ i} exp(scale · q_i · k_j) (natural log)
 *   CausalAttentionGrad: inputs { q, k, v, o, lse, dy [B, H, T, hd] } float32, attrs { scale }
 *                        → [dq [B, H, T, hd], dk [B, KV, T, hd], dv [B, KV, T, hd]]
 *                        (dk, dv summed over the g query heads that share each K/V head)
 */
import * as tf from '@tensorflow/tfjs-core';
import { kernelPath, type KernelPath } from './kernel-path';

export const CAUSAL_ATTENTION_KERNEL = 'CausalAttention';
export const CAUSAL_ATTENTION_GRAD_KERNEL = 'CausalAttentionGrad';
export const CAUSAL_ATTENTION_KERNELS = [CAUSAL_ATTENTION_KERNEL, CAUSAL_ATTENTION_GRAD_KERNEL] as const;

/** Which implementation a call on the active backend uses: the registered kernels, or TF.js ops. */
export function causalAttentionPath(): KernelPath {
  return kernelPath(CAUSAL_ATTENTION_KERNELS);
}

export interface CausalAttentionOptions {
  /** Multiplies q·k before the softmax: 1/√hd in both families. */
  scale: number;
  /**
   * The portable path's additive [T, T] mask, `causalMask(T)` (0 on and below the diagonal,
   * −1e9 above), so a forward can build it once for all its layers; built here when omitted.
   * The fused path is causal by construction and does not read it.
   */
  mask?: tf.Tensor2D;
  /** The registered kernels or the portable ops; by default the kernels where the backend has them. */
  implementation?: KernelPath;
}

/** The [T, T] additive causal mask: 0 where key ≤ query, −1e9 elsewhere (same as causalMask). */
function additiveCausalMask(length: number): tf.Tensor2D {
  return tf.tidy(() => {
    const queries = tf.reshape(tf.range(0, length, 1, 'int32'), [length, 1]);
    const keys = tf.reshape(tf.range(0, length, 1, 'int32'), [1, length]);
    return tf.mul(tf.cast(tf.greater(keys, queries), 'float32'), -1e9) as tf.Tensor2D;
  });
}

/**
 * The portable composition: the query heads that share a K/V head are stacked along the time
 * axis ([B, KV, g·T, hd]) and attend to that head once, so K/V are never copied per query head.
 * @returns context [B, H, T, hd]
 */
function portableAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, scale: number, mask: tf.Tensor2D): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, heads, length, headDim] = q.shape;
    const kvHeads = k.shape[1];
    const group = heads / kvHeads;
    const grouped = group > 1 ? tf.reshape(q, [batch, kvHeads, group * length, headDim]) : q;
    const rowsMask = group > 1 ? tf.tile(mask, [group, 1]) : mask;
    const scores = tf.add(tf.mul(tf.matMul(grouped, k, false, true), scale), rowsMask);
    const context = tf.matMul(tf.softmax(scores), v);
    return (group > 1 ? tf.reshape(context, [batch, heads, length, headDim]) : context) as tf.Tensor4D;
  });
}

function checkShapes(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, mask?: tf.Tensor2D): void {
  const shapes = () => `q ${JSON.stringify(q.shape)}, k ${JSON.stringify(k.shape)}, v ${JSON.stringify(v.shape)}`;
  if (q.rank !== 4 || k.rank !== 4 || v.rank !== 4) throw new Error(`causalAttention: q, k and v must be [B, heads, T, head_dim] (${shapes()})`);
  const [batch, heads, length, headDim] = q.shape;
  const kvHeads = k.shape[1] as number;
  if (!tf.util.arraysEqual(k.shape, v.shape)) throw new Error(`causalAttention: k and v differ in shape (${shapes()})`);
  if (k.shape[0] !== batch || k.shape[2] !== length || k.shape[3] !== headDim)
    throw new Error(`causalAttention: k/v must be [B, KV, T, head_dim] with q's B, T and head_dim (${shapes()})`);
  if (heads % kvHeads !== 0) throw new Error(`causalAttention: ${heads} query heads are not a multiple of ${kvHeads} K/V heads`);
  if (mask && (mask.shape[0] !== length || mask.shape[1] !== length))
    throw new Error(`causalAttention: mask ${JSON.stringify(mask.shape)} is not [T, T] for T = ${length}`);
}

/**
 * Causal (grouped-query) self-attention, differentiable in q, k and v.
 * @param q [B, H, T, hd] float32
 * @param k [B, KV, T, hd], H a multiple of KV (query head h reads K/V head ⌊h / (H / KV)⌋)
 * @param v [B, KV, T, hd]
 * @returns context [B, H, T, hd]
 */
export function causalAttention(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, options: CausalAttentionOptions): tf.Tensor4D {
  checkShapes(q, k, v, options.mask);
  const implementation = options.implementation ?? causalAttentionPath();
  const { scale } = options;
  if (implementation === 'portable') {
    if (options.mask) return portableAttention(q, k, v, scale, options.mask);
    const mask = additiveCausalMask(q.shape[2]);
    const context = portableAttention(q, k, v, scale, mask);
    mask.dispose();
    return context;
  }
  if (causalAttentionPath() !== 'fused') throw new Error(`causalAttention: no fused kernel is registered for the ${tf.getBackend()} backend`);
  const attrs = { scale };
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [qi, ki, vi, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    const [o, lse] = tf.engine().runKernel(CAUSAL_ATTENTION_KERNEL, { q: qi, k: ki, v: vi }, attrs) as tf.Tensor[];
    save([qi, ki, vi, o, lse]);
    return {
      value: o,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sq, sk, sv, so, slse] = saved;
        return tf.engine().runKernel(CAUSAL_ATTENTION_GRAD_KERNEL, { q: sq, k: sk, v: sv, o: so, lse: slse, dy }, attrs) as tf.Tensor[];
      },
    };
  });
  return op(q, k, v) as tf.Tensor4D;
}
