import { MetricChart, type ChartSeries } from './MetricChart';

// Module constants: a stable identity keeps each chart from being rebuilt on render.
const LOSS: ChartSeries[] = [{ metric: 'loss', label: 'loss', color: '#d9480f' }];
const MARGIN: ChartSeries[] = [{ metric: 'rewards/margins', label: 'rewards/margins', color: '#1971c2' }];
const ACCURACY: ChartSeries[] = [{ metric: 'rewards/accuracies', label: 'rewards/accuracies', color: '#2f9e44' }];
const REWARDS: ChartSeries[] = [
  { metric: 'rewards/chosen', label: 'rewards/chosen', color: '#2f9e44' },
  { metric: 'rewards/rejected', label: 'rewards/rejected', color: '#c2255c' },
];

/** TRL's names, so runs compare with DPOTrainer's logs. */
export function ChartsPanel() {
  return (
    <section className="charts" aria-label="Live metrics">
      <MetricChart title="loss" testId="chart-loss" series={LOSS} />
      <MetricChart title="rewards/margins" testId="chart-margin" series={MARGIN} />
      <MetricChart title="rewards/accuracies" testId="chart-accuracy" series={ACCURACY} />
      <MetricChart title="rewards/chosen vs rewards/rejected" testId="chart-rewards" series={REWARDS} />
    </section>
  );
}
