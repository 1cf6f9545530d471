import { exportRun } from '../../client/app-actions';
import { useStore } from '../../state/store';
import { useState } from 'react';
import { canExportToFolder, exportAs, exportToFolder } from '../../client/model-actions';

export function ExportPanel() {
  const idle = useStore((s) => s.status === 'idle');
  const lora = useStore((s) => s.settings.lora !== null);
  const [toFolder, setToFolder] = useState(false);
  const save = (kind: Parameters<typeof exportAs>[0]) => void (toFolder ? exportToFolder(kind) : exportAs(kind));
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
      <h3>For the Python ecosystem</h3>
      <div className="row">
        <button type="button" onClick={() => save('exportHfModel')} disabled={!idle} data-testid="export-hf">
          Merged model (Hugging Face folder)
        </button>
        <button type="button" onClick={() => save('exportAdapter')} disabled={!idle || !lora} data-testid="export-adapter">
          LoRA adapter (PEFT)
        </button>
        <button type="button" onClick={() => save('exportTrl')} disabled={!idle} data-testid="export-trl">
          Continue in TRL
        </button>
      </div>
      {canExportToFolder() && (
        <label>
          <input type="checkbox" checked={toFolder} onChange={(e) => setToFolder(e.target.checked)} data-testid="export-to-folder" /> Write the files
          into a folder I pick (instead of a .zip)
        </label>
      )}
      <small className="hint">
        The merged folder loads with <code>AutoModelForCausalLM.from_pretrained</code> and <code>AutoTokenizer.from_pretrained</code>; the adapter with{' '}
        <code>PeftModel.from_pretrained</code>. Each carries a model card (<code>README.md</code>). “Continue in TRL” zips the dataset as JSONL and a DPOTrainer
        script with these settings, for when the run outgrows the browser.
      </small>
    </section>
  );
}
