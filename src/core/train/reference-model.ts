import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../model/causal-lm';
import type { NamedWeights } from '../model/forward-options';
import type { HostWeights } from '../model/gpt-weights';
import type { DpoBatch } from '../dpo/batch';
import { batchLogProbs, uploadBatch, type DeviceBatch } from './dpo-step';
import type { ReferenceCache } from './reference-cache';

/**
 * The frozen reference policy: a copy of the starting weights, never trained. Its log-probs
 * depend only on the row, so they can be cached per row (TRL's precompute_ref_log_probs,
 * see ReferenceCache), removing one forward pass from every step after the first epoch.
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
   * A batch's reference log-probs, [rows] ([chosen…; rejected…]): from the cache when it holds
   * every pair of the batch, otherwise computed, and handed to the cache unless `record` is off
   * (a compile-only rehearsal makes tensors without data).
   * With LD-DPO's α (`ldAlpha`) the log-probs are the weighted sums the loss uses (the weights
   * depend only on a pair's lengths, so they cache like plain sums).
   */
  batchLogProbs(pairs: readonly number[], batch: DeviceBatch, mask: tf.Tensor2D, cache: ReferenceCache | null, record = true): tf.Tensor1D {
    const stored = cache?.lookup(pairs);
    if (stored) return tf.tensor1d(stored);
    const computed = this.logProbs(batch, mask);
    if (cache && record) cache.store(pairs, tf.keep(computed.clone()));
    return computed;
  }

  /**
   * Every row's reference log-probs up front, `batchSize` rows per forward in dataset order,
   * read back once per chunk so progress can be shown. Runs do not need it (steps fill the
   * cache as they visit rows); it is the eager baseline the lazy cache is compared with.
   * `collate` lays rows out as the cache stores them (a DPO pair's two rows, a KTO row's one).
   */
  async fill(
    cache: ReferenceCache,
    count: number,
    batchSize: number,
    mask: tf.Tensor2D,
    collate: (rows: number[]) => DpoBatch,
    onProgress?: (done: number) => void,
    ldAlpha: number | null = null,
  ): Promise<void> {
    for (let start = 0; start < count; start += batchSize) {
      const rows = Array.from({ length: Math.min(batchSize, count - start) }, (_, i) => start + i);
      cache.store(
        rows,
        tf.tidy(() => this.logProbs(uploadBatch(collate(rows), ldAlpha), mask)),
      );
      await cache.settled();
      onProgress?.(start + rows.length);
    }
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
