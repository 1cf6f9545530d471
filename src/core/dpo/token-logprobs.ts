/**
 * Token log-probabilities log softmax(logits)[label] without a [N, T, V] log-softmax beside the
 * logits. With GPT-2's 50,257-token vocabulary the logits are already the biggest tensor of a
 * step; the naive log-softmax × one-hot adds several more of that size to the forward and the
 * backward.
 *
 * Core never imports a backend package, so the fused kernels are looked up by name: a backend
 * that registers TOKEN_LOG_PROBS_KERNEL and TOKEN_LOG_PROBS_GRAD_KERNEL (src/kernels/) gets
 * them; every other backend runs the portable ops below, which avoid the one-hot (TF.js 4.22's
 * wasm OneHot is wrong in float32) and keep at most two [N·T, V] temporaries alive.
 *
 * Kernel contract (R rows, V classes):
 *   TokenLogProbs:     inputs { logits [R, V] float32, labels [R] int32 } → [logp [R], lse [R]]
 *   TokenLogProbsGrad: inputs { logits [R, V], labels [R], lse [R], dy [R] }
 *                      → dlogits [R, V] = dy · (onehot(label) − exp(logits − lse))
 * Labels must lie in [0, V).
 */
import * as tf from '@tensorflow/tfjs-core';
import { kernelPath, type KernelPath } from '../ops/kernel-path';

export const TOKEN_LOG_PROBS_KERNEL = 'TokenLogProbs';
export const TOKEN_LOG_PROBS_GRAD_KERNEL = 'TokenLogProbsGrad';

/** Which implementation a call on the active backend uses: a registered kernel, or TF.js ops. */
export function tokenLogProbsPath(): KernelPath {
  return kernelPath([TOKEN_LOG_PROBS_KERNEL, TOKEN_LOG_PROBS_GRAD_KERNEL]);
}

/**
 * Forward on rows: the log-prob of each row's label and the row's log-sum-exp.
 * @param logits [R, V]
 * @param labels [R] int32
 * @returns [logp [R], lse [R]]
 */
function forwardRows(logits: tf.Tensor2D, labels: tf.Tensor1D, fused: boolean): [tf.Tensor1D, tf.Tensor1D] {
  if (fused) {
    const [logp, lse] = tf.engine().runKernel(TOKEN_LOG_PROBS_KERNEL, { logits, labels }) as tf.Tensor[];
    return [logp as tf.Tensor1D, lse as tf.Tensor1D];
  }
  return tf.tidy(() => {
    const [rows, vocab] = logits.shape;
    const lse = tf.logSumExp(logits, -1);
    // Gather along the last axis through flat indices r·V + label: no one-hot, no [R, V] copy.
    const flatIndex = tf.add(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(vocab, 'int32')), labels);
    const picked = tf.gather(tf.reshape(logits, [rows * vocab]), flatIndex);
    return [tf.sub(picked, lse) as tf.Tensor1D, lse as tf.Tensor1D];
  });
}

/**
 * Backward on rows: dy · (onehot(label) − softmax(logits)).
 * @param logits [R, V]
 * @param labels [R] int32
 * @param lse [R] the forward's log-sum-exp
 * @param dy [R]
 * @returns [R, V]
 */
function backwardRows(logits: tf.Tensor2D, labels: tf.Tensor1D, lse: tf.Tensor1D, dy: tf.Tensor1D, fused: boolean): tf.Tensor2D {
  if (fused) return tf.engine().runKernel(TOKEN_LOG_PROBS_GRAD_KERNEL, { logits, labels, lse, dy }) as tf.Tensor2D;
  const [rows, vocab] = logits.shape;
  // Disposed by hand rather than by tidy, so that no more than two [R, V] tensors live at once.
  const shifted = tf.sub(logits, tf.expandDims(lse, 1));
  const probs = tf.exp(shifted);
  shifted.dispose();
  const scaled = tf.mul(probs, tf.expandDims(tf.neg(dy), 1)); // −dy · softmax
  probs.dispose();
  const grad = tf.tidy(() => {
    // + dy at each row's label, scattered into a flat [R·V] vector.
    const flatIndex = tf.add(tf.mul(tf.range(0, rows, 1, 'int32'), tf.scalar(vocab, 'int32')), labels);
    const atLabels = tf.scatterND(tf.expandDims(flatIndex, 1), dy, [rows * vocab]);
    return tf.add(scaled, tf.reshape(atLabels, [rows, vocab])) as tf.Tensor2D;
  });
  scaled.dispose();
  return grad;
}

/**
 * log softmax(logits[n, t])[labels[n, t]] = logits[n, t, label] − logsumexp(logits[n, t, :]),
 * differentiable in `logits` (labels get no gradient). Its gradient is
 * dlogits = dy[..., None] · (onehot(label) − softmax(logits)), written once.
 * @param logits [N, T, V] float32 (any rank ≥ 1 works: the last axis is the vocabulary)
 * @param labels [N, T] int32, each in [0, V)
 * @param implementation the registered kernels or the portable ops; by default the kernels
 *   where the active backend has them (benchmarks and parity checks pick one explicitly)
 * @returns [N, T]
 */
export function tokenLogProbs<R extends tf.Rank>(
  logits: tf.Tensor,
  labels: tf.Tensor<R>,
  implementation: KernelPath = tokenLogProbsPath(),
): tf.Tensor<R> {
  const vocab = logits.shape[logits.shape.length - 1];
  const rows = labels.size;
  if (logits.size !== rows * vocab)
    throw new Error(`tokenLogProbs: logits ${JSON.stringify(logits.shape)} do not match labels ${JSON.stringify(labels.shape)}`);
  if (implementation === 'fused' && tokenLogProbsPath() !== 'fused')
    throw new Error(`tokenLogProbs: no fused kernel is registered for the ${tf.getBackend()} backend`);
  const fused = implementation === 'fused';
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
    const logits2d = tf.reshape(x, [rows, vocab]) as tf.Tensor2D;
    const labels1d = (labels.dtype === 'int32' ? tf.reshape(labels, [rows]) : tf.cast(tf.reshape(labels, [rows]), 'int32')) as tf.Tensor1D;
    const [logp, lse] = forwardRows(logits2d, labels1d, fused);
    save([logits2d, labels1d, lse]);
    return {
      value: tf.reshape(logp, labels.shape),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [savedLogits, savedLabels, savedLse] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D];
        const dy1d = tf.reshape(dy, [rows]) as tf.Tensor1D;
        const grad = backwardRows(savedLogits, savedLabels, savedLse, dy1d, fused);
        return tf.reshape(grad, x.shape);
      },
    };
  });
  return op(logits) as tf.Tensor<R>;
}
