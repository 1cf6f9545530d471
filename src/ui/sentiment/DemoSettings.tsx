import { useState } from 'react';
import { useStore } from '../../state/store';
import type { SentimentSettings } from '../../core/sentiment/sentiment-settings';

type NumberKey = 'steps' | 'learningRate' | 'evalEvery' | 'pairPrompts' | 'evalPrompts' | 'samplesPerPrompt';

const FIELDS: [key: NumberKey, label: string, help: string, integer: boolean][] = [
  ['steps', 'DPO steps per β', 'Optimizer steps of each run.', true],
  ['learningRate', 'Learning rate', 'AdamW, constant.', false],
  ['evalEvery', 'Evaluate every', 'Steps between reward/KL evaluations on held-out prompts.', true],
  ['pairPrompts', 'Prompts for pairs', 'Each is sampled twice from the SFT model; ties are dropped.', true],
  ['evalPrompts', 'Evaluation prompts', 'Held-out prompts sampled at each evaluation.', true],
  ['samplesPerPrompt', 'Samples per prompt', 'More samples: less noisy reward and KL, slower evaluations.', true],
];

/** Parses "0.1, 0.5" into β values; null with a reason when one is not a number > 0. */
export function parseBetas(text: string): { betas: number[] } | { error: string } {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) return { error: 'give at least one β, e.g. 0.1, 0.5' };
  const betas = parts.map(Number);
  const bad = parts.find((_, i) => !(Number.isFinite(betas[i]) && betas[i] > 0));
  if (bad !== undefined) return { error: `"${bad}" is not a β > 0` };
  return { betas };
}

/** The sweep's settings; disabled while the demo runs. */
export function DemoSettings({ disabled }: { disabled: boolean }) {
  const settings = useStore((s) => s.demoSettings);
  const setSettings = useStore((s) => s.setDemoSettings);
  const [betaText, setBetaText] = useState(settings.betas.join(', '));
  const [betaError, setBetaError] = useState<string | null>(null);
  const commitBetas = (text: string) => {
    setBetaText(text);
    const parsed = parseBetas(text);
    if ('error' in parsed) setBetaError(parsed.error);
    else {
      setBetaError(null);
      setSettings({ betas: parsed.betas });
    }
  };
  const setNumber = (key: NumberKey, text: string, integer: boolean) => {
    const value = Number(text);
    if (Number.isFinite(value) && value > 0 && (!integer || Number.isInteger(value)))
      setSettings({ [key]: value } as Partial<SentimentSettings>);
  };
  return (
    <fieldset className="demo-settings" disabled={disabled}>
      <legend>Sweep</legend>
      <label className="demo-field">
        <span>β values (one run each)</span>
        <input
          value={betaText}
          onChange={(e) => commitBetas(e.target.value)}
          aria-invalid={betaError !== null}
          aria-describedby="beta-help"
        />
        <small id="beta-help" className={betaError ? 'field-error' : 'field-help'}>
          {betaError ?? 'Comma-separated; lower β may drift further from the SFT model.'}
        </small>
      </label>
      {FIELDS.map(([key, label, help, integer]) => (
        <label className="demo-field" key={key}>
          <span>{label}</span>
          <input
            type="number"
            min={integer ? 1 : 0}
            step={integer ? 1 : 'any'}
            defaultValue={settings[key]}
            onChange={(e) => setNumber(key, e.target.value, integer)}
            aria-describedby={`demo-${key}-help`}
          />
          <small id={`demo-${key}-help`} className="field-help">
            {help}
          </small>
        </label>
      ))}
    </fieldset>
  );
}
