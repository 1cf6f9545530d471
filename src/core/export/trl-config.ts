/**
 * A run's settings as keyword arguments of TRL 1.9's DPOConfig or KTOConfig (and the
 * transformers TrainingArguments under them). Only options that TRL_VERSION has are written —
 * trl-config-fields.json, read from TRL's source, is what the tests hold the scripts to; a
 * setting TRL cannot express becomes a line of `unmapped` instead of a guess.
 */
import type { LoraConfig } from '../model/lora';
import type { DpoSettings, LossType } from '../train/settings';

/** The TRL release the scripts are written for (options differ between releases). */
export const TRL_VERSION = 'trl==1.9.0';

/**
 * requirements.txt. TRL 1.9.0's pyproject.toml asks for transformers>=4.56.2,
 * accelerate>=1.4.0, datasets>=4.7.0 (and peft>=0.8.0 for LoRA). Pinned: the set TRL's own CI
 * runs its tests with at those minimums (tests_min_versions in .github/workflows/tests.yml,
 * in a PyTorch 2.8.0 container). peft is not pinned there; 0.17.1 has the
 * LoraConfig.target_parameters that 1.9's trainers read, and 4.56.2 avoids transformers
 * 4.57.0's lr_scheduler_kwargs bug that TRL's base config works around.
 */
export const TRL_REQUIREMENTS = [
  '# TRL 1.9.0 requires transformers>=4.56.2, accelerate>=1.4.0, datasets>=4.7.0 and, for LoRA, peft>=0.8.0.',
  "# These pins are the minimums TRL's CI tests 1.9.0 with (tests_min_versions, PyTorch 2.8.0 image);",
  '# peft 0.17.1 has the LoraConfig.target_parameters that TRL 1.9 reads. Python >= 3.10.',
  TRL_VERSION,
  'transformers==4.56.2',
  'peft==0.17.1',
  'accelerate==1.4.0',
  'datasets==4.7.0',
  'torch==2.8.0',
];

export type PyValue = string | number | boolean | null | readonly (string | number)[];

export interface TrlConfigMapping {
  /** The config class the arguments are for. */
  config: 'DPOConfig' | 'KTOConfig';
  /** Keyword arguments in the order they are written. */
  args: [name: string, value: PyValue][];
  /** What the run did that the script does not reproduce, one line each. */
  unmapped: string[];
}

/** Our loss names that DPOTrainer 1.9 has under the same name and meaning (all but simpo). */
const DPO_TRAINER_LOSSES: ReadonlySet<LossType> = new Set<LossType>([
  'sigmoid',
  'hinge',
  'ipo',
  'exo_pair',
  'nca_pair',
  'robust',
  'bco_pair',
  'sppo_hard',
  'aot',
  'aot_unpaired',
  'apo_zero',
  'apo_down',
  'discopop',
  'sft',
  'sigmoid_norm',
]);
/** TRL 1.9's losses that read label_smoothing (its sigmoid no longer does). */
const SMOOTHED: ReadonlySet<LossType> = new Set<LossType>(['robust', 'exo_pair', 'aot', 'aot_unpaired']);

const SCHEDULER: Record<DpoSettings['scheduler'], string> = { constant: 'constant', linear: 'linear', cosine: 'cosine' };

