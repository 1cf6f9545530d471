import { useStore } from '../../state/store';
import { betaSeries, LinePlot, type PlotSeries } from './LinePlot';

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
        series={[...sftLine, ...betaSeries(runs, (p) => [p.step, p.reward])]}
        include={[
          [0, 0],
          [0, 1],
        ]}
      />
      <LinePlot
        title="KL(π ‖ π_ref)"
        xLabel="step"
        yLabel="sequence KL (nats)"
        series={betaSeries(runs, (p) => [p.step, p.kl])}
        include={[[0, 0]]}
      />
      <LinePlot
        title="DPO loss"
        xLabel="step"
        yLabel="loss"
        series={betaSeries(
          runs.map((r) => ({ beta: r.beta, points: r.losses, diverged: r.diverged })),
          (p) => p,
        )}
      />
      <LinePlot
        title="Reward vs KL frontier"
        xLabel="KL(π ‖ π_ref)"
        yLabel="mean reward"
        series={[...sftPoint, ...betaSeries(runs, (p) => [p.kl, p.reward])]}
        include={[
          [0, 0],
          [0, 1],
        ]}
      />
    </div>
  );
}
