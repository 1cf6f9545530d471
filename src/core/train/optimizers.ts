import * as tf from '@tensorflow/tfjs-core';
import type { OptimizerName } from './settings';
import type { HostWeights } from '../model/gpt-weights';
import { adamStepPortable, adamwPath, adamwUpdateFused } from '../ops/adamw';

export interface OptimizerOptions {
  weightDecay: number;
  beta1: number;
  beta2: number;
  /** RMSprop's smoothing constant (torch's `alpha`). */
  rmsAlpha: number;
  epsilon: number;
}

export const DEFAULT_OPTIMIZER_OPTIONS: OptimizerOptions = { weightDecay: 0, beta1: 0.9, beta2: 0.999, rmsAlpha: 0.99, epsilon: 1e-8 };

/**
 * AdamW (decoupled weight decay), Adam (L2 decay added to the gradient) and RMSprop (the
 * paper's), each matching torch.optim after torch.nn.utils.clip_grad_norm_. Written here
 * rather than tf.train.* because the learning rate changes every step (schedules, the user
 * editing it) and the state must be readable for checkpoints. AdamW's step runs as one fused
 * kernel per parameter where the backend registers it (src/core/ops/adamw.ts).
 */
export class Optimizer {
  private readonly m: Record<string, tf.Variable> = {};
  private readonly v: Record<string, tf.Variable> = {};
  private stepCount = 0;

  constructor(
    readonly kind: OptimizerName,
    private readonly params: Record<string, tf.Variable>,
    private readonly options: OptimizerOptions = DEFAULT_OPTIMIZER_OPTIONS,
  ) {
    for (const [name, p] of Object.entries(params)) {
      if (kind !== 'rmsprop') this.m[name] = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
      this.v[name] = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
    }
  }

  /**
   * Clips `grads` (keyed like the params) to `maxGradNorm` (≤ 0: no clipping), then updates.
   * With `guard`, the update happens only where the gradient norm and `guard` are finite,
   * decided on the device (no read-back): a non-finite step leaves weights and moments as
   * they were (the bias-correction count still advances).
   * @returns the global gradient norm before clipping (scalar, owned by the caller)
   */
  apply(grads: tf.NamedTensorMap, learningRate: number, maxGradNorm: number, guard?: tf.Scalar): tf.Scalar {
    this.stepCount++;
    const { beta1, beta2, epsilon, weightDecay, rmsAlpha } = this.options;
    const correction1 = 1 - beta1 ** this.stepCount;
    const correction2 = 1 - beta2 ** this.stepCount;
    const fused = this.kind === 'adamw' && adamwPath() === 'fused';
    return tf.tidy(() => {
      const norm = globalNorm(Object.values(grads));
      const scale = maxGradNorm > 0 ? tf.minimum(1, tf.div(maxGradNorm, tf.add(norm, 1e-6))) : tf.scalar(1);
      const finite = guard ? tf.logicalAnd(tf.isFinite(norm), tf.isFinite(guard)) : null;
      const update = (target: tf.Variable, next: tf.Tensor) =>
        target.assign(finite ? tf.where(tf.broadcastTo(finite, target.shape), next, target) : next);
      const settings = { learningRate, beta1, beta2, epsilon, weightDecay: this.kind === 'adamw' ? weightDecay : 0, correction1, correction2 };
      // The fused kernel takes the clip factor and the guard as inputs: one call per parameter.
      const apply = fused ? (finite ? tf.cast(finite, 'float32') : tf.scalar(1)) : null;
      for (const [name, p] of Object.entries(this.params)) {
        if (apply) {
          const next = adamwUpdateFused(p, grads[name], this.m[name], this.v[name], scale as tf.Scalar, apply as tf.Scalar, settings);
          p.assign(next.param);
          this.m[name].assign(next.m);
          this.v[name].assign(next.v);
          continue;
        }
        let g: tf.Tensor = tf.mul(grads[name], scale);
        if (this.kind !== 'adamw' && weightDecay > 0) g = tf.add(g, tf.mul(weightDecay, p));
        const v = this.v[name];
        if (this.kind === 'rmsprop') {
          const nextV = tf.add(tf.mul(rmsAlpha, v), tf.mul(1 - rmsAlpha, tf.square(g)));
          update(p, tf.sub(p, tf.mul(learningRate, tf.div(g, tf.add(tf.sqrt(nextV), epsilon)))));
          update(v, nextV);
          continue;
        }
        const m = this.m[name];
        const next = adamStepPortable(p, g, m, v, settings);
        update(p, next.param);
        update(m, next.m);
        update(v, next.v);
      }
      return norm;
    });
  }

  /** Moments and step count read back, for a checkpoint. */
  async exportState(): Promise<OptimizerState> {
    const read = async (vars: Record<string, tf.Variable>) => {
      const out: HostWeights = new Map();
      for (const [name, v] of Object.entries(vars)) out.set(name, { shape: v.shape.slice(), data: (await v.data()) as Float32Array });
      return out;
    };
    return { steps: this.stepCount, m: await read(this.m), v: await read(this.v) };
  }

  /** Resumes from exportState's output; throws naming a moment whose shape does not match. */
  importState(state: OptimizerState): void {
    const load = (vars: Record<string, tf.Variable>, host: HostWeights, label: string) => {
      for (const [name, v] of Object.entries(vars)) {
        const t = host.get(name);
        if (!t || t.shape.join(',') !== v.shape.join(','))
          throw new Error(`checkpoint: optimizer ${label} for ${name} is missing or has the wrong shape`);
        tf.tidy(() => v.assign(tf.tensor(t.data, t.shape)));
      }
    };
    load(this.m, state.m, 'm');
    load(this.v, state.v, 'v');
    this.stepCount = state.steps;
  }

  dispose(): void {
    tf.dispose([...Object.values(this.m), ...Object.values(this.v)]);
  }
}

export interface OptimizerState {
  steps: number;
  /** First moments (empty for RMSprop). */
  m: HostWeights;
  v: HostWeights;
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