function dpoLossArguments(s: DpoSettings, unmapped: string[]): [string, PyValue][] {
  if (s.stage === 'sft') {
    unmapped.push('stage "sft" runs as DPOTrainer with loss_type ["sft"] (NLL on the chosen completions); TRL\'s SFTTrainer is the usual tool');
    return [
      ['loss_type', ['sft']],
      ['loss_weights', [1]],
    ];
  }
  const types: LossType[] = [];
  const weights: number[] = [];
  s.lossTypes.forEach((type, i) => {
    const weight = s.lossWeights[i];
    if (DPO_TRAINER_LOSSES.has(type)) {
      types.push(type);
      weights.push(weight);
    } else if (type === 'simpo') {
      unmapped.push(
        `loss "simpo" (γ = ${s.simpoGamma}, weight ${weight}): not a DPOTrainer loss in ${TRL_VERSION}; TRL has it as trl.experimental.cpo.CPOTrainer(loss_type="simpo", cpo_alpha=0)`,
      );
    } else {
      unmapped.push(`loss "${type}" (weight ${weight}): not a loss type of ${TRL_VERSION}'s DPOTrainer`);
    }
  });
  if (types.length === 0) {
    unmapped.push('no loss term has a DPOTrainer equivalent; the script falls back to "sigmoid"');
    types.push('sigmoid');
    weights.push(1);
  }
  const args: [string, PyValue][] = [
    ['loss_type', types],
    ['loss_weights', weights],
  ];
  if (types.some((t) => SMOOTHED.has(t))) args.push(['label_smoothing', s.labelSmoothing]);
  if (s.labelSmoothing > 0 && types.includes('sigmoid')) {
    unmapped.push(
      `label smoothing ε = ${s.labelSmoothing} on "sigmoid" (cDPO): ${TRL_VERSION}'s sigmoid loss has no ε (only robust, exo_pair and the aot losses read label_smoothing)`,
    );
  }
  if (types.includes('discopop')) args.push(['discopop_tau', s.discopopTau]);
  args.push(['f_divergence_type', s.fDivergenceType]);
  if (s.fDivergenceType === 'alpha_divergence') args.push(['f_alpha_divergence_coef', s.fAlphaDivergenceCoef]);
  if (s.useWeighting && types.some((t) => t === 'aot' || t === 'aot_unpaired')) {
    unmapped.push('use_weighting (WPO) together with an aot loss: DPOTrainer refuses the combination, so the script leaves weighting off');
    args.push(['use_weighting', false]);
  } else {
    args.push(['use_weighting', s.useWeighting]);
  }
  if (s.ldAlpha !== null) args.push(['ld_alpha', s.ldAlpha]);
  if (types.includes('sft') && s.gradientAccumulationSteps > 1) {
    unmapped.push(
      `the sft term with gradient accumulation (${s.gradientAccumulationSteps} micro-batches): TRL takes its token mean per micro-batch, the browser run over the whole batch`,
    );
  }
  return args;
}

function ktoLossArguments(s: DpoSettings): [string, PyValue][] {
  return [
    ['loss_type', 'kto'],
    ['desirable_weight', s.desirableWeight],
    ['undesirable_weight', s.undesirableWeight],
  ];
}

function referenceArguments(s: DpoSettings, lora: LoraConfig | undefined, unmapped: string[]): [string, PyValue][] {
  if (s.reference === 'none' && s.stage !== 'sft') {
    unmapped.push(
      `reference "none" (reference-free, log π_ref ≡ 0): ${TRL_VERSION} has no reference_free option, so the script trains against a frozen copy of the starting model`,
    );
  }
  const sync = s.referenceSyncSteps > 0 && s.stage !== 'sft';
  const args: [string, PyValue][] = [['precompute_ref_log_probs', s.precomputeReference && !sync]];
  if (sync && lora) {
    unmapped.push(`TR-DPO reference sync (every ${s.referenceSyncSteps} steps, α = ${s.referenceSyncAlpha}): TRL does not support it with PEFT`);
  } else if (sync) {
    args.push(['sync_ref_model', true], ['ref_model_sync_steps', s.referenceSyncSteps], ['ref_model_mixup_alpha', s.referenceSyncAlpha]);
  }
  return args;
}

