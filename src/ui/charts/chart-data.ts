import type uPlot from 'uplot';
import type { MetricName } from '../../core/train/metric-names';

// A chart is redrawn on every metrics flush, so what it hands uPlot must not grow with the
// run: training curves are reduced, as rows arrive, to the min and max of each bucket of
// consecutive steps, with at most two buckets per horizontal pixel. A 10,000- or
// 1,000,000-step run then costs the same few hundred points per redraw, and the outline
// (every spike included) is the one the full series would draw at that width.

export interface ChartSeries {
  metric: MetricName;
  label: string;
  color: string;
  /** Training curve, or the held-out (eval_) points. */
  source: 'train' | 'eval';
}

/** The store's metric columns (see metrics-slice): appended in place, replaced when cleared. */
export interface Columns {
  metricSteps: number[];
  metricSeries: Record<MetricName, number[]>;
  evalSteps: number[];
  evalSeries: Record<MetricName, number[]>;
}

const finiteOrNull = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? null : x);

/**
 * Min and max (and the row each sits at) of each series over buckets of `span` consecutive
 * rows, bucket b holding rows [b·span, (b+1)·span). When there would be more than
 * `maxBuckets`, neighbours merge and the span doubles: each row is looked at once, plus
 * log2(rows / maxBuckets) merges of at most maxBuckets buckets.
 */
export class MinMaxBuckets {
  span = 1;
  rows = 0;
  /** [series][bucket]; NaN (and -1) where the bucket has no finite value. */
  readonly min: number[][];
  readonly minAt: number[][];
  readonly max: number[][];
  readonly maxAt: number[][];

  constructor(
    seriesCount: number,
    readonly maxBuckets: number,
  ) {
    const perSeries = () => Array.from({ length: seriesCount }, () => [] as number[]);
    this.min = perSeries();
    this.minAt = perSeries();
    this.max = perSeries();
    this.maxAt = perSeries();
  }

  get count(): number {
    return Math.ceil(this.rows / this.span);
  }

  /** Takes rows [this.rows, upTo) of each series (`values[s][row]`). */
  push(values: ArrayLike<number>[], upTo: number): void {
    // halve() shortens these arrays in place, so they stay the series' own.
    const columns = values.map((_, s) => [this.min[s], this.minAt[s], this.max[s], this.maxAt[s]]);
    for (let row = this.rows; row < upTo; row++) {
      const b = Math.floor(row / this.span);
      for (let s = 0; s < values.length; s++) {
        const [min, minAt, max, maxAt] = columns[s];
        if (b === min.length) {
          min.push(NaN);
          max.push(NaN);
          minAt.push(-1);
          maxAt.push(-1);
        }
        const v = values[s][row];
        if (!Number.isFinite(v)) continue;
        // `!(v >= NaN)` holds: the bucket's first finite value sets both extremes.
        if (!(v >= min[b])) {
          min[b] = v;
          minAt[b] = row;
        }
        if (!(v <= max[b])) {
          max[b] = v;
          maxAt[b] = row;
        }
      }
      this.rows = row + 1;
      if (this.count > this.maxBuckets) this.halve();
    }
  }

  private halve(): void {
    this.span *= 2;
    for (let s = 0; s < this.min.length; s++) {
      const [min, minAt, max, maxAt] = [this.min[s], this.minAt[s], this.max[s], this.maxAt[s]];
      const merged = Math.ceil(min.length / 2);
      for (let b = 0; b < merged; b++) {
        const [left, right] = [2 * b, 2 * b + 1];
        // NaN never wins a comparison, so an empty half gives way to the other.
        const lowerRight = right < min.length && !(min[left] <= min[right]);
        const higherRight = right < max.length && !(max[left] >= max[right]);
        min[b] = lowerRight ? min[right] : min[left];
        minAt[b] = lowerRight ? minAt[right] : minAt[left];
        max[b] = higherRight ? max[right] : max[left];
        maxAt[b] = higherRight ? maxAt[right] : maxAt[left];
      }
      for (const column of [min, minAt, max, maxAt]) column.length = merged;
    }
  }
}

/**
 * One chart's uPlot data, kept up to date from the store's columns. uPlot wants one shared
 * x column: a bucket becomes the rows of its first and last step, carrying each series' two
 * extremes in the order they occurred (one row when the bucket holds one step); eval points
 * are merged in at their own steps, exactly, with gaps (null) where a series has no value.
 */
export class ChartFeed {
  private readonly train: ChartSeries[];
  private buckets: MinMaxBuckets;
  private steps: number[] | null = null;

  constructor(private readonly series: ChartSeries[]) {
    this.train = series.filter((s) => s.source === 'train');
    this.buckets = new MinMaxBuckets(this.train.length, 0);
  }

  /** @param widthPx the plot's width: at most two buckets per pixel */
  columns(c: Columns, widthPx: number): uPlot.AlignedData {
    const maxBuckets = Math.max(2, 2 * Math.round(widthPx));
    // A cleared run replaces the store's arrays; a new width re-buckets from the start.
    if (c.metricSteps !== this.steps || c.metricSteps.length < this.buckets.rows || maxBuckets !== this.buckets.maxBuckets) {
      this.buckets = new MinMaxBuckets(this.train.length, maxBuckets);
      this.steps = c.metricSteps;
    }
    this.buckets.push(
      this.train.map((s) => c.metricSeries[s.metric]),
      c.metricSteps.length,
    );
    const [x, ys] = this.trainRows(c.metricSteps);
    if (this.train.length === this.series.length) return [x, ...ys];
    return this.withEval(x, ys, c);
  }

  private trainRows(steps: number[]): [number[], (number | null)[][]] {
    const { span, rows, min, max, minAt, maxAt } = this.buckets;
    const x: number[] = [];
    const ys = this.train.map(() => [] as (number | null)[]);
    for (let b = 0; b < this.buckets.count; b++) {
      const first = b * span;
      const last = Math.min(first + span, rows) - 1;
      x.push(steps[first]);
      if (last > first) x.push(steps[last]);
      ys.forEach((y, s) => {
        const [low, high] = [finiteOrNull(min[s][b]), finiteOrNull(max[s][b])];
        if (last === first) y.push(low);
        else if (minAt[s][b] <= maxAt[s][b]) y.push(low, high);
        else y.push(high, low);
      });
    }
    return [x, ys];
  }

  private withEval(trainX: number[], trainYs: (number | null)[][], c: Columns): uPlot.AlignedData {
    const x: number[] = [];
    const out = this.series.map(() => [] as (number | null)[]);
    const trainColumn = this.series.map((s) => this.train.indexOf(s));
    let [i, j] = [0, 0];
    while (i < trainX.length || j < c.evalSteps.length) {
      const takeTrain = j >= c.evalSteps.length || (i < trainX.length && trainX[i] <= c.evalSteps[j]);
      const takeEval = i >= trainX.length || (j < c.evalSteps.length && c.evalSteps[j] <= trainX[i]);
      x.push(takeTrain ? trainX[i] : c.evalSteps[j]);
      this.series.forEach((s, k) => {
        if (s.source === 'train') out[k].push(takeTrain ? trainYs[trainColumn[k]][i] : null);
        else out[k].push(takeEval ? finiteOrNull(c.evalSeries[s.metric][j]) : null);
      });
      if (takeTrain) i++;
      if (takeEval) j++;
    }
    return [x, ...out];
  }
}
