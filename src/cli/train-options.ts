import { PRESETS, type PresetName } from '../core/model/config';
import type { ModelConfig } from '../core/model/causal-lm';
import { parseLoraSpec } from '../core/model/lora';
import { DEFAULT_SETTINGS, F_DIVERGENCE_TYPES, LOSS_TYPES, type DpoSettings, type LossType } from '../core/train/settings';

export class UsageError extends Error {}

type NumericKey = { [K in keyof DpoSettings]: DpoSettings[K] extends number ? K : never }[keyof DpoSettings];

/** Flag → numeric setting, with the one-line help `train --help` prints. */
export const NUMERIC_FLAGS: [flag: string, key: NumericKey, help: string][] = [
  ['beta', 'beta', 'β: how far the policy may drift from the reference (default 0.1)'],
  ['desirable-weight', 'desirableWeight', "KTO: loss weight of desirable rows (TRL's desirable_weight, default 1)"],
  ['undesirable-weight', 'undesirableWeight', "KTO: loss weight of undesirable rows (TRL's undesirable_weight, default 1)"],
  ['lr', 'learningRate', 'peak learning rate (default 1e-3; tiny models from scratch need 1e-4..1e-3)'],
  ['batch-size', 'batchSize', "pairs per micro-batch (default: the preset's)"],
  ['grad-accum', 'gradientAccumulationSteps', 'micro-batches per optimizer step (default 1)'],
  ['max-length', 'maxLength', "prompt + completion tokens; rows are cut and padded to it (default: the preset's context)"],
  ['max-prompt-length', 'maxPromptLength', 'prompt tokens kept, the last ones (default: half of max length)'],
  ['steps', 'steps', 'DPO optimizer steps; 0 exports the starting model with the step-0 metrics (default 100)'],
  ['seed', 'seed', 'seeds the weights, data order, split and sampling (default 42)'],
  ['max-grad-norm', 'maxGradNorm', 'clip the global gradient norm; 0 disables (default 1)'],
  ['label-smoothing', 'labelSmoothing', 'ε for sigmoid (cDPO) and robust (default 0)'],
  ['simpo-gamma', 'simpoGamma', 'SimPO target margin γ (default 0.5)'],
  ['discopop-tau', 'discopopTau', 'τ of the discopop loss (default 0.05)'],
  ['f-alpha-divergence-coef', 'fAlphaDivergenceCoef', 'α of --f-divergence-type alpha_divergence; 1 = reverse KL (default 0.5)'],
  ['ref-sync-steps', 'referenceSyncSteps', 'TR-DPO: sync the reference every τ steps; 0 = never (default 0)'],
  ['ref-sync-alpha', 'referenceSyncAlpha', 'TR-DPO: ref ← α·policy + (1−α)·ref (default 0.6)'],
  ['weight-decay', 'weightDecay', 'weight decay: decoupled for adamw, L2 for adam/rmsprop (default 0)'],
  ['warmup-steps', 'warmupSteps', 'linear warm-up steps (default 0)'],
  ['eval-fraction', 'evalFraction', 'held-out share of the data for eval_ metrics (default 0.05)'],
  ['eval-every', 'evalEvery', 'evaluate every N steps and at the end; 0 = at the end (default 25)'],
  ['sample-every', 'sampleEvery', 'write policy and reference completions of 3 prompts to samples.jsonl every N steps; 0 = never'],
  ['temperature', 'temperature', 'sampling temperature; 0 = greedy (default 1)'],
  ['top-k', 'topK', 'sample among the k most likely tokens; 0 = off (default 0)'],
  ['top-p', 'topP', 'nucleus sampling mass; 1 = off (default 1)'],
  ['max-new-tokens', 'maxNewTokens', 'length of each sampled completion (default 32)'],
];

const CHOICE_FLAGS: [flag: string, key: 'optimizer' | 'scheduler' | 'reference' | 'stage' | 'fDivergenceType', choices: string[], help: string][] = [
  ['stage', 'stage', ['dpo', 'kto'], 'dpo (pairs) | kto (unpaired {prompt, completion, label} rows, and pairs unpaired) (default dpo)'],
  ['optimizer', 'optimizer', ['adamw', 'adam', 'rmsprop'], 'adamw | adam | rmsprop (default adamw)'],
  ['scheduler', 'scheduler', ['constant', 'linear', 'cosine'], 'after warm-up: constant | linear | cosine (default constant)'],
  ['reference', 'reference', ['frozen', 'none'], 'frozen copy of the starting weights | none (reference-free) (default frozen)'],
  ['f-divergence-type', 'fDivergenceType', F_DIVERGENCE_TYPES, `f-DPO's divergence: ${F_DIVERGENCE_TYPES.join(' | ')} (default reverse_kl)`],
];

