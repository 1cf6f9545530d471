import type { ChangeEvent } from 'react';
import type { LoraConfig, LoraTarget } from '../../core/model/lora';
import { useStore } from '../../state/store';

const TARGETS: { value: LoraTarget; label: string }[] = [
  { value: 'c_attn', label: 'c_attn (q, k, v)' },
  { value: 'c_proj', label: 'c_proj (attention and MLP outputs)' },
  { value: 'c_fc', label: 'c_fc (MLP input)' },
];

const DEFAULT: LoraConfig = { rank: 8, alpha: 16, dropout: 0.05, targets: ['c_attn'] };

/** LoRA on or off, and its rank, alpha, dropout and target modules (PEFT's names). */
export function LoraSettings() {
  const lora = useStore((s) => s.settings.lora);
  const update = useStore((s) => s.updateSettings);
  const patch = (change: Partial<LoraConfig>) => lora && update({ lora: { ...lora, ...change } });
  const num = (key: 'rank' | 'alpha' | 'dropout') => (e: ChangeEvent<HTMLInputElement>) => patch({ [key]: Number(e.target.value) });
  const toggleTarget = (target: LoraTarget) => {
    if (!lora) return;
    const targets = lora.targets.includes(target) ? lora.targets.filter((t) => t !== target) : [...lora.targets, target];
    patch({ targets });
  };
  return (
    <fieldset className="lora">
      <legend>
        <label>
          <input type="checkbox" checked={lora !== null} onChange={(e) => update({ lora: e.target.checked ? DEFAULT : null })} data-testid="lora-toggle" />{' '}
          LoRA adapters
        </label>
      </legend>
      <small className="hint">
        Trains small low-rank adapters on a frozen model; the reference is the model with the adapters off, so there is no second copy of the weights.
      </small>
      {lora && (
        <div className="settings-grid">
          <label className="field">
            <span>Rank r</span>
            <input type="number" min={1} step={1} value={lora.rank} onChange={num('rank')} data-testid="lora-rank" />
          </label>
          <label className="field">
            <span>Alpha</span>
            <input type="number" min={0} step={1} value={lora.alpha} onChange={num('alpha')} data-testid="lora-alpha" />
          </label>
          <label className="field">
            <span>Dropout</span>
            <input type="number" min={0} max={0.99} step={0.01} value={lora.dropout} onChange={num('dropout')} />
          </label>
          <div className="field" role="group" aria-label="Target modules">
            <span>Target modules</span>
            {TARGETS.map((t) => (
              <label key={t.value}>
                <input type="checkbox" checked={lora.targets.includes(t.value)} onChange={() => toggleTarget(t.value)} /> {t.label}
              </label>
            ))}
          </div>
        </div>
      )}
    </fieldset>
  );
}
