import type { ChangeEvent } from 'react';
import { changePreset, sampleModel } from '../../client/training-actions';
import { openFile } from '../../client/file-actions';
import { isPresetName, PRESETS, type PresetName } from '../../core/model/config';
import { formatParameterCount } from '../../core/model/suggested-models';
import { useStore } from '../../state/store';
import { HfModelLoader } from './HfModelLoader';

/** The model: the built-in one's size preset or a Hugging Face one, what it is, a greedy sample. */
export function ModelPanel() {
  const model = useStore((s) => s.model);
  const preset = useStore((s) => s.preset);
  const sample = useStore((s) => s.sample);
  const busy = useStore((s) => s.status !== 'idle');
  const onPreset = (event: ChangeEvent<HTMLSelectElement>) => {
    if (isPresetName(event.target.value)) void changePreset(event.target.value);
  };
  const onImport = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file) void openFile(file);
    event.target.value = '';
  };
  return (
    <section className="panel" aria-labelledby="model-title">
      <h2 id="model-title">Model</h2>
      <label className="field">
        <span>Size</span>
        <select value={preset} onChange={onPreset} disabled={busy} data-testid="preset">
          {(Object.keys(PRESETS) as PresetName[]).map((name) => (
            <option key={name} value={name}>
              {name} — {PRESETS[name].description}
            </option>
          ))}
        </select>
      </label>
      {model && (
        <p className="model-type" data-testid="model-type">
          {model.modelType} · {formatParameterCount(model.parameters)} params · {model.dtype}
        </p>
      )}
      {model && (
        <p className="model-info" data-testid="model-source">
          {model.hfName ? <>Hugging Face {model.hfName}: </> : 'GPT-2 architecture, '}
          {(model.parameters / 1e6).toFixed(2)}M parameters ({model.nLayer} layers, d={model.nEmbd}, context {model.nPositions}); tokenizer{' '}
          {model.tokenizer}; weights: {model.source}
          {model.step > 0 && <>, trained {model.step} steps</>}
        </p>
      )}
      <label className="button-like">
        Load trained weights (.zip or .safetensors)
        <input type="file" accept=".zip,.safetensors" data-testid="model-input" onChange={onImport} disabled={busy} className="visually-hidden" />
      </label>
      <HfModelLoader />
      <div className="sample">
        <button type="button" onClick={() => void sampleModel()} disabled={busy || !model} data-testid="model-sample">
          Complete a sample prompt
        </button>
        <small className="hint">Greedy completion by the current weights. The built-in model starts untrained, so expect noise until it has seen text.</small>
        {sample && (
          <p aria-live="polite">
            <span className="sample-prompt">{sample.prompt}</span>
            <span className="sample-completion" data-testid="sample-text">
              {sample.completion}
            </span>
          </p>
        )}
      </div>
    </section>
  );
}
