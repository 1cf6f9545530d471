/**
 * One AdamW step for one parameter (decoupled weight decay, bias correction, torch.optim's
 * order of operations), with the global-norm clip factor and the non-finite guard folded in.
 *
 * The portable composition is about sixteen elementwise kernels per parameter, three `where`s
 * more with the guard. A backend that registers ADAMW_UPDATE_KERNEL (src/kernels/webgpu/) does
 * the whole step for one parameter in one kernel call. Why per parameter and not one flat
 * buffer over all of them: the model reads each weight as its own tf.Variable, so a flat
 * buffer would need a concat of params, grads, m and v before the step and a slice per
 * tensor after it (≥ 3·N copies more, every step), and one dispatch cannot bind N buffers
 * (WebGPU allows 8–10 storage buffers per shader). A TF.js WebGPU program has a single output
 * binding, so the WebGPU kernel issues three elementwise dispatches (new param, m, v) that
 * share inputs: 3·N dispatches where the portable ops take ~16·N.
 *
 * Kernel contract (float32, param, grad, m and v of one shape; scalars are shape []):
 *   AdamWUpdate: inputs { param, grad, m, v, clipScale [], apply [] },
 *                attrs { learningRate, beta1, beta2, epsilon, weightDecay, correction1, correction2 }
 *     → [param', m', v'] with g = grad · clipScale,
 *        m' = β₁·m + (1 − β₁)·g,  v' = β₂·v + (1 − β₂)·g²,
 *        param' = param·(1 − lr·wd) − lr · (m'/c₁) / (√(v'/c₂) + ε)   (c = 1 − βᵗ),
 *        and param, m, v returned unchanged where apply is 0 (a non-finite step).
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertPathAvailable, runNamedKernel } from './fused-op';
import { kernelPath, type KernelPath } from './kernel-path';

export const ADAMW_UPDATE_KERNEL = 'AdamWUpdate';

export function adamwPath(): KernelPath {
  return kernelPath([ADAMW_UPDATE_KERNEL]);
}

export interface AdamStepSettings {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Decoupled (AdamW) decay; 0 for plain Adam, whose L2 term the caller adds to the gradient. */
  weightDecay: number;
  /** 1 − β₁ᵗ and 1 − β₂ᵗ for this step t. */
  correction1: number;
  correction2: number;
}

export interface AdamStepResult {
  param: tf.Tensor;
  m: tf.Tensor;
  v: tf.Tensor;
}

/** The portable composition; `g` is the gradient already clipped. */
export function adamStepPortable(param: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, s: AdamStepSettings): AdamStepResult {
  const nextM = tf.add(tf.mul(s.beta1, m), tf.mul(1 - s.beta1, g));
  const nextV = tf.add(tf.mul(s.beta2, v), tf.mul(1 - s.beta2, tf.square(g)));
  const step = tf.div(tf.div(nextM, s.correction1), tf.add(tf.sqrt(tf.div(nextV, s.correction2)), s.epsilon));
  const decayed = s.weightDecay > 0 ? tf.mul(param, 1 - s.learningRate * s.weightDecay) : param;
  return { param: tf.sub(decayed, tf.mul(s.learningRate, step)), m: nextM, v: nextV };
}

/**
 * The fused AdamW step through the registered kernel (callers pick it with `adamwPath()`).
 * @param clipScale [] the gradient's clip factor
 * @param apply [] 1 to take the step, 0 to return param, m, v unchanged
 */
export function adamwUpdateFused(
  param: tf.Tensor,
  grad: tf.Tensor,
  m: tf.Tensor,
  v: tf.Tensor,
  clipScale: tf.Scalar,
  apply: tf.Scalar,
  s: AdamStepSettings,
): AdamStepResult {
  assertPathAvailable('adamwUpdate', 'fused', adamwPath());
  if (grad.shape.join() !== param.shape.join())
    throw new Error(`adamwUpdate: gradient ${JSON.stringify(grad.shape)} does not match its parameter ${JSON.stringify(param.shape)}`);
  const [nextParam, nextM, nextV] = runNamedKernel(ADAMW_UPDATE_KERNEL, { param, grad, m, v, clipScale, apply }, { ...s });
  return { param: nextParam, m: nextM, v: nextV };
}
