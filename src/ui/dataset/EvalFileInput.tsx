import type { ChangeEvent } from 'react';
import { clearEvalFile, openEvalFile } from '../../client/dataset-actions';
import { useStore } from '../../state/store';

/** Optional separate held-out file; without one, a seeded share of the dataset is held out. */
export function EvalFileInput() {
  const evalDataset = useStore((s) => s.evalDataset);
  const fraction = useStore((s) => s.settings.evalFraction);
  const onPick = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file) void openEvalFile(file);
    event.target.value = '';
  };
  return (
    <div className="eval-file">
      {evalDataset ? (
        <p data-testid="eval-count">
          Held out: <strong>{evalDataset.pairs}</strong> pairs from <em>{evalDataset.name}</em>{' '}
          <button type="button" onClick={() => void clearEvalFile()}>
            use a split instead
          </button>
        </p>
      ) : (
        <p className="hint">Held out: a seeded {Math.round(fraction * 100)}% of the pairs (Held-out fraction, in the advanced settings).</p>
      )}
      <label className="button-like">
        Choose a separate held-out file
        <input type="file" accept=".jsonl,.json,.txt" data-testid="eval-input" onChange={onPick} className="visually-hidden" />
      </label>
    </div>
  );
}
