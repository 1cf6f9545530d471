import type { StateCreator } from 'zustand';
import { PRESETS, type PresetName } from '../core/model/config';
import { DEFAULT_SETTINGS, type DpoSettings } from '../core/train/settings';

export interface SettingsSlice {
  preset: PresetName;
  settings: DpoSettings;
  /** Stage of the run whose curves are on screen; null before the first run. */
  stage: DpoSettings['stage'] | null;
  setStage(stage: DpoSettings['stage'] | null): void;
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
  stage: null,
  setStage: (stage) => set({ stage }),
  setPreset: (preset) => set((s) => ({ preset, settings: settingsForPreset(preset, s.settings) })),
  updateSettings: (patch) => set((s) => ({ settings: { ...s.settings, ...patch } })),
});
