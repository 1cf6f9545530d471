import type { ModelConfig } from '../model/causal-lm';
import { loraForModel, type LoraConfig } from '../model/lora';

export type LossType = 'sigmoid' | 'robust' | 'ipo' | 'hinge' | 'sigmoid_norm' | 'apo_zero' | 'sft' | 'simpo';
export const LOSS_TYPES: LossType[] = ['sigmoid', 'robust', 'ipo', 'hinge', 'sigmoid_norm', 'apo_zero', 'sft', 'simpo'];
export type OptimizerName = 'adamw' | 'adam' | 'rmsprop';
export type SchedulerName = 'constant' | 'linear' | 'cosine';
export type Stage = 'sft' | 'dpo';

/** What the user sets for a run; names follow TRL's DPOConfig where it has one. */
export interface DpoSettings {
  /** sft: next-token loss on the chosen completions; dpo: preference optimization. */
  stage: Stage;
  /** β: how far the policy may move from the reference (higher = stays closer). */
  beta: number;
  /** Loss terms, summed with `lossWeights` (TRL's loss_type list + loss_weights). */
  lossTypes: LossType[];
  lossWeights: number[];
  /** ε for sigmoid (cDPO) and robust. */
  labelSmoothing: number;
  /** γ of SimPO's target margin. */
  simpoGamma: number;
  /** 'frozen': a copy of the starting weights; 'none': reference-free (log π_ref ≡ 0). */
  reference: 'frozen' | 'none';
  /** Compute reference log-probs once per row and reuse them (TRL's precompute_ref_log_probs). */
  precomputeReference: boolean;
  /** TR-DPO: every τ steps ref ← α·policy + (1−α)·ref; 0 disables. */
  referenceSyncSteps: number;
  referenceSyncAlpha: number;
  optimizer: OptimizerName;
  learningRate: number;
  weightDecay: number;
  scheduler: SchedulerName;
  warmupSteps: number;
  /** Pairs per micro-batch (each pair is two sequences). */
  batchSize: number;
  /** Micro-batches per optimizer step; the effective batch is batchSize × this. */
  gradientAccumulationSteps: number;
  /** Prompt + completion tokens; sequences are padded to exactly this length. */
  maxLength: number;
  /** Prompt tokens kept (the last ones). */
  maxPromptLength: number;
  /** Train until the run has taken this many optimizer steps (TRL's max_steps). */
  steps: number;
  seed: number;
  /** Clip the global gradient norm to this (TRL's max_grad_norm); 0 disables. */
  maxGradNorm: number;
  /** Held-out fraction of the dataset (seeded); 0 disables evaluation. */
  evalFraction: number;
  /** Evaluate every N steps (and at the end); 0 = only at the end. */
  evalEvery: number;
  /** Sample policy and reference completions every N steps; 0 disables. */
  sampleEvery: number;
  /** Save a resumable checkpoint every N steps; 0 = about once a minute (and always on stop). */
  checkpointEvery: number;
  /** Skip a step whose loss or gradient norm is not finite (no update) instead of stopping the run. */
  skipNonFinite: boolean;
  /** Train LoRA adapters on a frozen base (the reference is the base, adapters off); null = full fine-tuning. */
  lora: LoraConfig | null;
  /** Memory the run may use on this device (MB); a run estimated above it is refused before it starts. */
  memoryBudgetMb: number;
  temperature: number;
  topK: number;
  topP: number;
  maxNewTokens: number;
}

export const DEFAULT_SETTINGS: DpoSettings = {
  stage: 'dpo',
  beta: 0.1,
  lossTypes: ['sigmoid'],
  lossWeights: [1],
  labelSmoothing: 0,
  simpoGamma: 0.5,
  reference: 'frozen',
  precomputeReference: true,
  referenceSyncSteps: 0,
  referenceSyncAlpha: 0.6,
  optimizer: 'adamw',
  learningRate: 1e-3,
  weightDecay: 0,
  scheduler: 'constant',
  warmupSteps: 0,
  batchSize: 4,
  gradientAccumulationSteps: 1,
  maxLength: 128,
  maxPromptLength: 64,
  steps: 100,
  seed: 42,
  maxGradNorm: 1,
  evalFraction: 0.05,
  evalEvery: 25,
  sampleEvery: 50,
  checkpointEvery: 0,
  skipNonFinite: false,
  lora: null,
  memoryBudgetMb: 4096,
  temperature: 1,
  topK: 0,
  topP: 1,
  maxNewTokens: 32,
};

export class SettingsError extends Error {
  constructor(
    readonly field: keyof DpoSettings | (string & {}),
    message: string,
  ) {
    super(message);
    this.name = 'SettingsError';
  }
}

const isWhole = (x: number, min: number) => Number.isInteger(x) && x >= min;

/**
 * Refuses settings that cannot work, naming the setting, before any compute starts.
 * @param trainPairs pairs available for training, when a dataset is loaded
 */
