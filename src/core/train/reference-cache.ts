/**
 * Reference log-probs cached per row (TRL's precompute_ref_log_probs), filled as the run goes:
 * a row's values are computed by the first batch that visits it — the uncached cost, during
 * the first epoch — and reused after. So the first step waits for one batch's reference
 * forward, not for the whole dataset's.
 *
 * The values a step computed are read back without holding the step up: the read is queued
 * with the step and lands while the run yields between steps. A row whose read has not landed
 * yet when a batch visits it again is simply computed again. On the cpu backend a row's
 * log-probs do not depend on which rows share its batch (fixed-length padding, row-wise
 * kernels), so the values, and the run, are bitwise those of computing every row up front.
 *
 * The cache knows rows, not pairs: `width` values per row (2 for a DPO pair: chosen and
 * rejected; 1 for an unpaired completion), in the batch layout the step uses.
 */
import * as tf from '@tensorflow/tfjs-core';

export class ReferenceCache {
  private readonly values: Float32Array;
  private readonly known: Uint8Array;
  private readonly reads = new Set<Promise<void>>();
  private failure: unknown = null;
  private count = 0;

  constructor(
    readonly rows: number,
    readonly width: number,
  ) {
    this.values = new Float32Array(rows * width);
    this.known = new Uint8Array(rows);
  }

  /** How many rows have their values stored. */
  get size(): number {
    return this.count;
  }

  /**
   * The stored values of `rows` in batch layout — value k of rows[i] at [k·n + i], n = rows.length
   * (a DPO batch: every chosen row, then every rejected one) — or null while any is missing.
   */
  lookup(rows: readonly number[]): Float32Array | null {
    if (rows.some((row) => this.known[row] !== 1)) return null;
    const n = rows.length;
    const out = new Float32Array(n * this.width);
    rows.forEach((row, i) => {
      for (let k = 0; k < this.width; k++) out[k * n + i] = this.values[row * this.width + k];
    });
    return out;
  }

  /**
   * Stores the values computed on the device for `rows` (batch layout, [rows.length × width])
   * once their read-back lands; takes `values` over and disposes it then.
   */
  store(rows: readonly number[], values: tf.Tensor): void {
    if (values.size !== rows.length * this.width)
      throw new Error(`reference cache: ${values.size} values for ${rows.length} rows of ${this.width}`);
    const batch = rows.slice();
    const read: Promise<void> = values
      .data()
      .then((data) => this.write(batch, data as Float32Array))
      .catch((error: unknown) => void (this.failure ??= error))
      .finally(() => {
        values.dispose();
        this.reads.delete(read);
      });
    this.reads.add(read);
  }

  private write(rows: readonly number[], data: Float32Array): void {
    const n = rows.length;
    rows.forEach((row, i) => {
      for (let k = 0; k < this.width; k++) this.values[row * this.width + k] = data[k * n + i];
      if (this.known[row] !== 1) this.count++;
      this.known[row] = 1;
    });
  }

  /** Waits for every queued read-back; throws the first that failed (its rows stay missing). */
  async settled(): Promise<void> {
    while (this.reads.size > 0) await Promise.all([...this.reads]);
    if (this.failure !== null) throw this.failure;
  }
}
