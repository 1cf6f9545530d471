import { useState, type FormEvent } from 'react';
import type { PreferencePair } from '../../core/data/preference-pairs';
import { editPair } from '../../client/dataset-actions';

/** Edits one pair of the active dataset; saving stores it in the browser and in the worker. */
export function PairEditor({ index, pair, onClose }: { index: number; pair: PreferencePair; onClose: () => void }) {
  const [draft, setDraft] = useState(pair);
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    await editPair(index, draft);
    onClose();
  };
  return (
    <form className="pair-editor" onSubmit={(e) => void onSubmit(e)} aria-label={`Edit pair ${index + 1}`}>
      {(['prompt', 'chosen', 'rejected'] as const).map((field) => (
        <label key={field} className="field">
          <span>{field}</span>
          <textarea value={draft[field]} rows={2} onChange={(e) => setDraft({ ...draft, [field]: e.target.value })} data-testid={`edit-${field}`} />
        </label>
      ))}
      <button type="submit" disabled={draft.chosen === '' || draft.rejected === ''} data-testid="edit-save">
        Save
      </button>{' '}
      <button type="button" onClick={onClose}>
        Cancel
      </button>
    </form>
  );
}
