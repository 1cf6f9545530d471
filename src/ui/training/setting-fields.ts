import { F_DIVERGENCE_TYPES, type DpoSettings } from '../../core/train/settings';

export interface NumberField {
  kind: 'number';
  key: keyof DpoSettings;
  label: string;
  help: string;
  step: string;
  /** An empty box means null (off), for settings such as ldAlpha. */
  optional?: boolean;
}

export interface ChoiceField {
  kind: 'choice';
  key: keyof DpoSettings;
  label: string;
  help: string;
  options: { value: string; label: string }[];
}

export interface ToggleField {
  kind: 'toggle';
  key: keyof DpoSettings;
  label: string;
  help: string;
}

export type Field = NumberField | ChoiceField | ToggleField;

const num = (key: keyof DpoSettings, label: string, help: string, step = '1'): NumberField => ({ kind: 'number', key, label, help, step });

/** The settings everyone touches. */
export const BASIC_FIELDS: Field[] = [
  {
    kind: 'choice',
    key: 'stage',
    label: 'Stage',
    help: 'SFT teaches the model the chosen answers; DPO then uses that model as its reference (the paper’s pipeline). KTO trains on thumbs up/down rows (and pairs, split into one of each).',
    options: [
      { value: 'dpo', label: 'DPO (preferences)' },
      { value: 'sft', label: 'SFT (next-token on chosen)' },
      { value: 'kto', label: 'KTO (thumbs up/down, unpaired)' },
    ],
  },
  num('beta', 'β (beta)', 'How far the policy may drift from the reference; higher keeps it closer. Paper: 0.1.', '0.01'),
  num('learningRate', 'Learning rate', 'Peak step size. Tiny models from scratch need 1e-4 to 1e-3.', '0.0001'),
  num('batchSize', 'Batch size (pairs)', 'Preference pairs per micro-batch; each pair is two sequences.'),
  num('maxLength', 'Max length (tokens)', 'Prompt + completion; longer rows are cut, shapes stay fixed.'),
  num('steps', 'Train until step', 'Train runs until the run reaches this step (TRL’s max_steps).'),
  num('seed', 'Seed', 'Fixes initial weights, data order and sampling: the same seed reproduces a run.'),
];

/** KTO's own settings (shown for the KTO stage), under TRL's KTOConfig names. */
export const KTO_FIELDS: Field[] = [
  num('desirableWeight', 'desirable_weight', 'Loss weight of thumbs-up rows; raise it when they are fewer than the thumbs-down ones (TRL’s desirable_weight).', '0.1'),
  num('undesirableWeight', 'undesirable_weight', 'Loss weight of thumbs-down rows (TRL’s undesirable_weight).', '0.1'),
];

/** Everything else TRL users expect, behind a disclosure. */
export const ADVANCED_FIELDS: Field[] = [
  num('maxPromptLength', 'Max prompt length', 'Prompt tokens kept (the last ones, where the question is).'),
  num('memoryBudgetMb', 'Memory budget (MB)', 'What this device may use for training; a run estimated above it is refused before it starts.'),
  num('labelSmoothing', 'Label smoothing ε', 'cDPO / robust: the share of labels assumed flipped. 0 = plain DPO.', '0.01'),
  num('simpoGamma', 'SimPO γ', 'Target reward margin of the SimPO loss.', '0.1'),
  num('discopopTau', 'DiscoPOP τ (discopop_tau)', 'Temperature of the discopop loss’s blend; the paper’s 0.05.', '0.01'),
  {
    kind: 'choice',
    key: 'fDivergenceType',
    label: 'f-divergence (f_divergence_type)',
    help: 'The divergence to the reference the losses regularize with (f-DPO); reverse_kl is plain DPO.',
    options: F_DIVERGENCE_TYPES.map((value) => ({ value, label: value })),
  },
  num('fAlphaDivergenceCoef', 'α-divergence α (f_alpha_divergence_coef)', 'Used by alpha_divergence only; 1 is reverse KL. TRL default: 0.5.', '0.1'),
  {
    kind: 'toggle',
    key: 'useWeighting',
    label: 'WPO weighting (use_weighting)',
    help: 'Weight each pair by how likely the policy finds both completions (WPO); not with aot.',
  },
  { ...num('ldAlpha', 'LD-DPO α (ld_alpha)', 'Tokens past the shorter completion count α times (0–1); empty = off.', '0.1'), optional: true },
  {
    kind: 'choice',
    key: 'reference',
    label: 'Reference model',
    help: 'A frozen copy of the starting weights, or none (reference-free; SimPO needs none).',
    options: [
      { value: 'frozen', label: 'frozen copy' },
      { value: 'none', label: 'none (reference-free)' },
    ],
  },
  { kind: 'toggle', key: 'precomputeReference', label: 'Cache reference log-probs', help: 'Compute them once per row instead of every step (off when TR-DPO moves the reference).' },
  num('referenceSyncSteps', 'TR-DPO sync every τ steps', 'ref ← α·policy + (1−α)·ref every τ steps; 0 = never.'),
  num('referenceSyncAlpha', 'TR-DPO α', 'How far each sync moves the reference toward the policy.', '0.05'),
  {
    kind: 'choice',
    key: 'optimizer',
    label: 'Optimizer',
    help: 'AdamW (decoupled decay), Adam, or RMSprop (the paper’s).',
    options: ['adamw', 'adam', 'rmsprop'].map((value) => ({ value, label: value })),
  },
  num('weightDecay', 'Weight decay', 'AdamW: decoupled; Adam/RMSprop: L2 added to the gradient.', '0.01'),
  {
    kind: 'choice',
    key: 'scheduler',
    label: 'Schedule',
    help: 'After warm-up: constant, linear decay to 0, or cosine decay to 0 at the last step.',
    options: ['constant', 'linear', 'cosine'].map((value) => ({ value, label: value })),
  },
  num('warmupSteps', 'Warm-up steps', 'Learning rate rises linearly from 0 over these steps.'),
  num('gradientAccumulationSteps', 'Gradient accumulation', 'Micro-batches per step; effective batch = batch × this.'),
  num('maxGradNorm', 'Gradient clip', 'Clip the global gradient norm to this (0 = off). TRL default: 1.', '0.1'),
  { kind: 'toggle', key: 'skipNonFinite', label: 'Skip non-finite steps', help: 'A step whose loss or gradient is NaN/∞ changes nothing and training goes on, instead of stopping as diverged.' },
  num('evalFraction', 'Held-out fraction', 'Share of pairs kept aside (seeded) for eval_ metrics; 0 = none.', '0.01'),
  num('evalEvery', 'Evaluate every N steps', 'Also evaluated at the first and last step; 0 = at the end only.'),
  num('sampleEvery', 'Sample every N steps', 'Show policy and reference completions of 3 prompts; 0 = never.'),
  num('checkpointEvery', 'Checkpoint every N steps', 'Save a resumable checkpoint in the browser; 0 = about once a minute (always on stop).'),
  num('temperature', 'Temperature', 'Sampling temperature; 0 = greedy.', '0.1'),
  num('topK', 'Top-k', 'Sample among the k most likely tokens; 0 = off.'),
  num('topP', 'Top-p', 'Sample from the smallest set holding this probability; 1 = off.', '0.05'),
  num('maxNewTokens', 'Max new tokens', 'Length of each sampled completion.'),
];
