import type { GptConfig } from '../model/config';

/** What the user sets for a DPO run; names follow TRL's DPOConfig where it has one. */
export interface DpoSettings {
  /** β: how far the policy may move from the reference (higher = stays closer). */
  beta: number;
  learningRate: number;
  /** Pairs per step (each pair is two sequences). */
  batchSize: number;
  /** Prompt + completion tokens; sequences are padded to exactly this length. */
  maxLength: number;
  /** Prompt tokens kept (the last ones); defaults to half of maxLength. */
  maxPromptLength: number;
  /** Steps to run when Train is pressed. */
  steps: number;
  seed: number;
  /** Clip the global gradient norm to this (TRL's max_grad_norm); 0 disables. */
  maxGradNorm: number;
}

export const DEFAULT_SETTINGS: DpoSettings = {
  beta: 0.1,
  learningRate: 1e-3,
  batchSize: 4,
  maxLength: 128,
  maxPromptLength: 64,
  steps: 100,
  seed: 42,
  maxGradNorm: 1,
};

export class SettingsError extends Error {
  constructor(
    readonly field: keyof DpoSettings,
    message: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

/**
 * Refuses settings that cannot work, naming the setting, before any compute starts.
 * @param pairCount pairs in the dataset, when one is loaded
 */
export function validateSettings(s: DpoSettings, model: GptConfig, pairCount?: number): void {
  const fail = (field: keyof DpoSettings, why: string) => {
    throw new SettingsError(field, `${field}: ${why}`);
  };
  if (!(s.beta > 0) || !Number.isFinite(s.beta)) fail('beta', `must be a positive number, got ${s.beta}`);
  if (!(s.learningRate > 0) || !Number.isFinite(s.learningRate)) fail('learningRate', `must be a positive number, got ${s.learningRate}`);
  if (!Number.isInteger(s.batchSize) || s.batchSize < 1) fail('batchSize', `must be a whole number ≥ 1, got ${s.batchSize}`);
  if (pairCount !== undefined && s.batchSize > pairCount) {
    fail('batchSize', `${s.batchSize} pairs per batch, but the dataset has only ${pairCount} usable pairs`);
  }
  if (!Number.isInteger(s.maxLength) || s.maxLength < 2) fail('maxLength', `must be a whole number ≥ 2, got ${s.maxLength}`);
  if (s.maxLength > model.nPositions) fail('maxLength', `${s.maxLength} exceeds the model's context of ${model.nPositions} tokens`);
  if (!Number.isInteger(s.maxPromptLength) || s.maxPromptLength < 0 || s.maxPromptLength >= s.maxLength) {
    fail('maxPromptLength', `must be a whole number below maxLength (${s.maxLength}), got ${s.maxPromptLength}`);
  }
  if (!Number.isInteger(s.steps) || s.steps < 0) fail('steps', `must be a whole number ≥ 0, got ${s.steps}`);
  if (!Number.isInteger(s.seed)) fail('seed', `must be a whole number, got ${s.seed}`);
  if (!(s.maxGradNorm >= 0)) fail('maxGradNorm', `must be ≥ 0, got ${s.maxGradNorm}`);
}
