/**
 * PyTorch's `torch.no_grad()` / `.detach()` for TF.js, which has no stop-gradient op. TF.js
 * records an op on the gradient tape only outside a kernel, and a custom gradient's forward
 * runs inside one; the op's only tape input is a constant scalar that no variable reaches,
 * so autodiff never visits it and no zero gradient the size of the inputs (the logits, for
 * WPO) is ever allocated.
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * The value of `compute()`, treated by autodiff as a constant.
 * @param compute any tensor computation; its intermediates are disposed
 */
export function withoutGradient<T extends tf.Tensor>(compute: () => T): T {
  const anchor = tf.scalar(0);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: tf.tidy(compute),
    gradFunc: () => tf.zerosLike(args[0] as tf.Tensor),
  }));
  const value = op(anchor) as T;
  anchor.dispose();
  return value;
}
