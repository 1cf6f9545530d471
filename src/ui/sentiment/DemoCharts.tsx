import { useStore } from '../../state/store';
import { betaSeries, LinePlot, type PlotSeries } from './LinePlot';

const SFT_COLOR = '#6b7280';

/**
 * Reward and KL over steps, the DPO loss, and the reward-vs-KL frontier (the paper's Figure 2),
 * one series per β. Before any point the axes already span the sweep (steps 0 to N, reward 0
 * to 1, KL from 0, the loss from its start at ln 2) and each plot says what will appear; once
 * the SFT model is measured every plot starts from its point.
 */
export function DemoCharts() {
  const runs = useStore((s) => s.demoRuns);
  const sftReward = useStore((s) => s.demoSftReward);
  const steps = useStore((s) => s.demoSettings.steps);
  const evalEvery = useStore((s) => s.demoSettings.evalEvery);
  const sft = (points: [number, number][], dashed = false): PlotSeries[] => (sftReward === null ? [] : [{ label: 'SFT model', color: SFT_COLOR, points, dashed }]);
  const reward = sftReward ?? 0;
  return (
    <div className="demo-charts">
      <LinePlot
        title="Reward on held-out prompts"
        xLabel="step"
        yLabel="mean reward"
        series={[
          ...sft(
            [
              [0, reward],
              [steps, reward],
            ],
            true,
          ),
          ...betaSeries(runs, (p) => [p.step, p.reward]),
        ]}
        include={[
          [0, 0],
          [steps, 1],
        ]}
        empty={`Mean reward of the policy's samples every ${evalEvery} steps, one line per β, beside the SFT model's (dashed). Appears when the sweep starts.`}
      />
      <LinePlot
        title="KL(π ‖ π_ref)"
        xLabel="step"
        yLabel="sequence KL (nats)"
        series={[...sft([[0, 0]]), ...betaSeries(runs, (p) => [p.step, p.kl])]}
        include={[
          [0, 0],
          [steps, 1],
        ]}
        empty={`How far each β's policy has moved from the SFT model (0 at the start), every ${evalEvery} steps.`}
      />
      <LinePlot
        title="DPO loss"
        xLabel="step"
        yLabel="loss"
        series={[
          ...sft([[0, Math.LN2]]),
          ...betaSeries(
            runs.map((r) => ({ beta: r.beta, points: r.losses, diverged: r.diverged })),
            (p) => p,
          ),
        ]}
        include={[
          [0, 0],
          [steps, Math.LN2],
        ]}
        empty="The DPO loss of every step, one line per β. It starts at ln 2 ≈ 0.69, where the policy is still the SFT model."
      />
      <LinePlot
        title="Reward vs KL frontier"
        xLabel="KL(π ‖ π_ref)"
        yLabel="mean reward"
        series={[...sft([[0, reward]]), ...betaSeries(runs, (p) => [p.kl, p.reward])]}
        include={[
          [0, 0],
          [1, 1],
        ]}
        empty="Reward against KL at each evaluation: every β's curve starts at the SFT model (KL 0). Higher and further left is better."
      />
    </div>
  );
}