export function validateSettings(s: DpoSettings, model: ModelConfig, trainPairs?: number): void {
  const fail = (field: keyof DpoSettings, why: string): never => {
    throw new SettingsError(field, `${field}: ${why}`);
  };
  if (s.stage !== 'sft' && s.stage !== 'dpo') fail('stage', `must be "sft" or "dpo", got ${s.stage}`);
  if (!(s.beta > 0) || !Number.isFinite(s.beta)) fail('beta', `must be a positive number, got ${s.beta}`);
  if (s.lossTypes.length === 0) fail('lossTypes', 'choose at least one loss');
  for (const t of s.lossTypes) if (!LOSS_TYPES.includes(t)) fail('lossTypes', `unknown loss "${t}" (known: ${LOSS_TYPES.join(', ')})`);
  if (s.lossWeights.length !== s.lossTypes.length) fail('lossWeights', `${s.lossWeights.length} weights for ${s.lossTypes.length} losses`);
  if (s.lossWeights.some((w) => !Number.isFinite(w) || w < 0)) fail('lossWeights', 'weights must be finite and ≥ 0');
  const robust = s.lossTypes.includes('robust');
  if (!(s.labelSmoothing >= 0 && s.labelSmoothing < (robust ? 0.5 : 1))) {
    fail('labelSmoothing', `must be in [0, ${robust ? '0.5' : '1'})${robust ? ' for the robust loss' : ''}, got ${s.labelSmoothing}`);
  }
  if (!Number.isFinite(s.simpoGamma)) fail('simpoGamma', `must be a number, got ${s.simpoGamma}`);
  if (s.reference !== 'frozen' && s.reference !== 'none') fail('reference', `must be "frozen" or "none", got ${s.reference}`);
  if (!isWhole(s.referenceSyncSteps, 0)) fail('referenceSyncSteps', `must be a whole number ≥ 0, got ${s.referenceSyncSteps}`);
  if (!(s.referenceSyncAlpha > 0 && s.referenceSyncAlpha <= 1))
    fail('referenceSyncAlpha', `must be in (0, 1], got ${s.referenceSyncAlpha}`);
  if (!['adamw', 'adam', 'rmsprop'].includes(s.optimizer)) fail('optimizer', `must be adamw, adam or rmsprop, got ${s.optimizer}`);
  if (!(s.learningRate > 0) || !Number.isFinite(s.learningRate)) fail('learningRate', `must be a positive number, got ${s.learningRate}`);
  if (!(s.weightDecay >= 0)) fail('weightDecay', `must be ≥ 0, got ${s.weightDecay}`);
  if (!['constant', 'linear', 'cosine'].includes(s.scheduler)) fail('scheduler', `must be constant, linear or cosine, got ${s.scheduler}`);
  if (!isWhole(s.warmupSteps, 0)) fail('warmupSteps', `must be a whole number ≥ 0, got ${s.warmupSteps}`);
  if (!isWhole(s.batchSize, 1)) fail('batchSize', `must be a whole number ≥ 1, got ${s.batchSize}`);
  if (!isWhole(s.gradientAccumulationSteps, 1))
    fail('gradientAccumulationSteps', `must be a whole number ≥ 1, got ${s.gradientAccumulationSteps}`);
  if (trainPairs !== undefined && s.batchSize > trainPairs) {
    fail('batchSize', `${s.batchSize} pairs per batch, but the dataset has only ${trainPairs} usable training pairs`);
  }
  if (!isWhole(s.maxLength, 2)) fail('maxLength', `must be a whole number ≥ 2, got ${s.maxLength}`);
  if (s.maxLength > model.nPositions) fail('maxLength', `${s.maxLength} exceeds the model's context of ${model.nPositions} tokens`);
  if (!isWhole(s.maxPromptLength, 0) || s.maxPromptLength >= s.maxLength) {
    fail('maxPromptLength', `must be a whole number below maxLength (${s.maxLength}), got ${s.maxPromptLength}`);
  }
  if (!isWhole(s.steps, 0)) fail('steps', `must be a whole number ≥ 0, got ${s.steps}`);
  if (!Number.isInteger(s.seed)) fail('seed', `must be a whole number, got ${s.seed}`);
  if (!(s.maxGradNorm >= 0)) fail('maxGradNorm', `must be ≥ 0, got ${s.maxGradNorm}`);
  if (!(s.evalFraction >= 0 && s.evalFraction < 1)) fail('evalFraction', `must be in [0, 1), got ${s.evalFraction}`);
  if (!isWhole(s.evalEvery, 0)) fail('evalEvery', `must be a whole number ≥ 0, got ${s.evalEvery}`);
  if (!isWhole(s.sampleEvery, 0)) fail('sampleEvery', `must be a whole number ≥ 0, got ${s.sampleEvery}`);
  if (!isWhole(s.checkpointEvery, 0)) fail('checkpointEvery', `must be a whole number ≥ 0, got ${s.checkpointEvery}`);
  if (s.lora) {
    try {
      loraForModel(s.lora, model);
    } catch (error) {
      fail('lora', (error as Error).message.replace(/^lora: /, ''));
    }
    if (s.referenceSyncSteps > 0) fail('referenceSyncSteps', 'TR-DPO moves the reference, but with LoRA the reference is the frozen base; set it to 0 or train all weights');
  }
  if (!(s.memoryBudgetMb > 0)) fail('memoryBudgetMb', `must be a positive number of MB, got ${s.memoryBudgetMb}`);
  if (!(s.temperature >= 0)) fail('temperature', `must be ≥ 0 (0 = greedy), got ${s.temperature}`);
  if (!isWhole(s.topK, 0)) fail('topK', `must be a whole number ≥ 0 (0 = off), got ${s.topK}`);
  if (!(s.topP > 0 && s.topP <= 1)) fail('topP', `must be in (0, 1], got ${s.topP}`);
  if (!isWhole(s.maxNewTokens, 1)) fail('maxNewTokens', `must be a whole number ≥ 1, got ${s.maxNewTokens}`);
}

/** Whether the reference log-probs can come from a per-row cache. */
export function usesReferenceCache(s: DpoSettings): boolean {
  return s.stage === 'dpo' && s.reference === 'frozen' && s.precomputeReference && s.referenceSyncSteps === 0;
}

/** Whether any loss term needs reference log-probs at all. */
export function needsReference(s: DpoSettings): boolean {
  return s.stage === 'dpo' && s.reference === 'frozen' && s.lossTypes.some((t) => t !== 'simpo' && t !== 'sft');
}
