import * as tf from '@tensorflow/tfjs-core';

/** Per-step metrics in TRL's names, in the order of each step's metric vector. */
export const METRIC_NAMES = [
  'loss',
  'rewards/chosen',
  'rewards/rejected',
  'rewards/margins',
  'rewards/accuracies',
  'logps/chosen',
  'logps/rejected',
  'logits/chosen',
  'logits/rejected',
  'grad_norm',
  'learning_rate',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];
export const METRIC_COUNT = METRIC_NAMES.length;

export type MetricRow = Record<MetricName, number>;

export function metricRow(values: ArrayLike<number>, offset = 0): MetricRow {
  const row = {} as MetricRow;
  METRIC_NAMES.forEach((name, i) => (row[name] = values[offset + i]));
  return row;
}

/**
 * Holds each step's metric vector on the device and reads them back together, so the
 * training loop never waits on the GPU except once per flush.
 */
export class DeviceMetricsBuffer {
  private pending: tf.Tensor1D[] = [];

  push(metrics: tf.Tensor1D): void {
    this.pending.push(metrics);
  }

  get size(): number {
    return this.pending.length;
  }

  /** @returns [steps × METRIC_COUNT] values, row-major */
  async flush(): Promise<Float32Array> {
    if (this.pending.length === 0) return new Float32Array(0);
    const batch = this.pending;
    this.pending = [];
    const stacked = tf.concat(batch);
    batch.forEach((t) => t.dispose());
    const values = (await stacked.data()) as Float32Array;
    stacked.dispose();
    return values;
  }

  dispose(): void {
    this.pending.forEach((t) => t.dispose());
    this.pending = [];
  }
}
