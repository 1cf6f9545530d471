import { useState, type ChangeEvent } from 'react';
import { openFiles } from '../../client/file-actions';
import { useStore } from '../../state/store';
import { EvalFileInput } from './EvalFileInput';
import { DatasetLibrary } from './DatasetLibrary';
import { DatasetStatsView } from './DatasetStatsView';
import { PairTable } from './PairTable';
import { PasteBox } from './PasteBox';
import { downloadProblems } from '../../client/dataset-actions';

/** Drop or pick a JSONL file of {"prompt","chosen","rejected"} rows; shows what was read. */
export function DatasetPanel() {
  const dataset = useStore((s) => s.dataset);
  const loading = useStore((s) => s.loading);
  const [over, setOver] = useState(false);
  const onPick = (event: ChangeEvent<HTMLInputElement>) => {
    void openFiles(Array.from(event.target.files ?? []));
    event.target.value = '';
  };
  return (
    <section className="panel step-panel" aria-labelledby="dataset-title" id="step-data">
      <h2 id="dataset-title">
        <span className="step-number" aria-hidden="true">
          2
        </span>
        Bring or make pairs
      </h2>
      <label
        className={over ? 'drop-zone drop-over' : 'drop-zone'}
        data-testid="dataset-drop"
        onDragEnter={() => setOver(true)}
        onDragLeave={() => setOver(false)}
        onDrop={() => setOver(false)}
      >
        <span>
          Drop a dataset here or <u>choose one</u>
        </span>
        <small>JSONL, JSON, CSV/TSV or Parquet: prompt/chosen/rejected, HH-RLHF or chat messages</small>
        <input type="file" accept=".jsonl,.json,.csv,.tsv,.parquet,.txt,.zip,.safetensors" data-testid="dataset-input" onChange={onPick} className="visually-hidden" />
      </label>
      <PasteBox />
      {loading && (
        <p data-testid="dataset-progress">
          Reading {loading.name}… <progress max={loading.total || 1} value={loading.done} aria-label={`Reading ${loading.name}`} />{' '}
          {loading.total > 0 ? Math.floor((100 * loading.done) / loading.total) : 0}%
        </p>
      )}
      {dataset && (
        <div className="dataset-summary" aria-live="polite">
          <p>
            <strong data-testid="dataset-count">{dataset.pairs}</strong> pairs from <em>{dataset.name}</em> <span data-testid="dataset-format">({dataset.format})</span>
            {(dataset.unpaired ?? 0) > 0 && (
              <>
                {' '}
                · <strong data-testid="dataset-unpaired-count">{dataset.unpaired}</strong> unpaired ({dataset.desirable} 👍, {dataset.unpaired - dataset.desirable} 👎; KTO trains on them)
              </>
            )}
            {dataset.invalidCount > 0 && <> · {dataset.invalidCount} rows skipped</>}
            {dataset.flaggedCount > 0 && <> · {dataset.flaggedCount} with identical chosen and rejected (kept)</>}
          </p>
          {dataset.notice && <p className="notice" role="status">{dataset.notice}</p>}
          {dataset.problems.length > 0 && (
            <details className="problems" data-testid="dataset-problems">
              <summary>Rows that could not be used</summary>
              <button type="button" onClick={() => void downloadProblems()} data-testid="problems-download">
                Download the full list
              </button>
              <ul>
                {dataset.problems.map((p) => (
                  <li key={`${p.row}-${p.field}`}>
                    row {p.row}, <code>{p.field}</code>: {p.message}
                  </li>
                ))}
              </ul>
            </details>
          )}
          <PairTable />
        </div>
      )}
      <DatasetStatsView />
      <EvalFileInput />
      <DatasetLibrary />
    </section>
  );
}
