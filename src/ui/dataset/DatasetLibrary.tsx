import { activateDataset, exportActiveDataset, removeDataset } from '../../client/dataset-actions';
import { useStore } from '../../state/store';

/** Datasets saved in this browser: switch, delete, export the active one as JSONL. */
export function DatasetLibrary() {
  const library = useStore((s) => s.library);
  const activeId = useStore((s) => s.dataset?.id);
  const idle = useStore((s) => s.status === 'idle');
  return (
    <div className="library" data-testid="dataset-library">
      {library.length > 0 && (
        <ul>
          {library.map((d) => (
            <li key={d.id} className={d.id === activeId ? 'active' : undefined}>
              <span>
                {d.name} <small>({d.count} pairs)</small>
              </span>
              {d.id !== activeId && (
                <button type="button" onClick={() => void activateDataset(d.id)} disabled={!idle}>
                  Use
                </button>
              )}
              <button type="button" onClick={() => void removeDataset(d.id)} disabled={!idle} aria-label={`Delete ${d.name}`}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      <button type="button" onClick={() => void exportActiveDataset()} data-testid="dataset-export">
        Export active dataset as JSONL
      </button>
    </div>
  );
}