export const TRAIN_HELP = [
  'usage: npm run -s cli -- train --data <file.jsonl> --out <dir> [options]',
  '',
  "Trains the built-in GPT-2-architecture model on the wasm backend (--backend cpu for the reference one) and writes the same bundle as the app's",
  'export: model.safetensors, config.json, tokenizer.json, tokenizer_config.json, metrics.jsonl, run.json.',
  'stdout gets one JSON summary; progress goes to stderr. With --sft-steps, an SFT stage runs first and the',
  'DPO stage uses its result as the reference (the paper’s pipeline).',
  '',
  '  --data <file>          pairs {"prompt","chosen","rejected"} and/or unpaired {"prompt","completion","label"} rows,',
  '                         JSONL, JSON, CSV/TSV or Parquet (required)',
  '  --out <dir>            where to write the bundle (required)',
  '  --eval-data <file>     a separate held-out file (instead of --eval-fraction)',
  `  --preset <name>        model size: ${Object.keys(PRESETS).join(', ')} (default tiny)`,
  '  --model <folder>       a Hugging Face GPT-2 folder (config.json, model.safetensors or shards + index,',
  '                         tokenizer.json) instead of the built-in model; writes a merged HF folder + model card',
  '  --lora <spec>          train LoRA adapters, e.g. r=8,alpha=16,dropout=0.05,targets=c_attn+c_proj (+ c_fc);',
  '                         the reference is the base with adapters off; the PEFT adapter goes to <out>/adapter/',
  '  --sft-steps <n>        SFT steps on the chosen completions before DPO (default 0)',
  '  --loss-type <list>     comma-separated loss terms (TRL\'s loss_type; --loss is the same flag):',
  `                         ${LOSS_TYPES.join(', ')} (default sigmoid)`,
  '  --loss-weights <list>  comma-separated weights, one per loss term (default all 1)',
  '  --use-weighting        WPO: weight each pair by the policy\'s length-normalized probabilities (TRL\'s use_weighting)',
  '  --ld-alpha <α>         LD-DPO: tokens past the shorter completion of a pair count α times, α in [0, 1] (default off)',
  '  --no-ref-cache         recompute reference log-probs every step instead of once per row',
  '  --skip-non-finite      a step with a NaN/∞ loss or gradient changes nothing (instead of stopping as diverged)',
  '  --dump-batches <file>  one JSON line per trained pair: input_ids, completion_mask, logp, ref_logp',
  ...CHOICE_FLAGS.map(([flag, , , help]) => `  --${flag.padEnd(21)}${help}`),
  ...NUMERIC_FLAGS.map(([flag, , help]) => `  --${flag.padEnd(21)}${help}`),
].join('\n');

export const PARSE_OPTIONS = Object.fromEntries([
  ...['data', 'out', 'eval-data', 'preset', 'model', 'lora', 'sft-steps', 'loss', 'loss-type', 'loss-weights', 'ld-alpha', 'dump-batches'].map((f) => [
    f,
    { type: 'string' as const },
  ]),
  ['no-ref-cache', { type: 'boolean' as const }],
  ['skip-non-finite', { type: 'boolean' as const }],
  ['use-weighting', { type: 'boolean' as const }],
  ['help', { type: 'boolean' as const }],
  ...CHOICE_FLAGS.map(([f]) => [f, { type: 'string' as const }]),
  ...NUMERIC_FLAGS.map(([f]) => [f, { type: 'string' as const }]),
]);

export type FlagValues = Record<string, string | boolean | undefined>;

function number(flag: string, raw: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || Number.isNaN(value)) throw new UsageError(`--${flag}: "${raw}" is not a number`);
  return value;
}

/** Settings from flags, on top of the preset's defaults (or a loaded model's: batch 2, length ≤ 128). */
export function settingsFromFlags(values: FlagValues, preset: PresetName, model?: ModelConfig): DpoSettings {
  const { batchSize, maxLength } = model ? { batchSize: 2, maxLength: Math.min(128, model.nPositions) } : PRESETS[preset];
  const settings: DpoSettings = { ...DEFAULT_SETTINGS, batchSize, maxLength, maxPromptLength: Math.floor(maxLength / 2) };
  for (const [flag, key] of NUMERIC_FLAGS) if (typeof values[flag] === 'string') settings[key] = number(flag, values[flag] as string);
  if (typeof values['max-length'] === 'string' && typeof values['max-prompt-length'] !== 'string') settings.maxPromptLength = Math.floor(settings.maxLength / 2);
  for (const [flag, key, choices] of CHOICE_FLAGS) {
    const raw = values[flag];
    if (typeof raw !== 'string') continue;
    if (!choices.includes(raw)) throw new UsageError(`--${flag}: "${raw}" is not one of ${choices.join(', ')}`);
    (settings as unknown as Record<string, string>)[key] = raw;
  }
  if (typeof values.loss === 'string' && typeof values['loss-type'] === 'string') throw new UsageError('--loss and --loss-type are the same flag: give one');
  const lossFlag = typeof values['loss-type'] === 'string' ? 'loss-type' : 'loss';
  const lossList = values[lossFlag];
  if (typeof lossList === 'string') {
    const types = lossList.split(',').map((t) => t.trim());
    for (const t of types) if (!LOSS_TYPES.includes(t as LossType)) throw new UsageError(`--${lossFlag}: "${t}" is not one of ${LOSS_TYPES.join(', ')}`);
    settings.lossTypes = types as LossType[];
    settings.lossWeights = types.map(() => 1);
  }
  if (typeof values['loss-weights'] === 'string') settings.lossWeights = values['loss-weights'].split(',').map((w) => number('loss-weights', w));
  if (typeof values.lora === 'string') {
    try {
      settings.lora = parseLoraSpec(values.lora);
    } catch (error) {
      throw new UsageError(`--lora: ${(error as Error).message.replace(/^lora: /, '')}`);
    }
  }
  if (values['no-ref-cache']) settings.precomputeReference = false;
  if (values['skip-non-finite']) settings.skipNonFinite = true;
  if (values['use-weighting']) settings.useWeighting = true;
  if (typeof values['ld-alpha'] === 'string') settings.ldAlpha = number('ld-alpha', values['ld-alpha']);
  if (typeof values['eval-data'] === 'string') settings.evalFraction = 0;
  return settings;
}

export function sftStepsFrom(values: FlagValues): number {
  if (typeof values['sft-steps'] !== 'string') return 0;
  const n = number('sft-steps', values['sft-steps']);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--sft-steps: must be a whole number ≥ 0, got ${n}`);
  return n;
}
