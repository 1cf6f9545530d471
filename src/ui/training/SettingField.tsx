import type { DpoSettings } from '../../core/train/settings';
import { useStore } from '../../state/store';
import type { Field } from './setting-fields';

const testId = (key: string) => `settings-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** One setting with its label and one-line explanation; marked when the last error named it. */
export function SettingField({ field }: { field: Field }) {
  const value = useStore((s) => s.settings[field.key]);
  const update = useStore((s) => s.updateSettings);
  const invalid = useStore((s) => s.error?.field === field.key);
  const id = testId(field.key);
  const describedBy = `${id}-help`;
  let control;
  if (field.kind === 'number') {
    control = (
      <input
        type="number"
        step={field.step}
        value={value === null || Number.isNaN(value) ? '' : (value as number)}
        data-testid={id}
        aria-invalid={invalid}
        aria-describedby={describedBy}
        onChange={(e) => update({ [field.key]: e.target.value === '' ? (field.optional ? null : NaN) : Number(e.target.value) } as Partial<DpoSettings>)}
      />
    );
  } else if (field.kind === 'choice') {
    control = (
      <select value={value as string} data-testid={id} aria-describedby={describedBy} onChange={(e) => update({ [field.key]: e.target.value } as Partial<DpoSettings>)}>
        {field.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  } else {
    control = <input type="checkbox" checked={value as boolean} data-testid={id} aria-describedby={describedBy} onChange={(e) => update({ [field.key]: e.target.checked } as Partial<DpoSettings>)} />;
  }
  return (
    <label className={invalid ? 'field field-error' : 'field'}>
      <span>{field.label}</span>
      {control}
      <small id={describedBy}>{field.help}</small>
    </label>
  );
}
