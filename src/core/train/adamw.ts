import * as tf from '@tensorflow/tfjs-core';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Decoupled weight decay (Loshchilov & Hutter), as torch.optim.AdamW. */
  weightDecay: number;
}

export const DEFAULT_ADAMW: AdamWOptions = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 };

/**
 * AdamW with clipping by global gradient norm, matching torch's clip_grad_norm_ + AdamW.
 * Written here rather than tf.train.adam because the learning rate changes between steps
 * (schedules, the user editing it mid-run) and its state must be readable for checkpoints.
 */
export class AdamW {
  private readonly m: Record<string, tf.Variable> = {};
  private readonly v: Record<string, tf.Variable> = {};
  private stepCount = 0;

  constructor(
    private readonly params: Record<string, tf.Variable>,
    private readonly options: AdamWOptions = DEFAULT_ADAMW,
  ) {
    for (const [name, p] of Object.entries(params)) {
      this.m[name] = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
      this.v[name] = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
    }
  }

  get steps(): number {
    return this.stepCount;
  }

  /**
   * Clips `grads` to `maxGradNorm` (≤ 0 disables clipping) and applies one update.
   * @returns the global gradient norm before clipping, a scalar the caller disposes
   */
  apply(grads: tf.NamedTensorMap, learningRate: number, maxGradNorm: number): tf.Scalar {
    this.stepCount++;
    const { beta1, beta2, epsilon, weightDecay } = this.options;
    const correction1 = 1 - beta1 ** this.stepCount;
    const correction2 = 1 - beta2 ** this.stepCount;
    return tf.tidy(() => {
      const norm = globalNorm(Object.values(grads));
      const scale = maxGradNorm > 0 ? tf.minimum(1, tf.div(maxGradNorm, tf.add(norm, 1e-6))) : tf.scalar(1);
      for (const [name, p] of Object.entries(this.params)) {
        const g = tf.mul(grads[name], scale);
        const m = this.m[name];
        const v = this.v[name];
        m.assign(tf.add(tf.mul(beta1, m), tf.mul(1 - beta1, g)));
        v.assign(tf.add(tf.mul(beta2, v), tf.mul(1 - beta2, tf.square(g))));
        const update = tf.div(tf.div(m, correction1), tf.add(tf.sqrt(tf.div(v, correction2)), epsilon));
        const decayed = weightDecay > 0 ? tf.mul(p, 1 - learningRate * weightDecay) : p;
        p.assign(tf.sub(decayed, tf.mul(learningRate, update)));
      }
      return norm;
    });
  }

  dispose(): void {
    for (const t of [...Object.values(this.m), ...Object.values(this.v)]) t.dispose();
  }
}

/**
 * √(Σ‖g‖²) over all tensors. Summed pairwise, not with tf.addN: WebGPU's AddN binds every
 * input as a storage buffer, and past the device's limit (8 on many adapters) its pipeline
 * is invalid and silently yields garbage.
 */
export function globalNorm(tensors: tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    const squares = tensors.map((g) => tf.sum(tf.square(g)));
    return tf.sqrt(squares.reduce((total, s) => tf.add(total, s))) as tf.Scalar;
  });
}
