import { useState } from 'react';
import { useStore } from '../../state/store';
import { retrainSentimentSft, runSentimentDemo, stopSentimentDemo } from '../../client/sentiment-actions';
import { SENTIMENT_SFT_SETTINGS } from '../../core/sentiment/demo-model';
import type { Divergence } from '../../core/train/divergence';
import { DemoSettings } from './DemoSettings';
import { DemoCharts } from './DemoCharts';
import { DemoSamples } from './DemoSamples';
import { DemoProgressBar } from './DemoProgressBar';
import { LinePlot } from './LinePlot';

/** The controlled-sentiment experiment (DPO paper §6.1) as a three-stage pipeline. */
export function SentimentDemo() {
  const activity = useStore((s) => s.demoActivity);
  const sft = useStore((s) => s.demoSft);
  const sftLosses = useStore((s) => s.demoSftLosses);
  const pairs = useStore((s) => s.demoPairs);
  const runs = useStore((s) => s.demoRuns);
  const sftReward = useStore((s) => s.demoSftReward);
  const [sftSteps, setSftSteps] = useState(SENTIMENT_SFT_SETTINGS.steps);
  const busy = activity !== 'idle';
  return (
    <section className="sentiment-demo" aria-labelledby="demo-title">
      <h2 id="demo-title">Controlled sentiment: the DPO paper's first experiment</h2>
      <p className="demo-intro">
        A small GPT-2-style model has learned to write short movie reviews (stage 1). It completes review openings; a sentiment lexicon
        (AFINN-165) scores each completion from 0 (negative) to 1 (positive) — the ground truth, never shown to the model. Stage 2 samples
        two completions per prompt and prefers the more positive one; stage 3 trains DPO on those pairs against the SFT model. Evaluations
        sample held-out prompts: the reward should rise while KL(π‖π_ref) measures how far the policy moved. Lower β trades more KL for
        reward.
      </p>
      <ol className="demo-stages">
        <li className="demo-stage">
          <h3>1 · SFT model</h3>
          <p>
            {sft
              ? `${sft.source}, ${sft.parameters.toLocaleString()} parameters`
              : activity === 'loading'
                ? 'Loading the shipped checkpoint…'
                : 'Not loaded.'}
          </p>
          <div className="row">
            <label>
              Steps{' '}
              <input
                type="number"
                min={1}
                step={1}
                value={sftSteps}
                onChange={(e) => setSftSteps(Math.max(1, Math.floor(Number(e.target.value)) || 1))}
                disabled={busy}
              />
            </label>
            <button type="button" onClick={() => void retrainSentimentSft(sftSteps)} disabled={busy}>
              Retrain stage 1
            </button>
          </div>
          {sftLosses.length > 0 && (
            <LinePlot
              title="SFT loss"
              xLabel="step"
              yLabel="next-token loss"
              series={[{ label: 'SFT', color: '#1f6feb', points: sftLosses }]}
              width={300}
              height={180}
            />
          )}
        </li>
        <li className="demo-stage">
          <h3>2 · Pairs from the SFT model</h3>
          <p>
            {pairs
              ? `${pairs.count} pairs (${pairs.ties} ties dropped), ${pairs.heldOut} held-out; mean reward chosen ${pairs.chosenReward.toFixed(2)} vs rejected ${pairs.rejectedReward.toFixed(2)}`
              : 'Made when the sweep starts: two samples per prompt, the higher reward is chosen.'}
          </p>
          {pairs && (
            <LinePlot
              title="Rewards of the pairs"
              xLabel="ground-truth reward"
              yLabel="pairs"
              series={[
                { label: 'chosen', color: '#2da44e', points: pairs.chosenHistogram.map((c, i) => [(i + 0.5) / 10, c]) },
                { label: 'rejected', color: '#d73a49', points: pairs.rejectedHistogram.map((c, i) => [(i + 0.5) / 10, c]) },
              ]}
              include={[
                [0, 0],
                [1, 0],
              ]}
              width={300}
              height={180}
            />
          )}
        </li>
        <li className="demo-stage">
          <h3>3 · DPO against the SFT model</h3>
          <DemoSettings disabled={busy} />
          <div className="row">
            <button type="button" className="primary" onClick={() => void runSentimentDemo()} disabled={busy || !sft}>
              Run sweep
            </button>
            <button
              type="button"
              onClick={() => void stopSentimentDemo()}
              disabled={!busy || activity === 'loading' || activity === 'stopping'}
            >
              Stop
            </button>
          </div>
        </li>
      </ol>
      <DemoProgressBar />
      <DemoResults sftReward={sftReward} runs={runs} />
      <DemoCharts />
      <DemoSamples />
    </section>
  );
}

/** What a diverged β's row and legend say: which step, which metric. */
export function divergedNote(d: Divergence): string {
  return `diverged at step ${d.step}: ${d.metric} became ${d.value}; lower the learning rate or raise β`;
}

function DemoResults({ sftReward, runs }: { sftReward: number | null; runs: ReturnType<typeof useStore.getState>['demoRuns'] }) {
  if (sftReward === null) return null;
  return (
    <table className="demo-results" aria-label="Results per β">
      <thead>
        <tr>
          <th scope="col">Model</th>
          <th scope="col">Step</th>
          <th scope="col">Mean reward</th>
          <th scope="col">KL</th>
          <th scope="col">Held-out accuracy</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <td>SFT</td>
          <td>—</td>
          <td data-testid="sft-reward">{sftReward.toFixed(3)}</td>
          <td>0</td>
          <td>—</td>
        </tr>
        {runs.map((r) => {
          const last = r.points.at(-1);
          return (
            <tr key={r.beta} className={r.diverged ? 'diverged' : undefined}>
              <td>
                β = {r.beta}
                {r.diverged && (
                  <span className="field-error" data-testid={`diverged-${r.beta}`}>
                    {' '}
                    {divergedNote(r.diverged)}
                  </span>
                )}
              </td>
              <td>{r.diverged?.step ?? last?.step ?? 0}</td>
              <td data-testid={`reward-${r.beta}`}>{last ? last.reward.toFixed(3) : '—'}</td>
              <td>{last ? last.kl.toFixed(2) : '—'}</td>
              <td>{last && last.step > 0 ? last.accuracy.toFixed(2) : '—'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
