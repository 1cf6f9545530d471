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

/** What each chart will show, and when: its text before the first point. */
const EMPTY = {
  loss: 'The loss of every step appears here once a run starts (DPO begins at ln 2 ≈ 0.69); the held-out loss, dashed, at each evaluation.',
  margin: 'Chosen minus rejected reward, from the first step: it grows from 0 as the model learns the preference.',
  accuracy: 'From the first step: the share of pairs whose chosen answer gets the higher reward.',
  rewards: 'From the first step: β × log-ratio to the reference, chosen and rejected. Both may fall while the gap between them grows.',
  logps: 'From the first step: the log-probability of the chosen and rejected completions under the model being trained.',
  kl: "KTO's KL estimate z₀ from the first step: the policy's drift from the reference on mismatched prompt/completion pairs, clamped at 0.",
  gradNorm: 'From the first step: the gradient norm before clipping; spikes warn of a learning rate that is too high.',
};

/** TRL's names (eval_ for the held-out split, dashed), so runs compare with DPOTrainer's logs. */
export function ChartsPanel() {
  const kto = useStore((s) => s.stage === 'kto');
  return (
    <section className="charts" aria-label="Live metrics">
      <MetricChart title="loss" testId="chart-loss" series={LOSS} empty={EMPTY.loss} />
      <MetricChart title="rewards/margins" testId="chart-margin" series={MARGIN} empty={EMPTY.margin} />
      {kto ? (
        <MetricChart title="kl" testId="chart-kl" series={KL} empty={EMPTY.kl} />
      ) : (
        <MetricChart title="rewards/accuracies" testId="chart-accuracy" series={ACCURACY} empty={EMPTY.accuracy} />
      )}
      <MetricChart title="rewards/chosen vs rewards/rejected" testId="chart-rewards" series={REWARDS} empty={EMPTY.rewards} />
      <MetricChart title="logps/chosen vs logps/rejected" testId="chart-logps" series={LOGPS} empty={EMPTY.logps} />
      <MetricChart title="grad_norm" testId="chart-grad-norm" series={OPTIMIZER} empty={EMPTY.gradNorm} />
    </section>
  );
}