function optimizerArguments(s: DpoSettings, unmapped: string[]): [string, PyValue][] {
  if (s.optimizer === 'adam' && s.weightDecay > 0) {
    unmapped.push('optimizer "adam" adds weight decay to the gradient (L2); transformers has no such Adam, so the script uses AdamW (decoupled decay)');
  }
  if (s.weightDecay > 0) unmapped.push("weight decay: transformers' Trainer skips biases and LayerNorm weights; the browser run decays every weight");
  return [
    ['optim', s.optimizer === 'rmsprop' ? 'rmsprop' : 'adamw_torch'],
    ['weight_decay', s.weightDecay],
    ['max_grad_norm', s.maxGradNorm],
  ];
}

function evalArguments(s: DpoSettings): [string, PyValue][] {
  if (s.evalFraction <= 0) return [['eval_strategy', 'no']];
  return [
    ['eval_strategy', 'steps'],
    ['eval_steps', s.evalEvery > 0 ? s.evalEvery : Math.max(1, s.steps)],
    ['per_device_eval_batch_size', s.batchSize],
  ];
}

/** Lines every stage shares: what neither trainer has. */
function commonUnmapped(s: DpoSettings, lora: LoraConfig | undefined, kto: boolean): string[] {
  const order = kto
    ? 'the data order and the train/eval split: KTOTrainer reads the rows in file order (train_sampling_strategy "sequential", which its KL estimate needs) and datasets splits with its own shuffle'
    : 'the data order and the train/eval split: the same seed gives a different shuffle in datasets than in DPO Studio';
  return [
    order,
    `max prompt length (${s.maxPromptLength} tokens, the last ones kept): ${TRL_VERSION} has no prompt limit; it cuts prompt + completion to max_length from the end (truncation_mode "keep_start"), so a longer prompt keeps its start`,
    ...(lora && lora.dropout > 0
      ? [`LoRA dropout ${lora.dropout}: the trainer's disable_dropout (on, which keeps the base model's own dropout off as in the browser) also zeroes PEFT's lora_dropout`]
      : []),
    `skipNonFinite (${s.skipNonFinite}) and checkpointEvery (${s.checkpointEvery}): the Trainer has neither; it saves every save_steps`,
    `sampling during training (sampleEvery ${s.sampleEvery}, temperature ${s.temperature}, top-k ${s.topK}, top-p ${s.topP}, ${s.maxNewTokens} new tokens)`,
  ];
}

/** DPOConfig's (or, for stage "kto", KTOConfig's) arguments for a run's settings, and what could not be mapped. */
export function trlConfigArguments(s: DpoSettings, lora?: LoraConfig): TrlConfigMapping {
  const kto = s.stage === 'kto';
  const unmapped: string[] = [];
  const args: [string, PyValue][] = [
    ['output_dir', kto ? 'kto-output' : 'dpo-output'],
    ['beta', s.beta],
    ...(kto ? ktoLossArguments(s) : dpoLossArguments(s, unmapped)),
    ...referenceArguments(s, lora, unmapped),
    ['learning_rate', s.learningRate],
    // transformers' "constant" ignores warm-up; ours warms up first, as "constant_with_warmup".
    ['lr_scheduler_type', s.scheduler === 'constant' && s.warmupSteps > 0 ? 'constant_with_warmup' : SCHEDULER[s.scheduler]],
    ['warmup_steps', s.warmupSteps],
    ['max_steps', s.steps],
    ['per_device_train_batch_size', s.batchSize],
    ['gradient_accumulation_steps', s.gradientAccumulationSteps],
    ['max_length', s.maxLength],
    ...optimizerArguments(s, unmapped),
    ['seed', s.seed],
    ...evalArguments(s),
    // The browser run is float32; TRL turns bf16 on by default.
    ['bf16', false],
    ['logging_steps', 1],
    ['report_to', 'none'],
  ];
  if (kto && s.batchSize < 2) {
    unmapped.push(`a micro-batch of ${s.batchSize} row: KTOTrainer refuses fewer than 2 (its KL estimate pairs each row with another's completion); raise per_device_train_batch_size`);
  }
  unmapped.push(...commonUnmapped(s, lora, kto));
  return { config: kto ? 'KTOConfig' : 'DPOConfig', args, unmapped };
}
