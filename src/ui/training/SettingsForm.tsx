import { ADVANCED_FIELDS, BASIC_FIELDS, KTO_FIELDS } from './setting-fields';
import { useStore } from '../../state/store';
import { SettingField } from './SettingField';
import { LossPicker } from './LossPicker';
import { LoraSettings } from './LoraSettings';
import { MemoryEstimate } from './MemoryEstimate';

/**
 * Every training setting with a one-line explanation, beside Train: the ones everyone touches
 * first, the rest folded. Editable while training runs: applied at the next press of Train.
 */
export function SettingsForm() {
  const kto = useStore((s) => s.settings.stage === 'kto');
  return (
    <section className="panel settings" aria-labelledby="settings-title">
      <h2 id="settings-title">Key settings</h2>
      <div className="settings-grid">
        {BASIC_FIELDS.map((f) => (
          <SettingField key={f.key} field={f} />
        ))}
        {kto && KTO_FIELDS.map((f) => <SettingField key={f.key} field={f} />)}
      </div>
      <LoraSettings />
      <MemoryEstimate />
      <details className="advanced">
        <summary>Advanced: losses, reference, optimizer, evaluation, sampling</summary>
        <LossPicker />
        <div className="settings-grid">
          {ADVANCED_FIELDS.map((f) => (
            <SettingField key={f.key} field={f} />
          ))}
        </div>
      </details>
    </section>
  );
}
