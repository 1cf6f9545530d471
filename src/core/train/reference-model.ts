import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../model/causal-lm';
import type { NamedWeights } from '../model/forward-options';
import type { HostWeights } from '../model/gpt-weights';
import { collateDpoBatch, type TokenizedPair } from '../dpo/batch';
import { batchLogProbs, uploadBatch, type DeviceBatch } from './dpo-step';

/** Per-pair reference log-probs: [chosen, rejected] at [2i, 2i + 1]. */
export type ReferenceCache = Float32Array;

/**
 * The frozen reference policy: a copy of the starting weights, never trained. Its log-probs
 * depend only on the row, so they can be computed once per row (TRL's
 * precompute_ref_log_probs), removing one forward pass from every step.
 */
export class ReferenceModel {
  readonly weights: NamedWeights = {};
  /** False for LoRA: the reference is the frozen base the policy's adapters sit on, not a copy. */
  private readonly ownsWeights: boolean;

  constructor(
    readonly config: ModelConfig,
    initial: HostWeights | NamedWeights,
  ) {
    this.ownsWeights = initial instanceof Map;
    if (initial instanceof Map) for (const [name, { shape, data }] of initial) this.weights[name] = tf.tensor(data, shape);
    else Object.assign(this.weights, initial);
  }

  /** Summed completion log-probs of each row: [rows]. */
  logProbs(batch: DeviceBatch, mask: tf.Tensor2D): tf.Tensor1D {
    return batchLogProbs(this.weights, this.config, batch, mask);
  }

  /**
   * Reference log-probs of every pair, `batchSize` pairs per forward, read back once per
   * chunk so progress can be shown. With LD-DPO's α they are the weighted sums the loss uses
   * (the weights depend only on the pair's lengths, so they cache like plain sums).
   */
  async precompute(
    pairs: readonly TokenizedPair[],
    batchSize: number,
    length: number,
    mask: tf.Tensor2D,
    onProgress?: (done: number) => void,
    padId?: number,
    ldAlpha: number | null = null,
  ): Promise<ReferenceCache> {
    const cache = new Float32Array(pairs.length * 2);
    for (let start = 0; start < pairs.length; start += batchSize) {
      const chunk = pairs.slice(start, start + batchSize);
      const logps = tf.tidy(() => this.logProbs(uploadBatch(collateDpoBatch(chunk, length, padId), ldAlpha), mask));
      const values = await logps.data();
      logps.dispose();
      chunk.forEach((_, i) => {
        cache[2 * (start + i)] = values[i];
        cache[2 * (start + i) + 1] = values[chunk.length + i];
      });
      onProgress?.(start + chunk.length);
    }
    return cache;
  }

  /** TR-DPO soft update: ref ← α·policy + (1 − α)·ref. */
  syncFrom(policy: NamedWeights, alpha: number): void {
    if (!this.ownsWeights) throw new Error('a LoRA reference is the base model and never moves (TR-DPO needs full fine-tuning)');
    for (const name of Object.keys(this.weights)) {
      const old = this.weights[name];
      this.weights[name] = tf.tidy(() => tf.add(tf.mul(alpha, policy[name]), tf.mul(1 - alpha, old)));
      old.dispose();
    }
  }

  /** Replaces the weights (a resumed TR-DPO run's moved reference); throws naming a bad tensor. */
  load(weights: HostWeights): void {
    if (!this.ownsWeights) return;
    for (const name of Object.keys(this.weights)) {
      const t = weights.get(name);
      if (!t || t.shape.join(',') !== this.weights[name].shape.join(','))
        throw new Error(`checkpoint: reference tensor ${name} is missing or has the wrong shape`);
      this.weights[name].dispose();
      this.weights[name] = tf.tensor(t.data, t.shape);
    }
  }

  dispose(): void {
    if (this.ownsWeights) tf.dispose(Object.values(this.weights));
  }
}

/** The cached log-probs of `indices`, laid out [chosen…; rejected…] like the batch rows. */
export function cachedReferenceLogProbs(cache: ReferenceCache, indices: readonly number[]): tf.Tensor1D {
  const values = new Float32Array(indices.length * 2);
  indices.forEach((pair, i) => {
    values[i] = cache[2 * pair];
    values[indices.length + i] = cache[2 * pair + 1];
  });
  return tf.tensor1d(values);
}
