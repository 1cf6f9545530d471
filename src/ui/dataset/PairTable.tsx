import { useMemo, useState, type UIEvent } from 'react';
import { deletePair } from '../../client/dataset-actions';
import { useStore } from '../../state/store';
import { PairEditor } from './PairEditor';

const ROW_HEIGHT = 30;
const VIEW_ROWS = 8;

/**
 * The active dataset as a table that stays fast at 100k rows: only the rows in view are
 * rendered. Search filters on prompt, chosen and rejected; a row can be edited or deleted.
 */
export function PairTable() {
  const pairs = useStore((s) => s.activePairs);
  const idle = useStore((s) => s.status === 'idle');
  const [query, setQuery] = useState('');
  const [scrollTop, setScrollTop] = useState(0);
  const [editing, setEditing] = useState<number | null>(null);
  const matches = useMemo(() => {
    const q = query.trim().toLowerCase();
    const all = pairs.map((_, i) => i);
    return q === '' ? all : all.filter((i) => `${pairs[i].prompt}\u0000${pairs[i].chosen}\u0000${pairs[i].rejected}`.toLowerCase().includes(q));
  }, [pairs, query]);
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - 2);
  const visible = matches.slice(first, first + VIEW_ROWS + 4);
  const onScroll = (e: UIEvent<HTMLDivElement>) => setScrollTop(e.currentTarget.scrollTop);
  return (
    <div className="pair-table" data-testid="dataset-preview">
      <input type="search" placeholder="Search pairs" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Search pairs" data-testid="pair-search" />
      <small data-testid="pair-matches">
        {matches.length} of {pairs.length} pairs
      </small>
      <div className="pair-rows-header" aria-hidden>
        <span>prompt</span>
        <span>chosen</span>
        <span>rejected</span>
        <span />
      </div>
      <div className="pair-rows" style={{ height: ROW_HEIGHT * VIEW_ROWS }} onScroll={onScroll} role="list" aria-label="Pairs">
        <div style={{ height: matches.length * ROW_HEIGHT, position: 'relative' }}>
          {visible.map((index, k) => (
            <div key={index} className="pair-row" role="listitem" style={{ top: (first + k) * ROW_HEIGHT, height: ROW_HEIGHT }} data-testid="pair-row">
              <span title={pairs[index].prompt}>{pairs[index].prompt}</span>
              <span title={pairs[index].chosen}>{pairs[index].chosen}</span>
              <span title={pairs[index].rejected}>{pairs[index].rejected}</span>
              <span className="row-actions">
                <button type="button" onClick={() => setEditing(index)} disabled={!idle} aria-label={`Edit pair ${index + 1}`}>
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
      {editing !== null && pairs[editing] && <PairEditor key={editing} index={editing} pair={pairs[editing]} onClose={() => setEditing(null)} />}
    </div>
  );
}
