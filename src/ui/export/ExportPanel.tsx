import { exportRun } from '../../client/app-actions';
import { useStore } from '../../state/store';

export function ExportPanel() {
  const idle = useStore((s) => s.status === 'idle');
  return (
    <section className="panel export" aria-labelledby="export-title">
      <h2 id="export-title">Export</h2>
      <p>
        A <code>.zip</code> with <code>model.safetensors</code>, <code>config.json</code> and <code>tokenizer.json</code> in Hugging Face GPT-2 layout, plus{' '}
        <code>metrics.jsonl</code> and <code>run.json</code>. Drop it back here to reload the model.
      </p>
      <button type="button" onClick={() => void exportRun()} disabled={!idle} data-testid="export">
        Export weights and run
      </button>
    </section>
  );
}
