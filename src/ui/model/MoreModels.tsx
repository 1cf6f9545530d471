import type { ChangeEvent } from 'react';
import { changePreset, sampleModel } from '../../client/training-actions';
import { openFile } from '../../client/file-actions';
import { isPresetName, PRESETS, type PresetName } from '../../core/model/config';
import { useStore } from '../../state/store';
import { HfModelLoader } from './HfModelLoader';

/** Every other way to get a model: the built-in one's size preset, trained weights, any Hub repo or a folder; and a greedy sample of it. */
export function MoreModels() {
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
    <section className="panel" aria-labelledby="more-models-title" id="more-models">
      <h2 id="more-models-title">More models</h2>
      <label className="field">
        <span>Built-in model size</span>
        <select value={preset} onChange={onPreset} disabled={busy} data-testid="preset">
          {(Object.keys(PRESETS) as PresetName[]).map((name) => (
            <option key={name} value={name}>
              {name} — {PRESETS[name].description}
            </option>
          ))}
        </select>
      </label>
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
