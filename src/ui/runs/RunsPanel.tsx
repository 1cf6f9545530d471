import { useState } from 'react';
import { useStore } from '../../state/store';
import { compareRuns, deleteRun, exportSavedRun, renameRun, resumeRun } from '../../client/run-actions';
import type { RunSummary } from '../../protocol/messages';
import { metricAt } from '../../core/train/metric-names';
import { LinePlot, SERIES_COLORS } from '../sentiment/LinePlot';
import { formatBytes } from '../../core/format-bytes';


/** The settings that tell runs apart, in one line (the export's run.json has all of them). */
function settingsSummary({ settings: s, model, dataset }: RunSummary): string {
  const loss = s.stage === 'sft' ? 'SFT' : `${s.lossTypes.join('+')} β=${s.beta}`;
  return `${loss} · lr ${s.learningRate} · batch ${s.batchSize}×${s.gradientAccumulationSteps} · ${model.preset} · ${dataset.name}`;
}

/** Every saved run: resume, rename, export, delete, and overlay their loss curves. */
export function RunsPanel() {
  const runs = useStore((s) => s.runs);
  const storage = useStore((s) => s.storage);
  const compared = useStore((s) => s.compared);
  const busy = useStore((s) => s.status !== 'idle');
  const [selected, setSelected] = useState<string[]>([]);
  const toggle = (id: string) => {
    const next = selected.includes(id) ? selected.filter((s) => s !== id) : [...selected, id];
    setSelected(next);
    void compareRuns(next);
  };
  return (
    <section className="panel runs-panel" aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      <p className="muted" data-testid="storage-usage">
        {storage
          ? `This site uses ${formatBytes(storage.usage)} of ${formatBytes(storage.quota)} available in this browser.`
          : 'Runs are saved in this browser.'}{' '}
        {runs.length === 0
          ? 'No runs yet.'
          : `${runs.length} saved run${runs.length > 1 ? 's' : ''}; checkpoints total ${formatBytes(runs.reduce((a, r) => a + (r.checkpoint?.bytes ?? 0), 0))}.`}
      </p>
      {runs.length > 0 && (
        <table className="runs-table">
          <thead>
            <tr>
              <th scope="col">Compare</th>
              <th scope="col">Name</th>
              <th scope="col">Settings</th>
              <th scope="col">Status</th>
              <th scope="col">Step</th>
              <th scope="col">Loss</th>
              <th scope="col">Checkpoint</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((run) => (
              <RunRow key={run.id} run={run} busy={busy} selected={selected.includes(run.id)} onToggle={() => toggle(run.id)} />
            ))}
          </tbody>
        </table>
      )}
      {compared.length > 0 && (
        <LinePlot
          title="Loss of the selected runs"
          xLabel="step"
          yLabel="loss"
          width={560}
          height={260}
          series={compared.map((c, i) => ({
            label: c.name,
            color: SERIES_COLORS[i % SERIES_COLORS.length],
            points: c.steps
              .map((step, k) => [step, metricAt(c.values, k, 'loss')] as [number, number])
              .filter(([, loss]) => Number.isFinite(loss)),
          }))}
        />
      )}
    </section>
  );
}

function RunRow({ run, busy, selected, onToggle }: { run: RunSummary; busy: boolean; selected: boolean; onToggle: () => void }) {
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(run.name);
  const canResume = run.checkpoint !== null && !busy;
  return (
    <tr data-testid="run-row">
      <td>
        <input type="checkbox" checked={selected} onChange={onToggle} aria-label={`Compare ${run.name}`} />
      </td>
      <td>
        {editing ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              setEditing(false);
              void renameRun(run.id, name);
            }}
          >
            <input
              value={name}
              onChange={(e) => setName(e.target.value)}
              aria-label="Run name"
              autoFocus
              onBlur={() => setEditing(false)}
            />
          </form>
        ) : (
          <button type="button" className="link" onClick={() => setEditing(true)} title="Rename">
            {run.name}
          </button>
        )}
      </td>
      <td className="run-settings">{settingsSummary(run)}</td>
      <td data-testid="run-status">{run.status === 'running' && !busy ? 'interrupted' : run.status}</td>
      <td>
        {run.step}/{run.settings.steps}
      </td>
      <td>{run.final && Number.isFinite(run.final.loss) ? run.final.loss.toFixed(4) : '—'}</td>
      <td data-testid="run-checkpoint">{run.checkpoint ? `step ${run.checkpoint.step}` : 'none'}</td>
      <td className="run-actions">
        <button
          type="button"
          onClick={() => void resumeRun(run.id)}
          disabled={!canResume}
          title={run.checkpoint ? 'Continue from the last checkpoint' : 'No checkpoint saved'}
        >
          {run.step >= run.settings.steps ? 'Load' : 'Resume'}
        </button>
        <button type="button" onClick={() => void exportSavedRun(run.id)} disabled={!run.checkpoint}>
          Export
        </button>
        <button type="button" onClick={() => void deleteRun(run.id)} disabled={busy} aria-label={`Delete ${run.name}`}>
          Delete
        </button>
      </td>
    </tr>
  );
}
