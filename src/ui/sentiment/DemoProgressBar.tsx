import { useStore } from '../../state/store';

const PHASE_LABEL = { sft: 'Stage 1: SFT', pairs: 'Stage 2: sampling pairs', dpo: 'Stage 3: DPO' } as const;

function eta(done: number, total: number, since: number): string {
  const elapsed = (Date.now() - since) / 1000;
  if (done <= 0 || elapsed < 1) return '';
  const left = ((total - done) * elapsed) / done;
  return left < 90 ? `, about ${Math.ceil(left)} s left` : `, about ${Math.ceil(left / 60)} min left`;
}

/** What the demo is doing now, with its progress and an ETA. */
export function DemoProgressBar() {
  const progress = useStore((s) => s.demoProgress);
  const activity = useStore((s) => s.demoActivity);
  if (!progress || activity === 'idle' || activity === 'loading') return null;
  const label = `${PHASE_LABEL[progress.phase]}${progress.beta !== undefined ? ` (β = ${progress.beta})` : ''}: ${progress.done}/${progress.total}${eta(progress.done, progress.total, progress.since)}${activity === 'stopping' ? ' — stopping' : ''}`;
  return (
    <div className="demo-progress" role="status" aria-live="polite">
      <progress max={progress.total} value={progress.done} aria-label={label} />
      <span>{label}</span>
    </div>
  );
}
