import { MetricChart } from './MetricChart';
import { useStore } from '../../state/store';
import type { ChartSeries } from './chart-data';
import type { MetricName } from '../../core/train/metric-names';

const EVAL_COLOR = '#862e9c';

/** A training curve with its held-out (eval_) twin. */
const withEval = (metric: MetricName, color: string): ChartSeries[] => [
  { metric, label: metric, color, source: 'train' },
  { metric, label: `eval_${metric}`, color: EVAL_COLOR, source: 'eval' },
];

// Module constants: a stable identity keeps each chart from being rebuilt on render.
const LOSS = withEval('loss', '#d9480f');
const MARGIN = withEval('rewards/margins', '#1971c2');
const ACCURACY = withEval('rewards/accuracies', '#2f9e44');
const REWARDS: ChartSeries[] = [
  { metric: 'rewards/chosen', label: 'rewards/chosen', color: '#2f9e44', source: 'train' },
  { metric: 'rewards/rejected', label: 'rewards/rejected', color: '#c2255c', source: 'train' },
];
const LOGPS: ChartSeries[] = [
  { metric: 'logps/chosen', label: 'logps/chosen', color: '#2f9e44', source: 'train' },
  { metric: 'logps/rejected', label: 'logps/rejected', color: '#c2255c', source: 'train' },
];
/** KTO's z₀, the KL estimate its rewards are measured against (NaN, so empty, in DPO runs). */
const KL = withEval('kl', '#e67700');
const OPTIMIZER: ChartSeries[] = [{ metric: 'grad_norm', label: 'grad_norm', color: '#495057', source: 'train' }];

/** TRL's names (eval_ for the held-out split, dashed), so runs compare with DPOTrainer's logs. */
export function ChartsPanel() {
  const kto = useStore((s) => s.stage === 'kto');
  return (
    <section className="charts" aria-label="Live metrics">
      <MetricChart title="loss" testId="chart-loss" series={LOSS} />
      <MetricChart title="rewards/margins" testId="chart-margin" series={MARGIN} />
      {kto ? <MetricChart title="kl" testId="chart-kl" series={KL} /> : <MetricChart title="rewards/accuracies" testId="chart-accuracy" series={ACCURACY} />}
      <MetricChart title="rewards/chosen vs rewards/rejected" testId="chart-rewards" series={REWARDS} />
      <MetricChart title="logps/chosen vs logps/rejected" testId="chart-logps" series={LOGPS} />
      <MetricChart title="grad_norm" testId="chart-grad-norm" series={OPTIMIZER} />
    </section>
  );
}
