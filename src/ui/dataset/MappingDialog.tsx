import { useEffect, useRef, useState } from 'react';
import type { ColumnMapping } from '../../core/data/normalize-row';
import { applyMapping } from '../../client/dataset-actions';
import { useStore } from '../../state/store';
import type { PendingMapping } from '../../state/library-slice';
import { suggestMapping } from './suggest-mapping';

function ColumnSelect({ label, value, columns, optional, onChange, testId }: { label: string; value: string | null; columns: string[]; optional?: boolean; onChange: (v: string | null) => void; testId: string }) {
  return (
    <label className="field">
      <span>{label}</span>
      <select value={value ?? ''} onChange={(e) => onChange(e.target.value === '' ? null : e.target.value)} data-testid={testId}>
        {optional && <option value="">(none: taken from the shared start)</option>}
        {columns.map((c) => (
          <option key={c} value={c}>
            {c}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Asks which of a file's columns are prompt, chosen and rejected (or two responses plus a preference). */
export function MappingDialog() {
  const pending = useStore((s) => s.pendingMapping);
  return pending ? <MappingForm key={pending.columns.join('|') + pending.source.name} pending={pending} /> : null;
}

function MappingForm({ pending }: { pending: PendingMapping }) {
  const setPending = useStore((s) => s.setPendingMapping);
  const [mapping, setMapping] = useState<ColumnMapping>(() => suggestMapping(pending.columns));
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => dialog.current?.focus(), []);
  const columns = pending.columns;
  const set = (patch: Partial<ColumnMapping>) => setMapping({ ...mapping, ...patch } as ColumnMapping);
  const toKind = (kind: ColumnMapping['kind']) =>
    setMapping(
      kind === 'columns'
        ? { kind, prompt: mapping.prompt, chosen: columns[0], rejected: columns[1] ?? columns[0] }
        : kind === 'unpaired'
          ? { kind, prompt: mapping.prompt, completion: columns[1] ?? columns[0], label: columns[2] ?? columns[0] }
          : { kind, prompt: mapping.prompt, first: columns[0], second: columns[1] ?? columns[0], preference: columns[2] ?? columns[0], firstWins: '1', secondWins: '2' },
    );
  return (
    <div className="dialog-backdrop">
      <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="mapping-title" tabIndex={-1} ref={dialog} data-testid="mapping-dialog" onKeyDown={(e) => e.key === 'Escape' && setPending(null)}>
        <h2 id="mapping-title">Which columns are which in {pending.source.name}?</h2>
        <p className="hint">First row: {Object.entries(pending.sample).map(([k, v]) => `${k} = ${v}`).join(' · ')}</p>
        <fieldset className="verdict">
          <legend>Layout</legend>
          <label>
            <input type="radio" checked={mapping.kind === 'columns'} onChange={() => toKind('columns')} /> chosen and rejected columns
          </label>
          <label>
            <input type="radio" checked={mapping.kind === 'preference'} onChange={() => toKind('preference')} data-testid="mapping-kind-preference" /> two responses and a preference column
          </label>
          <label>
            <input type="radio" checked={mapping.kind === 'unpaired'} onChange={() => toKind('unpaired')} data-testid="mapping-kind-unpaired" /> one response and a
            thumbs up/down label (unpaired, for KTO)
          </label>
        </fieldset>
        <ColumnSelect label="Prompt" value={mapping.prompt} columns={columns} optional onChange={(prompt) => set({ prompt })} testId="mapping-prompt" />
        {mapping.kind === 'columns' ? (
          <>
            <ColumnSelect label="Chosen (better)" value={mapping.chosen} columns={columns} onChange={(v) => set({ chosen: v ?? '' })} testId="mapping-chosen" />
            <ColumnSelect label="Rejected (worse)" value={mapping.rejected} columns={columns} onChange={(v) => set({ rejected: v ?? '' })} testId="mapping-rejected" />
          </>
        ) : mapping.kind === 'unpaired' ? (
          <>
            <ColumnSelect label="Completion" value={mapping.completion} columns={columns} onChange={(v) => set({ completion: v ?? '' })} testId="mapping-completion" />
            <ColumnSelect label="Label (true/1 = desirable, false/0 = not)" value={mapping.label} columns={columns} onChange={(v) => set({ label: v ?? '' })} testId="mapping-label" />
          </>
        ) : (
          <>
            <ColumnSelect label="Response 1" value={mapping.first} columns={columns} onChange={(v) => set({ first: v ?? '' })} testId="mapping-first" />
            <ColumnSelect label="Response 2" value={mapping.second} columns={columns} onChange={(v) => set({ second: v ?? '' })} testId="mapping-second" />
            <ColumnSelect label="Preference column" value={mapping.preference} columns={columns} onChange={(v) => set({ preference: v ?? '' })} testId="mapping-preference" />
            <label className="field">
              <span>Value meaning response 1 is better</span>
              <input value={mapping.firstWins} onChange={(e) => set({ firstWins: e.target.value })} data-testid="mapping-first-wins" />
            </label>
            <label className="field">
              <span>Value meaning response 2 is better</span>
              <input value={mapping.secondWins} onChange={(e) => set({ secondWins: e.target.value })} data-testid="mapping-second-wins" />
            </label>
          </>
        )}
        <p className="hint">Remembered for files with the same columns.</p>
        <button type="button" className="primary" onClick={() => void applyMapping(mapping)} data-testid="mapping-apply">
          Use these columns
        </button>{' '}
        <button type="button" onClick={() => setPending(null)}>
          Cancel
        </button>
      </div>
    </div>
  );
}
