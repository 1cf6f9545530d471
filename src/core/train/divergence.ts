import { METRIC_COUNT, METRIC_NAMES } from './metric-names';

export interface Divergence {
  step: number;
  metric: 'loss' | 'grad_norm';
  value: number;
}

const WATCHED = ['loss', 'grad_norm'] as const;

/**
 * The first step whose loss or gradient norm is not finite, in a flushed block of metric
 * rows. (DPO-only metrics are NaN by design in SFT, so only these two are watched.)
 * @param values row-major [steps × METRIC_COUNT]
 */
export function findDivergence(steps: ArrayLike<number>, values: ArrayLike<number>): Divergence | null {
  for (let i = 0; i < steps.length; i++) {
    for (const metric of WATCHED) {
      const value = values[i * METRIC_COUNT + METRIC_NAMES.indexOf(metric)];
      if (!Number.isFinite(value)) return { step: steps[i], metric, value };
    }
  }
  return null;
}

/** What to tell the user, with what to change. */
export function divergenceMessage(d: Divergence, learningRate: number, beta: number): string {
  return `training diverged at step ${d.step}: ${d.metric} became ${d.value}. Lower the learning rate (now ${learningRate}) or raise β (now ${beta}), then train again from weights saved before it diverged.`;
}

/** Steps whose loss or gradient norm is not finite (the ones skipNonFinite left without an update). */
export function countNonFinite(steps: ArrayLike<number>, values: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < steps.length; i++) {
    if (WATCHED.some((metric) => !Number.isFinite(values[i * METRIC_COUNT + METRIC_NAMES.indexOf(metric)]))) out.push(steps[i]);
  }
  return out;
}
