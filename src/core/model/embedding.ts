/**
 * Token embedding as a gather whose gradient runs on every backend the app uses.
 *
 * tf.gather's own gradient is UnsortedSegmentSum, which the wasm backend (TF.js 4.22) does
 * not register, so training on wasm threw. A one-hot [N, V] matMul avoids the kernel but
 * costs N·V floats: 411 MB at V = 50,257 and N = 2,048. Here the forward is a gather and the
 * backward is a scatter-add of the output gradient into a [V, d] table, by the cheapest
 * kernel the backend has:
 *   - cpu, wasm: ScatterNd (sums duplicate indices; O(N·d)). cpu's UnsortedSegmentSum runs
 *     one masked sum per vocabulary row, O(V·N·d), and wasm has none.
 *   - webgl, webgpu: UnsortedSegmentSum, tf.gather's own gradient (webgpu: atomic adds).
 *   - anything else: a one-hot matMul in row chunks of at most EMBEDDING_CHUNK_FLOATS.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradients; the ops around an embedding need them.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { packedGather } from '../ops/packed-linear';
import { isPackedWeight } from '../ops/packed-weights';

/** Largest one-hot block (rows × vocabulary) the last-resort backward builds at once. */
const EMBEDDING_CHUNK_FLOATS = 1 << 22;

export type EmbeddingGradientPath = 'unsortedSegmentSum' | 'scatterNd' | 'oneHotChunks';

/** Backends whose ScatterNd is a linear host-side scatter-add. */
const SCATTER_FIRST = new Set(['cpu', 'wasm']);

/** Which kernel `embedTokens`'s backward uses on `backend` (the active one by default). */
export function embeddingGradientPath(backend: string = tf.getBackend()): EmbeddingGradientPath {
  const has = (kernel: string) => tf.getKernel(kernel, backend) != null;
  if (SCATTER_FIRST.has(backend) && has('ScatterNd')) return 'scatterNd';
  if (has('UnsortedSegmentSum')) return 'unsortedSegmentSum';
  if (has('ScatterNd')) return 'scatterNd';
  return 'oneHotChunks';
}

/**
 * Sums the rows of `dy` into a [V, d] table at the rows named by `ids`, with the kernel
 * `path` names (exported so tests can run each path on one backend).
 * @param dy [N, d] float32
 * @param ids [N] int32
 * @returns [vocabSize, d]
 */
export function scatterAddRows(dy: tf.Tensor2D, ids: tf.Tensor1D, vocabSize: number, path: EmbeddingGradientPath): tf.Tensor2D {
  return tf.tidy(() => {
    if (path === 'unsortedSegmentSum') return tf.unsortedSegmentSum(dy, ids, vocabSize);
    if (path === 'scatterNd') return tf.scatterND(tf.reshape(ids, [-1, 1]), dy, [vocabSize, dy.shape[1]]);
    const rows = ids.shape[0];
    const chunk = Math.max(1, Math.floor(EMBEDDING_CHUNK_FLOATS / vocabSize));
    let sum: tf.Tensor2D | null = null;
    for (let start = 0; start < rows; start += chunk) {
      const size = Math.min(chunk, rows - start);
      // int32 oneHot then cast: wasm's float32 OneHot returns int bits.
      const oneHot = tf.cast(tf.oneHot(tf.slice(ids, [start], [size]), vocabSize), 'float32') as tf.Tensor2D;
      const part = tf.matMul(oneHot, tf.slice(dy, [start, 0], [size, -1]), true, false) as tf.Tensor2D;
      const next: tf.Tensor2D = sum ? tf.add(sum, part) : part;
      if (sum) tf.dispose([sum, part]);
      tf.dispose(oneHot);
      sum = next;
    }
    return sum ?? tf.zeros([vocabSize, dy.shape[1]]);
  });
}

/**
 * Embedding lookup `table[ids]` with a gradient for `table` on every backend.
 * @param table [V, d] float32 (a variable when trained), or a frozen base's packed 16-bit table (no gradient)
 * @param ids [N] int32
 * @returns [N, d]
 */
export function embedTokens(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  if (isPackedWeight(table)) return packedGather(table, ids);
  const lookup = tf.customGrad((...args) => {
    const [tableIn, idsIn, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
    // save() keeps a copy for the backward: the caller's tidy frees `ids` before it runs.
    save([idsIn]);
    return {
      value: tf.gather(tableIn, idsIn),
      gradFunc: (dy, saved) => {
        const [savedIds] = saved as tf.Tensor1D[];
        const vocabSize = tableIn.shape[0];
        const dTable = scatterAddRows(dy as tf.Tensor2D, savedIds, vocabSize, embeddingGradientPath());
        // customGrad wants one gradient per input; the ids' one is never used.
        return [dTable, tf.zeros(savedIds.shape)];
      },
    };
  });
  return lookup(table, ids) as tf.Tensor2D;
}
