import { MetricChart } from './MetricChart';
import type { ChartSeries } from './chart-data';

// Module constants: a stable identity keeps each chart from being rebuilt on render.
const LOSS: ChartSeries[] = [
  { metric: 'loss', label: 'loss', color: '#d9480f', source: 'train' },
  { metric: 'loss', label: 'eval_loss', color: '#862e9c', source: 'eval' },
];
const MARGIN: ChartSeries[] = [
  { metric: 'rewards/margins', label: 'rewards/margins', color: '#1971c2', source: 'train' },
  { metric: 'rewards/margins', label: 'eval_rewards/margins', color: '#862e9c', source: 'eval' },
];
const ACCURACY: ChartSeries[] = [
  { metric: 'rewards/accuracies', label: 'rewards/accuracies', color: '#2f9e44', source: 'train' },
  { metric: 'rewards/accuracies', label: 'eval_rewards/accuracies', color: '#862e9c', source: 'eval' },
];
const REWARDS: ChartSeries[] = [
  { metric: 'rewards/chosen', label: 'rewards/chosen', color: '#2f9e44', source: 'train' },
  { metric: 'rewards/rejected', label: 'rewards/rejected', color: '#c2255c', source: 'train' },
];
const LOGPS: ChartSeries[] = [
  { metric: 'logps/chosen', label: 'logps/chosen', color: '#2f9e44', source: 'train' },
  { metric: 'logps/rejected', label: 'logps/rejected', color: '#c2255c', source: 'train' },
];
const OPTIMIZER: ChartSeries[] = [{ metric: 'grad_norm', label: 'grad_norm', color: '#495057', source: 'train' }];

/** TRL's names (eval_ for the held-out split, dashed), so runs compare with DPOTrainer's logs. */
export function ChartsPanel() {
  return (
    <section className="charts" aria-label="Live metrics">
      <MetricChart title="loss" testId="chart-loss" series={LOSS} />
      <MetricChart title="rewards/margins" testId="chart-margin" series={MARGIN} />
      <MetricChart title="rewards/accuracies" testId="chart-accuracy" series={ACCURACY} />
      <MetricChart title="rewards/chosen vs rewards/rejected" testId="chart-rewards" series={REWARDS} />
      <MetricChart title="logps/chosen vs logps/rejected" testId="chart-logps" series={LOGPS} />
      <MetricChart title="grad_norm" testId="chart-grad-norm" series={OPTIMIZER} />
    </section>
  );
}
