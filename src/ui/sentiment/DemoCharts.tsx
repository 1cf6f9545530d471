import { useStore } from '../../state/store';
import { LinePlot, SERIES_COLORS, type PlotSeries } from './LinePlot';
import type { DemoRun } from '../../state/sentiment-slice';

function seriesOf(runs: DemoRun[], pick: (p: DemoRun['points'][number]) => [number, number]): PlotSeries[] {
  return runs.map((r, i) => ({ label: `β = ${r.beta}`, color: SERIES_COLORS[i % SERIES_COLORS.length], points: r.points.map(pick) }));
}

/** Reward and KL over steps, and the reward-vs-KL frontier (the paper's Figure 2), one series per β. */
export function DemoCharts() {
  const runs = useStore((s) => s.demoRuns);
  const sftReward = useStore((s) => s.demoSftReward);
  const steps = useStore((s) => s.demoSettings.steps);
  const sftLine: PlotSeries[] =
    sftReward === null
      ? []
      : [
          {
            label: 'SFT model',
            color: '#777',
            points: [
              [0, sftReward],
              [steps, sftReward],
            ],
            dashed: true,
          },
        ];
  const sftPoint: PlotSeries[] = sftReward === null ? [] : [{ label: 'SFT model', color: '#777', points: [[0, sftReward]] }];
  return (
    <div className="demo-charts">
      <LinePlot
        title="Reward on held-out prompts"
        xLabel="step"
        yLabel="mean reward"
        series={[...sftLine, ...seriesOf(runs, (p) => [p.step, p.reward])]}
        include={[
          [0, 0],
          [0, 1],
        ]}
      />
      <LinePlot
        title="KL(π ‖ π_ref)"
        xLabel="step"
        yLabel="sequence KL (nats)"
        series={seriesOf(runs, (p) => [p.step, p.kl])}
        include={[[0, 0]]}
      />
      <LinePlot
        title="DPO loss"
        xLabel="step"
        yLabel="loss"
        series={runs.map((r, i) => ({ label: `β = ${r.beta}`, color: SERIES_COLORS[i % SERIES_COLORS.length], points: r.losses }))}
      />
      <LinePlot
        title="Reward vs KL frontier"
        xLabel="KL(π ‖ π_ref)"
        yLabel="mean reward"
        series={[...sftPoint, ...seriesOf(runs, (p) => [p.kl, p.reward])]}
        include={[
          [0, 0],
          [0, 1],
        ]}
      />
    </div>
  );
}
