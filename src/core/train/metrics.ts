import * as tf from '@tensorflow/tfjs-core';

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
