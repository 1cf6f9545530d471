/**
 * Peak memory of one causal attention forward + backward at B = 1 with a case's heads and head
 * size, at several lengths, with whatever kernels the backend has ("fused") and with the
 * portable TF.js ops forced (withPortableOps). The portable path holds [H, T, T] score and
 * probability buffers, so its peak grows with T²; a fused attention should not.
 *
 * The attention measured is the one both families' forwards call (causalAttention, src/core/ops/
 * attention.ts; with nKvHead = nHead it is GPT-2's). Its path is read off kernelPath: where the
 * backend has the fused kernels, `path` says 'fused' and the first column is theirs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { causalMask } from '../model/forward-options';
import { causalAttention } from '../ops/attention';
import { isLlamaConfig } from '../model/causal-lm';
import { pathTaken, withPortableOps, type KernelPath } from '../ops/kernel-path';
import type { BenchCase } from './bench-cases';
import { withBufferPeak } from './buffer-peak';

/** The lengths the issue asks about. */
export const ATTENTION_LENGTHS = [256, 512, 1024];

export interface AttentionPeak {
  length: number;
  /** The path the unforced run took: 'fused' when an op in it had its kernels registered. */
  path: KernelPath;
  /** Peak bytes beyond q, k, v and the mask during forward + backward, the unforced run. */
  peak_bytes: number;
  /** The same with every op on its portable path. */
  peak_bytes_portable: number;
}

/** One case's attention alone (the bench's attentionOnly), as the browser and GPU runs report it. */
export type AttentionBenchRun = AttentionShape & { kind: 'attention'; backend: string; model: string; peaks: AttentionPeak[] };

export interface AttentionShape {
  heads: number;
  kv_heads: number;
  head_dim: number;
}

export function attentionShape(c: BenchCase): AttentionShape {
  const { config } = c;
  if (isLlamaConfig(config)) return { heads: config.nHead, kv_heads: config.nKvHead, head_dim: config.headDim };
  return { heads: config.nHead, kv_heads: config.nHead, head_dim: config.nEmbd / config.nHead };
}

/** One attention forward + backward; the peak of the buffers it makes, and which path it took. */
function measure(q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: tf.Tensor2D, shape: AttentionShape): { peak: number; path: KernelPath } {
  const scale = 1 / Math.sqrt(shape.head_dim);
  const { result, peakBytes } = withBufferPeak(() =>
    pathTaken(() => {
      const f = tf.valueAndGrads((...xs: tf.Tensor[]) => tf.sum(causalAttention(xs[0] as tf.Tensor4D, xs[1] as tf.Tensor4D, xs[2] as tf.Tensor4D, { scale, mask })));
      const { value, grads } = f([q, k, v]);
      return [value, ...grads];
    }),
  );
  tf.dispose(result.result);
  return { peak: peakBytes, path: result.path };
}

/**
 * Waits for the device to finish and release what the last measurement disposed: on webgpu a
 * buffer freed while its commands are queued stays counted as in use until the next submit,
 * and would make the next measurement's start too high (its peak too low). Reading a result
 * that a kernel wrote submits the queue and waits for it.
 */
async function settle(t: tf.Tensor): Promise<void> {
  const probe = tf.sum(t);
  await probe.data();
  probe.dispose();
}

/** Attention peaks of case `c` at each length, both ways, on the current backend. */
export async function benchAttention(c: BenchCase, lengths: readonly number[] = ATTENTION_LENGTHS): Promise<AttentionPeak[]> {
  const shape = attentionShape(c);
  const peaks: AttentionPeak[] = [];
  for (const length of lengths) {
    const q = tf.randomNormal([1, shape.heads, length, shape.head_dim], 0, 1, 'float32', 1) as tf.Tensor4D;
    const k = tf.randomNormal([1, shape.kv_heads, length, shape.head_dim], 0, 1, 'float32', 2) as tf.Tensor4D;
    const v = tf.randomNormal([1, shape.kv_heads, length, shape.head_dim], 0, 1, 'float32', 3) as tf.Tensor4D;
    const mask = causalMask(length);
    try {
      await settle(v); // uploaded and settled before anything is measured
      const unforced = measure(q, k, v, mask, shape);
      await settle(v);
      const portable = withPortableOps(() => measure(q, k, v, mask, shape));
      await settle(v);
      peaks.push({ length, path: unforced.path, peak_bytes: unforced.peak, peak_bytes_portable: portable.peak });
    } finally {
      tf.dispose([q, k, v, mask]);
    }
  }
  return peaks;
}

/** benchAttention as a bench run of its own. */
export async function benchAttentionRun(c: BenchCase, lengths: readonly number[] = ATTENTION_LENGTHS): Promise<AttentionBenchRun> {
  return { kind: 'attention', backend: tf.getBackend(), model: c.model, ...attentionShape(c), peaks: await benchAttention(c, lengths) };
}
