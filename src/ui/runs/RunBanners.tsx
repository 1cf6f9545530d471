import { useStore } from '../../state/store';
import { resumeRun } from '../../client/run-actions';
import { restartWorker } from '../../client/startup';
import { BACKEND_NAMES } from '../../protocol/messages';

/** Things to act on that are not errors: an interrupted run, a lost worker, a notice. */
export function RunBanners() {
  const interrupted = useStore((s) => s.interrupted);
  const workerLost = useStore((s) => s.workerLost);
  const notice = useStore((s) => s.notice);
  const setInterrupted = useStore((s) => s.setInterrupted);
  const setNotice = useStore((s) => s.setNotice);
  return (
    <>
      {workerLost && (
        <div className="banner banner-danger" role="alert" data-testid="worker-lost">
          <span>{workerLost}</span>
          <span className="banner-actions">
            Restart on:
            {BACKEND_NAMES.map((b) => (
              <button key={b} type="button" onClick={() => void restartWorker(b)}>
                {b}
              </button>
            ))}
          </span>
        </div>
      )}
      {interrupted && !workerLost && (
        <div className="banner" role="status" data-testid="interrupted-run">
          <span>
            Run “{interrupted.name}” was interrupted at step {interrupted.step} of {interrupted.settings.steps}; its last checkpoint is at
            step {interrupted.checkpoint?.step}.
          </span>
          <span className="banner-actions">
            <button type="button" className="primary" onClick={() => void resumeRun(interrupted.id)}>
              Resume
            </button>
            <button type="button" onClick={() => setInterrupted(null)}>
              Dismiss
            </button>
          </span>
        </div>
      )}
      {notice && (
        <div className="banner" role="status" data-testid="notice">
          <span>{notice}</span>
          <button type="button" onClick={() => setNotice(null)} aria-label="Dismiss notice">
            ×
          </button>
        </div>
      )}
    </>
  );
}
