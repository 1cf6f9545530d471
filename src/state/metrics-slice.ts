import type { StateCreator } from 'zustand';
import { forwardMetrics, METRIC_COUNT, METRIC_NAMES, type MetricName } from '../core/train/metric-names';

export interface MetricsSlice {
  /**
   * Series grow in place (charts re-read them when `metricsVersion` changes) so appending
   * a delta never copies the history: charts keep up with 10,000+ points.
   */
  metricSteps: number[];
  metricSeries: Record<MetricName, number[]>;
  metricsVersion: number;
  stepsPerSecond: number;
  tokensPerSecond: number;
  /** Held-out metrics (logged as eval_*), one row per evaluation. */
  evalSteps: number[];
  evalSeries: Record<MetricName, number[]>;
  appendMetrics(steps: ArrayLike<number>, values: ArrayLike<number>, stepsPerSecond: number, tokensPerSecond: number): void;
  appendEval(step: number, values: ArrayLike<number>): void;
  clearMetrics(): void;
}

const emptySeries = () => Object.fromEntries(METRIC_NAMES.map((name) => [name, [] as number[]])) as Record<MetricName, number[]>;

export const createMetricsSlice: StateCreator<MetricsSlice> = (set, get) => ({
  metricSteps: [],
  metricSeries: emptySeries(),
  metricsVersion: 0,
  stepsPerSecond: 0,
  tokensPerSecond: 0,
  evalSteps: [],
  evalSeries: emptySeries(),
  appendEval(step, values) {
    const { evalSteps, evalSeries, metricsVersion } = get();
    evalSteps.push(step);
    // An evaluation has the forward metrics only: no grad_norm or learning_rate.
    const named: Partial<Record<MetricName, number>> = forwardMetrics(values);
    METRIC_NAMES.forEach((name) => evalSeries[name].push(named[name] ?? NaN));
    set({ metricsVersion: metricsVersion + 1 });
  },
  appendMetrics(steps, values, stepsPerSecond, tokensPerSecond) {
    const { metricSteps, metricSeries, metricsVersion } = get();
    for (let i = 0; i < steps.length; i++) {
      metricSteps.push(steps[i]);
      METRIC_NAMES.forEach((name, m) => metricSeries[name].push(values[i * METRIC_COUNT + m]));
    }
    set({ metricsVersion: metricsVersion + 1, stepsPerSecond, tokensPerSecond });
  },
  clearMetrics() {
    set((s) => ({
      metricSteps: [],
      metricSeries: emptySeries(),
      evalSteps: [],
      evalSeries: emptySeries(),
      metricsVersion: s.metricsVersion + 1,
      stepsPerSecond: 0,
      tokensPerSecond: 0,
    }));
  },
});
