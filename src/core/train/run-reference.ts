import { ldAlphaOf } from './step-inputs';
import * as tf from '@tensorflow/tfjs-core';
import type { DeviceBatch } from './dpo-step';
import type { ReferenceModel } from './reference-model';
import { ReferenceCache } from './reference-cache';
import type { Split, TrainingData } from './training-data';
import { needsReference, usesReferenceCache, type DpoSettings } from './settings';

export type { Split } from './training-data';

/**
 * Where a run's reference log-probs come from: the per-row caches when the settings allow one
 * (a TR-DPO reference moves, so it has none), the frozen reference's forward, or zeros
 * (reference-free). The caches start empty for each dataset and reference and fill as steps
 * and evaluations visit rows (ReferenceCache): two values per row for a DPO pair, one for a
 * KTO row (its own completion; its KL row changes with the batch and is never cached).
 */
export class RunReference {
  private caches: Record<Split, ReferenceCache> | null = null;

  constructor(
    readonly model: ReferenceModel | null,
    private readonly data: TrainingData,
  ) {}

  /** Forgets every cached row: new data, or a reference that moved. */
  reset(): void {
    this.caches = null;
  }

  /** The caches the settings use, made empty for the current data when first asked; null without one. */
  cachesFor(settings: DpoSettings): Record<Split, ReferenceCache> | null {
    if (!this.model || !usesReferenceCache(settings) || !needsReference(settings)) return null;
    const width = this.data.kto ? 1 : 2;
    return (this.caches ??= {
      train: new ReferenceCache(this.data.trainCount, width),
      eval: new ReferenceCache(this.data.evalCount, width),
    });
  }

  /**
   * Reference log-probs of the rows `indices` of `split`, uploaded as `device`: [rows] (a DPO
   * batch [chosen…; rejected…]). Computed rows go to the cache unless `record` is off. Call
   * inside a tidy.
   */
  logProbs(split: Split, indices: readonly number[], device: DeviceBatch, mask: tf.Tensor2D, settings: DpoSettings, record = true): tf.Tensor1D {
    if (!this.model || !needsReference(settings)) return tf.zeros([device.rows]) as tf.Tensor1D;
    return this.model.batchLogProbs(indices, device, mask, this.cachesFor(settings)?.[split] ?? null, record);
  }

  /** Reference log-probs of rows no cache can key (KTO's KL rows): always the forward, or zeros; [rows]. */
  uncachedLogProbs(device: DeviceBatch, mask: tf.Tensor2D, settings: DpoSettings): tf.Tensor1D {
    if (!this.model || !needsReference(settings)) return tf.zeros([device.rows]) as tf.Tensor1D;
    return this.model.logProbs(device, mask);
  }

  /** Every row's reference log-probs now, in dataset order, `batchSize` rows per forward (the eager way). */
  async fill(settings: DpoSettings, mask: tf.Tensor2D, padId: number, onProgress?: (done: number, total: number) => void): Promise<void> {
    const caches = this.cachesFor(settings);
    if (!caches || !this.model) return;
    const { trainCount, evalCount } = this.data;
    const total = trainCount + evalCount;
    const ldAlpha = ldAlphaOf(settings);
    const collate = (split: Split) => (rows: number[]) => this.data.collate(rows, split, settings.maxLength, padId).batch;
    await this.model.fill(caches.train, trainCount, settings.batchSize, mask, collate('train'), (done) => onProgress?.(done, total), ldAlpha);
    await this.model.fill(caches.eval, evalCount, settings.batchSize, mask, collate('eval'), (done) => onProgress?.(trainCount + done, total), ldAlpha);
  }

  /** Waits for the cache's pending read-backs: training rows cached, of all. */
  async cached(settings: DpoSettings): Promise<{ rows: number; of: number }> {
    const caches = this.cachesFor(settings);
    if (!caches) return { rows: 0, of: 0 };
    await Promise.all([caches.train.settled(), caches.eval.settled()]);
    return { rows: caches.train.size, of: caches.train.rows };
  }
}
