import { exportRun } from '../../client/training-actions';
import { useStore } from '../../state/store';
import { useState } from 'react';
import { canExportToFolder, exportAs, exportToFolder } from '../../client/model-actions';

export function ExportPanel() {
  const idle = useStore((s) => s.status === 'idle');
  const lora = useStore((s) => s.settings.lora !== null);
  const dtype = useStore((s) => s.model?.dtype ?? 'F32');
  const modelType = useStore((s) => s.model?.modelType ?? 'gpt2');
  const gpt2 = useStore((s) => (s.model?.family ?? 'gpt2') === 'gpt2');
  const [toFolder, setToFolder] = useState(false);
  const [float32, setFloat32] = useState(false);
  const save = (kind: Parameters<typeof exportAs>[0]) => void (toFolder ? exportToFolder(kind, { float32 }) : exportAs(kind, { float32 }));
  return (
    <section className="panel export" aria-labelledby="export-title">
      <h2 id="export-title">Export</h2>
      <p id="export-run-hint">
        A <code>.zip</code> with <code>model.safetensors</code>, <code>config.json</code> and <code>tokenizer.json</code>, plus <code>metrics.jsonl</code> and{' '}
        <code>run.json</code>. Drop it back here to reload the model.
        {!gpt2 && <> GPT-2 models only: a {modelType} model exports as the merged Hugging Face folder below.</>}
      </p>
      <button type="button" onClick={() => void exportRun()} disabled={!idle || !gpt2} aria-describedby="export-run-hint" data-testid="export">
        Export weights and run
      </button>
      <h3>For the Python ecosystem</h3>
      <p>
        The merged model is a folder in the model&apos;s own Hugging Face layout (<code>{modelType}</code>, its tensor names and <code>config.json</code>), in{' '}
        {float32 || dtype === 'F32' ? 'F32' : `${dtype}, as it was loaded`}.
      </p>
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
      <label className="check">
        <input type="checkbox" checked={float32} onChange={(e) => setFloat32(e.target.checked)} data-testid="export-float32" disabled={dtype === 'F32'} /> float32
        weights in the merged model{dtype === 'F32' ? ' (they already are)' : ` (instead of ${dtype}: twice the size, no rounding of the trained weights)`}
      </label>
      {canExportToFolder() && (
        <label className="check">
          <input type="checkbox" checked={toFolder} onChange={(e) => setToFolder(e.target.checked)} data-testid="export-to-folder" /> Write the files
          into a folder I pick (instead of a .zip)
        </label>
      )}
      <small className="hint">
        The merged folder loads with <code>AutoModelForCausalLM.from_pretrained</code> and <code>AutoTokenizer.from_pretrained</code>; the adapter with{' '}
        <code>PeftModel.from_pretrained</code>. Each carries a model card (<code>README.md</code>). “Continue in TRL” zips the dataset as JSONL and a TRL 1.9
        script with these settings (<code>train_dpo.py</code> for DPOTrainer, <code>train_kto.py</code> for a KTO run), for when the run outgrows the browser.
      </small>
    </section>
  );
}
