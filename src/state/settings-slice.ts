import type { StateCreator } from 'zustand';
import { PRESETS, type PresetName } from '../core/model/config';
import { DEFAULT_SETTINGS, type DpoSettings } from '../core/train/settings';
import type { ModelInfo } from '../protocol/messages';

/** PEFT's shorthand for every linear layer but the LM head, which the Llama family's runs expand. */
export const ALL_LINEAR_TARGET = 'all-linear';

/** The LoRA targets a model offers in the settings: its family's modules, plus all-linear for the Llama family. */
export function loraTargetChoices(model: Pick<ModelInfo, 'family' | 'loraTargets'>): string[] {
  return model.family === 'llama' ? [...model.loraTargets, ALL_LINEAR_TARGET] : [...model.loraTargets];
}

/**
 * The settings once `model` is loaded: a LoRA whose targets are another family's modules (or
 * any the model lacks) starts over on the model's default targets, so a run never starts with
 * names the model does not have. Same family, valid targets: the user's choice stays.
 */
export function settingsForModel(settings: DpoSettings, model: ModelInfo, previous: ModelInfo | null): DpoSettings {
  const lora = settings.lora;
  if (!lora || !model.loraTargets) return settings;
  const choices = loraTargetChoices(model);
  const familyChanged = previous !== null && previous.family !== model.family;
  const valid = lora.targets.length > 0 && lora.targets.every((t) => choices.includes(t));
  if (!familyChanged && valid) return settings;
  return { ...settings, lora: { ...lora, targets: [...model.defaultLoraTargets] } };
}

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
