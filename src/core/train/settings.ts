// TF-free: the page's settings form imports these types and defaults, so this module never
// imports TensorFlow.js or a module that does (validation, which needs the model families, is
// in validate-settings.ts).
import type { LoraConfig } from '../model/lora';

export type LossType =
  | 'sigmoid'
  | 'robust'
  | 'ipo'
  | 'hinge'
  | 'sigmoid_norm'
  | 'apo_zero'
  | 'sft'
  | 'simpo'
  | 'exo_pair'
  | 'nca_pair'
  | 'bco_pair'
  | 'sppo_hard'
  | 'aot'
  | 'aot_unpaired'
  | 'apo_down'
  | 'discopop';
export const LOSS_TYPES: LossType[] = [
  'sigmoid',
  'robust',
  'ipo',
  'hinge',
  'sigmoid_norm',
  'apo_zero',
  'sft',
  'simpo',
  'exo_pair',
  'nca_pair',
  'bco_pair',
  'sppo_hard',
  'aot',
  'aot_unpaired',
  'apo_down',
  'discopop',
];
/** The f-divergences TRL v1.9.0's f_divergence_type accepts (f-DPO); reverse_kl is plain DPO. */
export type FDivergenceType = 'reverse_kl' | 'forward_kl' | 'js_divergence' | 'alpha_divergence';
export const F_DIVERGENCE_TYPES: FDivergenceType[] = ['reverse_kl', 'forward_kl', 'js_divergence', 'alpha_divergence'];
export type OptimizerName = 'adamw' | 'adam' | 'rmsprop';
export type SchedulerName = 'constant' | 'linear' | 'cosine';
export type Stage = 'sft' | 'dpo' | 'kto';

/** What the user sets for a run; names follow TRL's DPOConfig where it has one. */
export interface DpoSettings {
  /** sft: next-token loss on the chosen completions; dpo: preference optimization; kto: KTO on unpaired {prompt, completion, label} rows (src/core/kto/). */
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
  /** τ of DiscoPOP's log-ratio modulation (TRL's discopop_tau). */
  discopopTau: number;
  /** Which f-divergence turns log-ratios into scores (TRL's f_divergence_type; f-DPO). */
  fDivergenceType: FDivergenceType;
  /** α of the alpha divergence (TRL's f_alpha_divergence_coef); 1 is reverse KL. */
  fAlphaDivergenceCoef: number;
  /** WPO: weight each pair's loss by the policy's length-normalized probabilities of both completions (TRL's use_weighting). */
  useWeighting: boolean;
  /** LD-DPO: tokens past the shorter completion's length count α times (TRL's ld_alpha); null = plain sums. */
  ldAlpha: number | null;
  /** KTO: weight of the desirable rows' losses (TRL's desirable_weight). */
  desirableWeight: number;
  /** KTO: weight of the undesirable rows' losses (TRL's undesirable_weight). */
  undesirableWeight: number;
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

/**
 * TRL v1.9.0's DPOConfig defaults for the loss options added after runs were first saved:
 * they reproduce the old behaviour, so a run saved without them resumes unchanged.
 */
export const LOSS_OPTION_DEFAULTS: Pick<DpoSettings, 'discopopTau' | 'fDivergenceType' | 'fAlphaDivergenceCoef' | 'useWeighting' | 'ldAlpha'> = {
  discopopTau: 0.05,
  fDivergenceType: 'reverse_kl',
  fAlphaDivergenceCoef: 0.5,
  useWeighting: false,
  ldAlpha: null,
};

export const DEFAULT_SETTINGS: DpoSettings = {
  stage: 'dpo',
  beta: 0.1,
  lossTypes: ['sigmoid'],
  lossWeights: [1],
  labelSmoothing: 0,
  simpoGamma: 0.5,
  ...LOSS_OPTION_DEFAULTS,
  desirableWeight: 1,
  undesirableWeight: 1,
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

/** Whether the reference log-probs can come from a per-row cache. */
export function usesReferenceCache(s: DpoSettings): boolean {
  return s.stage !== 'sft' && s.reference === 'frozen' && s.precomputeReference && s.referenceSyncSteps === 0;
}

/** Whether any loss term needs reference log-probs at all. */
export function needsReference(s: DpoSettings): boolean {
  if (s.stage === 'kto') return s.reference === 'frozen';
  return s.stage === 'dpo' && s.reference === 'frozen' && s.lossTypes.some((t) => t !== 'simpo' && t !== 'sft');
}

/** Settings saved by an older version (stored runs, checkpoints), with the loss options it did not know at their defaults. */
export function withLossOptionDefaults(settings: DpoSettings): DpoSettings {
  return { ...LOSS_OPTION_DEFAULTS, ...settings };
}
