import type uPlot from 'uplot';
import type { MetricName } from '../../core/train/metrics';

export interface ChartSeries {
  metric: MetricName;
  label: string;
  color: string;
  /** Training curve, or the held-out (eval_) points. */
  source: 'train' | 'eval';
}

interface Columns {
  metricSteps: number[];
  metricSeries: Record<MetricName, number[]>;
  evalSteps: number[];
  evalSeries: Record<MetricName, number[]>;
}

const finiteOrNull = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? null : x);

/**
 * uPlot wants one shared x column. Training-only charts use the step column as it is (no
 * copy, so 10,000-point series stay cheap); charts with eval points merge the two step
 * lists, leaving gaps (null) where a series has no value.
 */
export function chartColumns(series: ChartSeries[], c: Columns): uPlot.AlignedData {
  if (!series.some((s) => s.source === 'eval')) {
    return [c.metricSteps, ...series.map((s) => c.metricSeries[s.metric].map(finiteOrNull))];
  }
  const steps = [...new Set([...c.metricSteps, ...c.evalSteps])].sort((a, b) => a - b);
  const lookup = (xs: number[], ys: number[]) => {
    const byStep = new Map(xs.map((x, i) => [x, ys[i]]));
    return steps.map((x) => finiteOrNull(byStep.get(x)));
  };
  return [
    steps,
    ...series.map((s) => (s.source === 'eval' ? lookup(c.evalSteps, c.evalSeries[s.metric]) : lookup(c.metricSteps, c.metricSeries[s.metric]))),
  ];
}
