import { stop, train } from '../../client/training-actions';
import { useStore } from '../../state/store';

function formatEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return '—';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes} min ${Math.round(seconds % 60)} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const STATUS_TEXT = {
  starting: 'Starting…',
  idle: 'Ready',
  compiling: 'Compiling GPU kernels for the first step…',
  training: 'Training',
  stopping: 'Stopping after this step…',
} as const;

/** Train / Stop, the live step counter, speed, progress and ETA. */
export function TrainingControls() {
  const status = useStore((s) => s.status);
  const step = useStore((s) => s.step);
  const lastLoggedStep = useStore((s) => s.metricSteps[s.metricSteps.length - 1] ?? 0);
  const targetStep = useStore((s) => s.targetStep);
  const stepsPerSecond = useStore((s) => s.stepsPerSecond);
  const tokensPerSecond = useStore((s) => s.tokensPerSecond);
  const hasData = useStore((s) => s.dataset !== null);
  const stage = useStore((s) => s.stage);
  const running = status !== 'idle' && status !== 'starting';
  const current = Math.max(step, lastLoggedStep);
  const remaining = Math.max(targetStep - current, 0);
  return (
    <section className="panel controls step-panel" aria-labelledby="train-title" id="step-train">
      <h2 id="train-title">
        <span className="step-number" aria-hidden="true">
          3
        </span>
        Train
      </h2>
      <div className="buttons">
        <button type="button" className="primary" onClick={() => void train()} disabled={status !== 'idle' || !hasData} data-testid="train-start">
          {current > 0 ? 'Continue training' : 'Train'}
        </button>
        <button type="button" onClick={() => void stop()} disabled={!running || status === 'stopping'} data-testid="train-stop">
          Stop
        </button>
      </div>
      <dl className="stats" aria-live="polite">
        <div>
          <dt>Status</dt>
          <dd data-testid="status">{STATUS_TEXT[status]}</dd>
        </div>
        <div>
          <dt>Stage</dt>
          <dd data-testid="stage">{stage ? stage.toUpperCase() : '—'}</dd>
        </div>
        <div>
          <dt>Step</dt>
          <dd>
            <span data-testid="step-count">{current}</span>
            {targetStep > 0 && <span className="muted"> / {targetStep}</span>}
          </dd>
        </div>
        <div>
          <dt>Steps/s</dt>
          <dd data-testid="steps-per-second">{stepsPerSecond.toFixed(2)}</dd>
        </div>
        <div>
          <dt>Tokens/s</dt>
          <dd data-testid="tokens-per-second">{Math.round(tokensPerSecond)}</dd>
        </div>
        <div>
          <dt>ETA</dt>
          <dd data-testid="eta">{running ? formatEta(remaining / stepsPerSecond) : '—'}</dd>
        </div>
      </dl>
      {running && targetStep > 0 && <progress max={targetStep} value={current} aria-label="Training progress" />}
    </section>
  );
}
