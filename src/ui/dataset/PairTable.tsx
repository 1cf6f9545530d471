import { useEffect, useState, type UIEvent } from 'react';
import type { PreferencePair } from '../../core/data/preference-pairs';
import { deletePair, queryPairs } from '../../client/dataset-actions';
import { useStore } from '../../state/store';
import { PairEditor } from './PairEditor';

const ROW_HEIGHT = 30;
const VIEW_ROWS = 8;
const FETCH_ROWS = VIEW_ROWS + 6;

interface Window {
  matches: number;
  rows: { index: number; pair: PreferencePair }[];
  offset: number;
}

/**
 * The active dataset as a table that stays fast at 100k rows and more: the rows live in the
 * worker, and only the ones in view are fetched and rendered. Search filters on prompt,
 * chosen and rejected; a row can be edited or deleted.
 */
export function PairTable() {
  const version = useStore((s) => s.dataset?.version);
  const total = useStore((s) => s.dataset?.pairs ?? 0);
  const idle = useStore((s) => s.status === 'idle');
  const [query, setQuery] = useState('');
  const [scrollTop, setScrollTop] = useState(0);
  const [view, setView] = useState<Window | null>(null);
  const [editing, setEditing] = useState<{ index: number; pair: PreferencePair } | null>(null);
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - 2);

  useEffect(() => {
    let live = true;
    // Typing waits a moment so each keystroke does not search the whole dataset.
    const timer = setTimeout(
      () => {
        queryPairs(query, first, FETCH_ROWS).then(
          (result) => live && setView({ ...result, offset: first }),
          () => undefined,
        );
      },
      query ? 120 : 0,
    );
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [query, first, version]);

  const matches = view?.matches ?? total;
  const onScroll = (e: UIEvent<HTMLDivElement>) => setScrollTop(e.currentTarget.scrollTop);
  return (
    <div className="pair-table" data-testid="dataset-preview">
      <input
        type="search"
        placeholder="Search pairs"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setScrollTop(0);
        }}
        aria-label="Search pairs"
        data-testid="pair-search"
      />
      <small data-testid="pair-matches">
        {matches} of {total} pairs
      </small>
      <div className="pair-rows-header" aria-hidden>
        <span>prompt</span>
        <span>chosen</span>
        <span>rejected</span>
        <span />
      </div>
      {/* Focusable, so the keyboard can scroll the list too (its Edit buttons are disabled while a run trains). */}
      <div className="pair-rows" style={{ height: ROW_HEIGHT * VIEW_ROWS }} onScroll={onScroll} role="list" aria-label="Pairs" tabIndex={0}>
        <div style={{ height: matches * ROW_HEIGHT, position: 'relative' }}>
          {view?.rows.map(({ index, pair }, k) => (
            <div key={index} className="pair-row" role="listitem" style={{ top: (view.offset + k) * ROW_HEIGHT, height: ROW_HEIGHT }} data-testid="pair-row">
              <span title={pair.prompt}>{pair.prompt}</span>
              <span title={pair.chosen}>{pair.chosen}</span>
              <span title={pair.rejected}>{pair.rejected}</span>
              <span className="row-actions">
                <button type="button" onClick={() => setEditing({ index, pair })} disabled={!idle} aria-label={`Edit pair ${index + 1}`}>
                  Edit
                </button>
                <button type="button" onClick={() => void deletePair(index)} disabled={!idle} aria-label={`Delete pair ${index + 1}`}>
                  ×
                </button>
              </span>
            </div>
          ))}
        </div>
      </div>
      {editing && <PairEditor key={editing.index} index={editing.index} pair={editing.pair} onClose={() => setEditing(null)} />}
    </div>
  );
}
