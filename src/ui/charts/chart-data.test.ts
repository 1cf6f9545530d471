import { describe, expect, it } from 'vitest';
import { METRIC_NAMES, type MetricName } from '../../core/train/metric-names';
import { ChartFeed, type ChartSeries, type Columns } from './chart-data';

const LOSS: ChartSeries = { metric: 'loss', label: 'loss', color: '#000', source: 'train' };
const EVAL_LOSS: ChartSeries = { metric: 'loss', label: 'eval_loss', color: '#000', source: 'eval' };
const MARGIN: ChartSeries = { metric: 'rewards/margins', label: 'margins', color: '#000', source: 'train' };

function store(): Columns {
  const empty = () => Object.fromEntries(METRIC_NAMES.map((name) => [name, [] as number[]])) as Record<MetricName, number[]>;
  return { metricSteps: [], metricSeries: empty(), evalSteps: [], evalSeries: empty() };
}

/** Appends in place, as the store's appendMetrics does. */
function append(c: Columns, rows: { step: number; loss: number; margin?: number }[]) {
  for (const r of rows) {
    c.metricSteps.push(r.step);
    c.metricSeries.loss.push(r.loss);
    c.metricSeries['rewards/margins'].push(r.margin ?? 0);
  }
}

const wave = (step: number) => Math.sin(step / 37) + (step % 997 === 0 ? 5 : 0) - (step % 1499 === 0 ? 4 : 0);

describe('ChartFeed', () => {
  it('passes a short run through exactly, a non-finite value as a gap', () => {
    const c = store();
    append(c, [
      { step: 1, loss: 0.69 },
      { step: 2, loss: NaN },
      { step: 3, loss: 0.6 },
    ]);
    expect(new ChartFeed([LOSS]).columns(c, 400)).toEqual([
      [1, 2, 3],
      [0.69, null, 0.6],
    ]);
  });

  it('keeps a 10,000-step run to two buckets per pixel, each bucket its min and max in order', () => {
    const c = store();
    append(c, Array.from({ length: 10_000 }, (_, i) => ({ step: i + 1, loss: wave(i + 1), margin: -wave(i + 1) })));
    const [x, loss, margin] = new ChartFeed([LOSS, MARGIN]).columns(c, 100);
    expect(x.length).toBeLessThanOrEqual(2 * 2 * 100);
    expect(x.length).toBeGreaterThan(2 * 100);
    expect(x[0]).toBe(1);
    expect(x.at(-1)).toBe(10_000);
    // Every spike survives: the extremes of the full series are drawn.
    expect(Math.max(...(loss as number[]))).toBe(Math.max(...c.metricSeries.loss));
    expect(Math.min(...(loss as number[]))).toBe(Math.min(...c.metricSeries.loss));
    expect(Math.min(...(margin as number[]))).toBe(-Math.max(...c.metricSeries.loss));
    // Against a brute-force bucketing of the same span.
    const span = Math.ceil(10_000 / (x.length / 2));
    for (let b = 0; b < x.length / 2; b++) {
      const values = c.metricSeries.loss.slice(b * span, (b + 1) * span);
      const pair = [loss[2 * b], loss[2 * b + 1]] as number[];
      expect([x[2 * b], x[2 * b + 1]]).toEqual([b * span + 1, Math.min((b + 1) * span, 10_000)]);
      expect(Math.min(...pair)).toBe(Math.min(...values));
      expect(Math.max(...pair)).toBe(Math.max(...values));
      const first = values.indexOf(Math.min(...values)) <= values.indexOf(Math.max(...values)) ? Math.min(...values) : Math.max(...values);
      expect(pair[0]).toBe(first);
    }
  });

  it('gives the same data fed 32 rows per flush as fed all at once (a resumed run catching up)', () => {
    const live = store();
    const whole = store();
    const feed = new ChartFeed([LOSS, MARGIN]);
    const rows = Array.from({ length: 5_000 }, (_, i) => ({ step: i + 1, loss: wave(i + 1), margin: i % 13 === 0 ? NaN : wave(i) }));
    let columns;
    for (let i = 0; i < rows.length; i += 32) {
      append(live, rows.slice(i, i + 32));
      columns = feed.columns(live, 300);
    }
    append(whole, rows);
    expect(columns).toEqual(new ChartFeed([LOSS, MARGIN]).columns(whole, 300));
  });

  it('lets a bucket with finite values win over a skipped (non-finite) neighbour when buckets merge', () => {
    const c = store();
    append(c, Array.from({ length: 1_000 }, (_, i) => ({ step: i + 1, loss: i % 2 === 0 ? NaN : i })));
    const [, loss] = new ChartFeed([LOSS]).columns(c, 10);
    expect(loss.length).toBeGreaterThan(10);
    expect(Array.from(loss, (v) => v ?? 'gap')).not.toContain('gap');
    expect(Math.max(...(loss as number[]))).toBe(999);
  });

  it('merges eval points at their own steps, sharing a row with the training step they follow', () => {
    const c = store();
    c.evalSteps.push(0);
    c.evalSeries.loss.push(0.7);
    append(c, [
      { step: 1, loss: 0.69 },
      { step: 2, loss: 0.68 },
    ]);
    c.evalSteps.push(2);
    c.evalSeries.loss.push(0.66);
    append(c, [{ step: 3, loss: 0.6 }]);
    expect(new ChartFeed([LOSS, EVAL_LOSS]).columns(c, 400)).toEqual([
      [0, 1, 2, 3],
      [null, 0.69, 0.68, 0.6],
      [0.7, null, 0.66, null],
    ]);
  });

  it('starts afresh when the store clears its columns (a new run)', () => {
    const feed = new ChartFeed([LOSS]);
    const first = store();
    append(first, Array.from({ length: 50 }, (_, i) => ({ step: i + 1, loss: 1 })));
    feed.columns(first, 400);
    const second = store();
    append(second, [{ step: 7, loss: 0.5 }]);
    expect(feed.columns(second, 400)).toEqual([[7], [0.5]]);
  });
});
