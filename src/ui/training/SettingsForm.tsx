import { DEFAULT_SETTINGS, type DpoSettings } from '../../core/train/settings';
import { useStore } from '../../state/store';

interface FieldSpec {
  key: keyof DpoSettings;
  label: string;
  help: string;
  testId: string;
  step: string;
}

const FIELDS: FieldSpec[] = [
  { key: 'beta', label: 'β (beta)', help: 'How far the policy may drift from the reference; higher keeps it closer. Paper: 0.1.', testId: 'settings-beta', step: '0.01' },
  { key: 'learningRate', label: 'Learning rate', help: 'AdamW step size. Tiny models from scratch need 1e-4 to 1e-3.', testId: 'settings-lr', step: '0.0001' },
  { key: 'batchSize', label: 'Batch size (pairs)', help: 'Preference pairs per step; each pair is two sequences.', testId: 'settings-batch', step: '1' },
  { key: 'maxLength', label: 'Max length (tokens)', help: 'Prompt + completion; longer rows are cut, shapes stay fixed.', testId: 'settings-max-length', step: '1' },
  { key: 'maxPromptLength', label: 'Max prompt length', help: 'Prompt tokens kept (the last ones, where the question is).', testId: 'settings-max-prompt-length', step: '1' },
  { key: 'steps', label: 'Steps', help: 'Optimizer steps each press of Train runs.', testId: 'settings-steps', step: '1' },
  { key: 'seed', label: 'Seed', help: 'Fixes initial weights and data order: the same seed reproduces a run.', testId: 'settings-seed', step: '1' },
  { key: 'maxGradNorm', label: 'Gradient clip', help: 'Clip the global gradient norm to this (0 = off). TRL default: 1.', testId: 'settings-grad-clip', step: '0.1' },
];

/** Every training setting with a one-line explanation. Editable while training runs: applied at the next press of Train. */
export function SettingsForm() {
  const settings = useStore((s) => s.settings);
  const update = useStore((s) => s.updateSettings);
  const errorField = useStore((s) => s.error?.field);
  return (
    <section className="panel" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <div className="settings-grid">
        {FIELDS.map((f) => (
          <label key={f.key} className={errorField === f.key ? 'field field-error' : 'field'}>
            <span>{f.label}</span>
            <input
              type="number"
              step={f.step}
              value={Number.isNaN(settings[f.key]) ? '' : settings[f.key]}
              placeholder={String(DEFAULT_SETTINGS[f.key])}
              data-testid={f.testId}
              aria-invalid={errorField === f.key}
              aria-describedby={`${f.testId}-help`}
              onChange={(e) => update({ [f.key]: e.target.value === '' ? NaN : Number(e.target.value) })}
            />
            <small id={`${f.testId}-help`}>{f.help}</small>
          </label>
        ))}
      </div>
    </section>
  );
}
