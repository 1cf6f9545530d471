import type { StateCreator } from 'zustand';
import { PRESETS, type PresetName } from '../core/model/config';
import { DEFAULT_SETTINGS, type DpoSettings } from '../core/train/settings';

export interface SettingsSlice {
  preset: PresetName;
  settings: DpoSettings;
  setPreset(preset: PresetName): void;
  updateSettings(patch: Partial<DpoSettings>): void;
}

/** Settings that suit a preset: its batch size and context length. */
export function settingsForPreset(preset: PresetName, base: DpoSettings = DEFAULT_SETTINGS): DpoSettings {
  const { batchSize, maxLength } = PRESETS[preset];
  return { ...base, batchSize, maxLength, maxPromptLength: Math.floor(maxLength / 2) };
}

export const createSettingsSlice: StateCreator<SettingsSlice> = (set) => ({
  preset: 'small',
  settings: settingsForPreset('small'),
  setPreset: (preset) => set((s) => ({ preset, settings: settingsForPreset(preset, s.settings) })),
  updateSettings: (patch) => set((s) => ({ settings: { ...s.settings, ...patch } })),
});
