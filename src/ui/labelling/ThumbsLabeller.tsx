import { useState, type KeyboardEvent } from 'react';
import { addThumb, nextSingleSample, undoThumb } from '../../client/thumbs-actions';
import { useStore } from '../../state/store';

/** Keyboard shortcuts of the thumbs view ("=" is "+" without shift). */
function thumbForKey(key: string): 'up' | 'down' | 'skip' | 'undo' | null {
  if (key === '+' || key === '=') return 'up';
  if (key === '-') return 'down';
  if (key.toLowerCase() === 's') return 'skip';
  if (key.toLowerCase() === 'u') return 'undo';
  return null;
}

/**
 * One completion of a prompt from the current model at a time, judged on its own: + thumbs
 * up (desirable), - thumbs down, s skip, u undo. Each verdict adds an unpaired row
 * ({prompt, completion, label}) to the active dataset, which the KTO stage trains on.
 */
export function ThumbsLabeller() {
  const idle = useStore((s) => s.status === 'idle');
  const firstPrompt = useStore((s) => s.dataset?.preview[0]?.prompt ?? '');
  const unpaired = useStore((s) => s.dataset?.unpaired ?? 0);
  const [prompt, setPrompt] = useState('');
  const [sample, setSample] = useState<{ prompt: string; completion: string } | null>(null);
  const [added, setAdded] = useState(0);
  const [busy, setBusy] = useState(false);
  const promptText = prompt || firstPrompt;

  const act = async (task: () => Promise<void>) => {
    setBusy(true);
    try {
      await task();
    } finally {
      setBusy(false);
    }
  };
  const drawFor = async (p: string) => {
    const completion = await nextSingleSample(p);
    if (completion !== undefined) setSample({ prompt: p, completion });
  };
  const judge = (verdict: 'up' | 'down' | 'skip' | 'undo') =>
    act(async () => {
      if (!sample) return;
      if (verdict === 'undo') {
        if (added === 0) return;
        await undoThumb();
        setAdded(added - 1);
        return;
      }
      if (verdict !== 'skip' && (await addThumb({ prompt: sample.prompt, completion: sample.completion, label: verdict === 'up' }))) setAdded(added + 1);
      await drawFor(sample.prompt);
    });
  const onKey = (event: KeyboardEvent) => {
    const verdict = thumbForKey(event.key);
    if (!verdict || !sample || busy || !idle) return;
    event.preventDefault();
    void judge(verdict);
  };

  return (
    <div className="thumbs" data-testid="thumbs-labeller">
      <h3>Thumbs up / down (unpaired, for KTO)</h3>
      <label className="field">
        <span>Prompt</span>
        <input value={promptText} onChange={(e) => setPrompt(e.target.value)} data-testid="thumbs-prompt" />
      </label>
      <button type="button" onClick={() => void act(() => drawFor(promptText))} disabled={!idle || busy} data-testid="thumbs-sample">
        Sample one completion
      </button>
      {sample && (
        <div
          className="compare"
          tabIndex={0}
          onKeyDown={onKey}
          data-testid="thumbs"
          aria-label="One completion: press + for thumbs up, - for thumbs down, s skip, u undo"
          aria-busy={busy}
        >
          <div className="option">
            <span data-testid="thumbs-completion">{sample.completion}</span>
          </div>
          <button type="button" onClick={() => void judge('up')} disabled={busy || !idle} data-testid="thumbs-up" aria-label="Thumbs up (desirable)">
            👍 +
          </button>{' '}
          <button type="button" onClick={() => void judge('down')} disabled={busy || !idle} data-testid="thumbs-down" aria-label="Thumbs down (undesirable)">
            👎 −
          </button>
          <small> + : thumbs up · − : thumbs down · s: skip · u: undo</small>
        </div>
      )}
      <p className="hint" aria-live="polite" data-testid="thumbs-count">
        {added} rated this session · {unpaired} unpaired rows in the dataset
      </p>
    </div>
  );
}
