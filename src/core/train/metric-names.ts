// TF-free: the page imports these names (charts, runs list, the demo), so this module must
// never import TensorFlow.js or a module that does (lint: tools/lint/tf-free-imports.js).

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
  /** KTO's z₀ (the clamped KL estimate from mismatched rows); NaN in SFT and DPO runs. */
  'kl',
  'grad_norm',
  'learning_rate',
] as const;

export type MetricName = (typeof METRIC_NAMES)[number];
export const METRIC_COUNT = METRIC_NAMES.length;

export type MetricRow = Record<MetricName, number>;

/**
 * The metrics a forward pass yields (everything but the optimizer's `grad_norm` and
 * `learning_rate`), in METRIC_NAMES order: what an evaluation returns and logs as `eval_*`.
 */
export const FORWARD_METRIC_NAMES = METRIC_NAMES.slice(0, METRIC_NAMES.indexOf('grad_norm')) as Exclude<MetricName, 'grad_norm' | 'learning_rate'>[];
export type ForwardMetricName = (typeof FORWARD_METRIC_NAMES)[number];

/** One row of a row-major [steps × METRIC_COUNT] block, by name. */
export function metricRow(values: ArrayLike<number>, offset = 0): MetricRow {
  const row = {} as MetricRow;
  METRIC_NAMES.forEach((name, i) => (row[name] = values[offset + i]));
  return row;
}

/** Metric `name` of row `row` in a row-major [rows × METRIC_COUNT] block. */
export function metricAt(values: ArrayLike<number>, row: number, name: MetricName): number {
  return values[row * METRIC_COUNT + METRIC_NAMES.indexOf(name)];
}

/** Rows in a row-major [rows × METRIC_COUNT] block. */
export function metricRowCount(values: ArrayLike<number>): number {
  return values.length / METRIC_COUNT;
}

/** An evaluation's [FORWARD_METRIC_NAMES.length] values, by name. */
export function forwardMetrics(values: ArrayLike<number>): Record<ForwardMetricName, number> {
  return Object.fromEntries(FORWARD_METRIC_NAMES.map((name, i) => [name, values[i]])) as Record<ForwardMetricName, number>;
}
