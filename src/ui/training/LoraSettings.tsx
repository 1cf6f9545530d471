import type { ChangeEvent } from 'react';
import type { LoraConfig } from '../../core/model/lora';
import { ALL_LINEAR_TARGET, loraTargetChoices } from '../../state/settings-slice';
import { useStore } from '../../state/store';

/** What each PEFT module name adapts, for the checkbox labels. */
const DESCRIPTIONS: Record<string, string> = {
  c_attn: 'q, k, v',
  c_proj: 'attention and MLP outputs',
  c_fc: 'MLP input',
  q_proj: 'queries',
  k_proj: 'keys',
  v_proj: 'values',
  o_proj: 'attention output',
  gate_proj: 'MLP gate',
  up_proj: 'MLP up',
  down_proj: 'MLP down',
  [ALL_LINEAR_TARGET]: 'every projection above',
};

// Before the worker describes the model, the built-in GPT-2's.
const GPT2_TARGETS = { family: 'gpt2' as const, loraTargets: ['c_attn', 'c_proj', 'c_fc'], defaultLoraTargets: ['c_attn'] };

/** LoRA on or off, and its rank, alpha, dropout and target modules (PEFT's names, the loaded model's family's). */
export function LoraSettings() {
  const lora = useStore((s) => s.settings.lora);
  const model = useStore((s) => s.model) ?? GPT2_TARGETS;
  const update = useStore((s) => s.updateSettings);
  const choices = loraTargetChoices(model);
  const patch = (change: Partial<LoraConfig>) => lora && update({ lora: { ...lora, ...change } });
  const num = (key: 'rank' | 'alpha' | 'dropout') => (e: ChangeEvent<HTMLInputElement>) => patch({ [key]: Number(e.target.value) });
  const toggleTarget = (target: string) => {
    if (!lora) return;
    const on = lora.targets.includes(target);
    // all-linear stands for every module, so it replaces the single choices (and they replace it).
    const others = lora.targets.filter((t) => t !== target && (target === ALL_LINEAR_TARGET ? false : t !== ALL_LINEAR_TARGET));
    patch({ targets: on ? lora.targets.filter((t) => t !== target) : [...others, target] });
  };
  const enable = (on: boolean) => update({ lora: on ? { rank: 8, alpha: 16, dropout: 0.05, targets: [...model.defaultLoraTargets] } : null });
  return (
    <fieldset className="lora">
      <legend>
        <label>
          <input type="checkbox" checked={lora !== null} onChange={(e) => enable(e.target.checked)} data-testid="lora-toggle" /> LoRA adapters
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
          <fieldset className="field lora-targets" data-testid="lora-targets">
            <legend>Target modules</legend>
            {choices.map((t) => (
              <label key={t}>
                <input type="checkbox" checked={lora.targets.includes(t)} onChange={() => toggleTarget(t)} data-testid={`lora-target-${t}`} /> <code>{t}</code>{' '}
                <small>({DESCRIPTIONS[t] ?? 'projection'})</small>
              </label>
            ))}
          </fieldset>
        </div>
      )}
    </fieldset>
  );
}
