import { useState, type KeyboardEvent } from 'react';
import { label, nextComparison, undoLabel } from '../../client/dataset-actions';
import { verdictForKey } from '../../state/labelling';
import { useStore } from '../../state/store';
import { WritePairForm } from './WritePairForm';
import { ThumbsLabeller } from './ThumbsLabeller';

/**
 * Sample two completions of a prompt from the current model and pick the better with the
 * keyboard (1 / 2, t tie, s skip, u undo); the next comparison is sampled at once. New
 * pairs join the active dataset, so training can continue on them (online DPO).
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

  const act = async (task: () => Promise<void>) => {
    setBusy(true);
    try {
      await task();
    } finally {
      setBusy(false);
    }
  };
  const onKey = (event: KeyboardEvent) => {
    if (!comparison || busy || !idle) return;
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
    <section className="panel" aria-labelledby="label-title">
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
        <div className="compare" tabIndex={0} onKeyDown={onKey} data-testid="compare" aria-label="Comparison: press 1 or 2 for the better, t tie, s skip, u undo" aria-busy={busy}>
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
