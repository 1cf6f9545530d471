import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { label, nextComparison, undoLabel } from '../../client/dataset-actions';
import { verdictForKey } from '../../state/labelling';
import { useStore } from '../../state/store';
import { WritePairForm } from './WritePairForm';
import { ThumbsLabeller } from './ThumbsLabeller';

/**
 * Sample two completions of a prompt from the current model and pick the better with the
 * keyboard (1 / 2, t tie, s skip, u undo); the next comparison is sampled at once. New
 * pairs join the active dataset, so training can continue on them (online DPO). The keys are
 * heard anywhere in the panel (outside its text fields), and focus moves to the comparison
 * when it appears: right after *Sample two completions* the keys work without a click.
 */
export function LabellingPanel() {
  const comparison = useStore((s) => s.comparison);
  const verdicts = useStore((s) => s.verdicts);
  const idle = useStore((s) => s.status === 'idle');
  const firstPrompt = useStore((s) => s.dataset?.preview[0]?.prompt ?? '');
  const [prompt, setPrompt] = useState('');
  const [busy, setBusy] = useState(false);
  const promptText = prompt || firstPrompt;
  const added = verdicts.filter(Boolean).length;
  const compareBox = useRef<HTMLDivElement>(null);
  const shown = comparison !== null;
  useEffect(() => {
    if (shown) compareBox.current?.focus();
  }, [shown]);

  const act = async (task: () => Promise<void>) => {
    setBusy(true);
    try {
      await task();
    } finally {
      setBusy(false);
    }
  };
  const onKey = (event: KeyboardEvent) => {
    if (!comparison || busy || !idle || isTextEntry(event.target)) return;
    const verdict = verdictForKey(event.key);
    if (!verdict) return;
    event.preventDefault();
    if (verdict === 'undo') void act(undoLabel);
    else
      void act(async () => {
        await label(comparison.prompt, comparison.first, comparison.second, verdict);
        await nextComparison(comparison.prompt);
      });
  };

  return (
    <section className="panel" aria-labelledby="label-title" onKeyDown={onKey}>
      <h2 id="label-title">Make pairs</h2>
      <WritePairForm />
      <h3>Sample and compare</h3>
      <label className="field">
        <span>Prompt</span>
        <input value={promptText} onChange={(e) => setPrompt(e.target.value)} data-testid="compare-prompt" />
      </label>
      <button type="button" onClick={() => void act(() => nextComparison(promptText))} disabled={!idle || busy} data-testid="compare-sample">
        Sample two completions
      </button>
      {comparison && (
        <div className="compare" tabIndex={0} ref={compareBox} data-testid="compare" aria-label="Comparison: press 1 or 2 for the better, t tie, s skip, u undo" aria-busy={busy}>
          <div className="option">
            <strong>1</strong> <span data-testid="compare-first">{comparison.first}</span>
          </div>
          <div className="option">
            <strong>2</strong> <span data-testid="compare-second">{comparison.second}</span>
          </div>
          <small>1 / 2: the better one · t: tie · s: skip · u: undo</small>
        </div>
      )}
      <p className="hint" aria-live="polite" data-testid="labelled-count">
        {added} pairs added this session
      </p>
      <ThumbsLabeller />
    </section>
  );
}

/** Typing a prompt or a pair must not label: keys in text fields are theirs. */
function isTextEntry(target: EventTarget): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}
