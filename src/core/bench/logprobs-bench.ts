/**
 * The sequence log-prob memory benchmark (npm run bench -- --logprobs): peak bytes and time of
 * one forward + backward of sequence log-probs over given logits, with the pre-fusion
 * log-softmax × one-hot, the portable token log-probs and the fused kernel.
 */
import * as tf from '@tensorflow/tfjs-core';
import { sequenceLogProbs } from '../dpo/logprobs';
import { tokenLogProbs, tokenLogProbsPath } from '../dpo/token-logprobs';
import { withBufferPeak, type GpuMemory } from './buffer-peak';
import { SeededRandom } from '../random';

/** How sequence log-probs are computed: the pre-fusion log-softmax × one-hot, or tokenLogProbs. */
export type LogProbsVariant = 'naive' | 'portable' | 'fused';

export interface LogProbsBenchRequest {
  rows: number;
  length: number;
  vocab: number;
  variants: LogProbsVariant[];
}

export interface LogProbsBenchRun {
  kind: 'logprobs';
  backend: string;
  variant: LogProbsVariant;
  rows: number;
  length: number;
  vocab: number;
  /**
   * Highest bytes of tensor buffers alive during forward + backward beyond those alive before:
   * distinct buffers (a reshape or the tape's clone shares its input's), or on webgpu the bytes
   * of GPU buffers in use, sampled as each tensor is made.
   */
  peak_bytes: number;
  /** peak_bytes per token (row × position): what a longer or wider batch costs. */
  peak_bytes_per_token: number;
  /** tf.profile's peakBytes beyond the bytes before: TF.js counts every view as a copy. */
  profile_peak_bytes: number;
  /** Growth of the GPU buffer pool over the first run (webgpu only; true on a fresh worker). */
  gpu_pool_growth_bytes: number | null;
  /** One forward + backward after two earlier runs, read back. */
  ms: number;
  /** Σ of the log-probs and of |gradient|: the variants must agree on them. */
  checksum: { logp: number; gradAbs: number };
}

/** The code sequenceLogProbs had before the fused op: a [N, T, V] log-softmax times a one-hot. */
function naiveSequenceLogProbs(logits: tf.Tensor3D, labels: tf.Tensor2D, mask: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const picked = tf.sum(tf.mul(tf.logSoftmax(logits), tf.cast(tf.oneHot(labels, logits.shape[2]), 'float32')), -1);
    return tf.sum(tf.mul(picked, mask), -1) as tf.Tensor1D;
  });
}

function variantLogProbs(variant: LogProbsVariant): (l: tf.Tensor3D, y: tf.Tensor2D, m: tf.Tensor2D) => tf.Tensor1D {
  if (variant === 'naive') return naiveSequenceLogProbs;
  if (variant === tokenLogProbsPath()) return sequenceLogProbs;
  return (l, y, m) => tf.tidy(() => tf.sum(tf.mul(tokenLogProbs(l, y, variant), m), -1) as tf.Tensor1D);
}

/**
 * Peak memory of one forward + backward of sequence log-probs, [rows, length, vocab] logits,
 * for each variant on the current backend (a variant this backend lacks is skipped).
 */
export async function benchLogProbs(request: LogProbsBenchRequest, now: () => number): Promise<LogProbsBenchRun[]> {
  const { rows, length, vocab } = request;
  const rng = new SeededRandom(3);
  const logits = tf.tidy(() => tf.mul(tf.randomNormal([rows, length, vocab], 0, 1, 'float32', 3), 4)) as tf.Tensor3D;
  const labels = tf.tensor2d(Int32Array.from({ length: rows * length }, () => rng.int(vocab)), [rows, length], 'int32');
  const mask = tf.tensor2d(Float32Array.from({ length: rows * length }, (_, i) => ((i % length) % 4 === 0 ? 0 : 1)), [rows, length]);
  await logits.data(); // uploaded and settled before anything is measured
  const runs: LogProbsBenchRun[] = [];
  try {
    for (const variant of request.variants) {
      if (variant === 'fused' && tokenLogProbsPath() !== 'fused') continue;
      const f = variantLogProbs(variant);
      const step = () => {
        const { value, grads } = tf.valueAndGrads((l: tf.Tensor) => tf.sum(f(l as tf.Tensor3D, labels, mask)))([logits]);
        return [value, grads[0]];
      };
      // The first run: on a fresh worker the GPU pool grows by what the run needs at once.
      const poolBefore = (tf.memory() as GpuMemory).numBytesAllocatedInGPU;
      const { result: first, peakBytes } = withBufferPeak(step);
      const gradAbs = tf.tidy(() => tf.sum(tf.abs(first[1])));
      const checksum = { logp: (await first[0].data())[0], gradAbs: (await gradAbs.data())[0] };
      tf.dispose([...first, gradAbs]);
      const poolAfter = (tf.memory() as GpuMemory).numBytesAllocatedInGPU;
      const bytesBefore = tf.memory().numBytes;
      const profile = await tf.profile(step);
      tf.dispose(profile.result as tf.Tensor[]);
      const started = now();
      const timed = step();
      await timed[1].data();
      const ms = now() - started;
      tf.dispose(timed);
      runs.push({
        kind: 'logprobs',
        backend: tf.getBackend(),
        variant,
        rows,
        length,
        vocab,
        peak_bytes: peakBytes,
        peak_bytes_per_token: Math.round(peakBytes / (rows * length)),
        profile_peak_bytes: profile.peakBytes - bytesBefore,
        gpu_pool_growth_bytes: poolBefore === undefined || poolAfter === undefined ? null : poolAfter - poolBefore,
        ms,
        checksum,
      });
    }
  } finally {
    tf.dispose([logits, labels, mask]);
  }
  return runs;
}
