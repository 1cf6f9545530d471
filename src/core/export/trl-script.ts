/**
 * "Continue in TRL": a folder that reruns the browser run's data and settings with Hugging
 * Face TRL's DPOTrainer on real GPUs. Every option written is one that TRL_VERSION's
 * DPOConfig (or transformers' TrainingArguments under it) has; settings without an
 * equivalent are listed in the script's header instead of being guessed at. User text
 * reaches the script only through `pythonString`, so no name can break or inject code.
 */
import type { PreferencePair } from '../data/preference-pairs';
import type { LoraConfig } from '../model/lora';
import { needsReference, usesReferenceCache, type DpoSettings, type LossType } from '../train/settings';
import { pythonString, pythonValue } from './python-literal';

/** The TRL release the script is written for (DPOConfig's options differ between releases). */
export const TRL_VERSION = 'trl==0.23.1';

/** requirements.txt: a set known to work together (HF cookbook stack of late 2025). */
export const TRL_REQUIREMENTS = [
  TRL_VERSION,
  'transformers==4.57.0',
  'peft==0.17.1',
  'accelerate==1.10.1',
  'datasets==4.0.0',
  'torch==2.8.0',
];

export interface TrlExportInput {
  settings: DpoSettings;
  lora?: LoraConfig;
  /** A Hub id ("gpt2") or a folder next to the script ("./model"). */
  modelRef: string;
  /** GPT-2's Conv1D projections need PEFT's fan_in_fan_out; the Llama family's nn.Linear do not. */
  conv1d?: boolean;
  /** The chat template the run rendered conversations with: carried over so TRL renders them the same way. */
  chatTemplate?: string;
  pairs: PreferencePair[];
  datasetName: string;
}

type PyValue = string | number | boolean | null | readonly (string | number)[];

export interface DpoConfigMapping {
  /** DPOConfig keyword arguments in the order they are written. */
  args: [name: string, value: PyValue][];
  /** What the run did that the script does not reproduce, one line each. */
  unmapped: string[];
}

/** Our loss names that TRL's DPOTrainer knows under the same meaning (see DPO_SPEC.md). */
const TRL_LOSS: Partial<Record<LossType, string>> = {
  sigmoid: 'sigmoid',
  robust: 'robust',
  ipo: 'ipo',
  hinge: 'hinge',
  apo_zero: 'apo_zero',
};

const SCHEDULER: Record<DpoSettings['scheduler'], string> = { constant: 'constant', linear: 'linear', cosine: 'cosine' };

function lossArguments(s: DpoSettings, unmapped: string[]): [string, PyValue][] {
  if (s.stage === 'sft') {
    unmapped.push(
      'stage "sft" runs as DPOTrainer with loss_type ["sft"] (NLL on the chosen completions); TRL\'s SFTTrainer is the usual tool',
    );
    return [
      ['loss_type', ['sft']],
      ['loss_weights', [1]],
    ];
  }
  const types: string[] = [];
  const weights: number[] = [];
  let sftWeight: number | null = null;
  s.lossTypes.forEach((type, i) => {
    const weight = s.lossWeights[i];
    const trl = TRL_LOSS[type];
    if (type === 'sft') sftWeight = weight;
    else if (trl) {
      types.push(trl);
      weights.push(weight);
    } else if (type === 'simpo') {
      unmapped.push(
        `loss "simpo" (γ = ${s.simpoGamma}, weight ${weight}): not a DPOTrainer loss; TRL has it as CPOTrainer(loss_type="simpo", cpo_alpha=0)`,
      );
    } else {
      unmapped.push(`loss "${type}" (weight ${weight}): not a loss type of ${TRL_VERSION}'s DPOTrainer`);
    }
  });
  const args: [string, PyValue][] = [];
  if (types.length === 0) {
    // Only an sft term (or nothing TRL knows) is left: TRL's "sft" loss is the same NLL.
    if (sftWeight !== null)
      return [
        ['loss_type', ['sft']],
        ['loss_weights', [sftWeight]],
      ];
    unmapped.push('no loss term has a DPOTrainer equivalent; the script falls back to "sigmoid"');
    types.push('sigmoid');
    weights.push(1);
  }
  args.push(['loss_type', types], ['loss_weights', weights]);
  // The sft term is TRL's RPO term: rpo_alpha × token-mean NLL of the chosen completions.
  if (sftWeight !== null) args.push(['rpo_alpha', sftWeight]);
  return args;
}

function referenceArguments(s: DpoSettings, lora: LoraConfig | undefined, unmapped: string[]): [string, PyValue][] {
  if (s.stage === 'dpo' && s.reference === 'none') return [['reference_free', true]];
  const args: [string, PyValue][] = [['precompute_ref_log_probs', usesReferenceCache(s) && needsReference(s)]];
  if (s.stage === 'dpo' && s.referenceSyncSteps > 0) {
    if (lora) {
      unmapped.push(
        `TR-DPO reference sync (every ${s.referenceSyncSteps} steps, α = ${s.referenceSyncAlpha}): TRL does not support it with PEFT`,
      );
    } else {
      args.push(['sync_ref_model', true], ['ref_model_sync_steps', s.referenceSyncSteps], ['ref_model_mixup_alpha', s.referenceSyncAlpha]);
    }
  }
  return args;
}

function optimizerArguments(s: DpoSettings, unmapped: string[]): [string, PyValue][] {
  if (s.optimizer === 'adam' && s.weightDecay > 0) {
    unmapped.push(
      `optimizer "adam" adds weight decay to the gradient (L2); transformers has no such Adam, so the script uses AdamW (decoupled decay)`,
    );
  }
  if (s.weightDecay > 0)
    unmapped.push("weight decay: transformers' Trainer skips biases and LayerNorm weights; the browser run decays every weight");
  const optim = s.optimizer === 'rmsprop' ? 'rmsprop' : 'adamw_torch';
  return [
    ['optim', optim],
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

/** DPOConfig's arguments for a run's settings, and what could not be mapped. */
export function dpoConfigArguments(s: DpoSettings, lora?: LoraConfig): DpoConfigMapping {
  const unmapped: string[] = [];
  const args: [string, PyValue][] = [
    ['output_dir', 'dpo-output'],
    ['beta', s.beta],
    ...lossArguments(s, unmapped),
    ['label_smoothing', s.labelSmoothing],
    ...referenceArguments(s, lora, unmapped),
    ['learning_rate', s.learningRate],
    // transformers' "constant" ignores warm-up; ours warms up first, as "constant_with_warmup".
    ['lr_scheduler_type', s.scheduler === 'constant' && s.warmupSteps > 0 ? 'constant_with_warmup' : SCHEDULER[s.scheduler]],
    ['warmup_steps', s.warmupSteps],
    ['max_steps', s.steps],
    ['per_device_train_batch_size', s.batchSize],
    ['gradient_accumulation_steps', s.gradientAccumulationSteps],
    ['max_length', s.maxLength],
    ['max_prompt_length', s.maxPromptLength],
    ...optimizerArguments(s, unmapped),
    ['seed', s.seed],
    ...evalArguments(s),
    // The browser run is float32; TRL turns bf16 on by default.
    ['bf16', false],
    ['logging_steps', 1],
    ['report_to', 'none'],
  ];
  unmapped.push(
    'the data order and the train/eval split: the same seed gives a different shuffle in datasets than in DPO Studio',
    `skipNonFinite (${s.skipNonFinite}) and checkpointEvery (${s.checkpointEvery}): the Trainer has neither; it saves every save_steps`,
    `sampling during training (sampleEvery ${s.sampleEvery}, temperature ${s.temperature}, top-k ${s.topK}, top-p ${s.topP}, ${s.maxNewTokens} new tokens)`,
  );
  return { args, unmapped };
}

function loraBlock(lora: LoraConfig, conv1d: boolean): string {
  return [
    '    peft_config = LoraConfig(',
    `        r=${pythonValue(lora.rank)},`,
    `        lora_alpha=${pythonValue(lora.alpha)},`,
    `        lora_dropout=${pythonValue(lora.dropout)},`,
    `        target_modules=${pythonValue(lora.targets)},`,
    ...(conv1d ? ['        fan_in_fan_out=True,  # GPT-2 stores its projections as Conv1D [in, out]'] : []),
    '        task_type="CAUSAL_LM",',
    '    )',
  ].join('\n');
}

const CHAT_TEMPLATE_FILE = 'chat_template.jinja';

/** The text of train_dpo.py. */
export function trlScript(input: Omit<TrlExportInput, 'pairs'>): string {
  const { settings: s, lora } = input;
  const { args, unmapped } = dpoConfigArguments(s, lora);
  const evalSplit = s.evalFraction > 0;
  const lines = [
    '# Continue a DPO Studio run with Hugging Face TRL: the same pairs, model and settings.',
    `# Written for ${TRL_VERSION} (see requirements.txt); other releases rename or drop options.`,
    '#',
    '#   python train_dpo.py                                 # one GPU (or the CPU)',
    '#   accelerate launch --num_processes 8 train_dpo.py    # 8 GPUs: the batch per step is 8x larger',
    '#',
    '# What the browser run did that this script does not reproduce:',
    ...unmapped.map((line) => `#   - ${line}`),
    'from pathlib import Path',
    '',
    'from datasets import load_dataset',
    ...(lora ? ['from peft import LoraConfig'] : []),
    'from transformers import AutoModelForCausalLM, AutoTokenizer',
    'from trl import DPOConfig, DPOTrainer',
    '',
    'HERE = Path(__file__).resolve().parent',
    `MODEL = ${pythonString(input.modelRef)}`,
    `DATASET_NAME = ${pythonString(input.datasetName)}`,
    '',
    '',
    'def main():',
    '    # A folder next to this script wins over a Hub id of the same name.',
    '    model_ref = str(HERE / MODEL) if (HERE / MODEL).is_dir() else MODEL',
    '    dataset = load_dataset("json", data_files=str(HERE / "data" / "train.jsonl"), split="train")',
    ...(evalSplit ? [`    split = dataset.train_test_split(test_size=${pythonValue(s.evalFraction)}, seed=${pythonValue(s.seed)})`] : []),
    '    tokenizer = AutoTokenizer.from_pretrained(model_ref)',
    ...(input.chatTemplate !== undefined
      ? ['    # The template the browser run rendered conversations with, so TRL renders them the same way.', `    tokenizer.chat_template = (HERE / "${CHAT_TEMPLATE_FILE}").read_text(encoding="utf-8")`]
      : []),
    '    if tokenizer.pad_token is None:',
    "        tokenizer.pad_token = tokenizer.eos_token  # GPT-2's own tokenizer has no pad token",
    '    model = AutoModelForCausalLM.from_pretrained(model_ref)',
    '    args = DPOConfig(',
    ...args.map(([name, value]) => `        ${name}=${pythonValue(value)},`),
    '    )',
    ...(lora ? [loraBlock(lora, input.conv1d ?? true)] : []),
    '    print(f"DPO on {DATASET_NAME} from {model_ref}")',
    '    trainer = DPOTrainer(',
    '        model=model,',
    '        args=args,',
    `        train_dataset=${evalSplit ? 'split["train"]' : 'dataset'},`,
    ...(evalSplit ? ['        eval_dataset=split["test"],'] : []),
    '        processing_class=tokenizer,',
    ...(lora ? ['        peft_config=peft_config,'] : []),
    '    )',
    '    trainer.train()',
    '    trainer.save_model(args.output_dir)',
    '',
    '',
    'if __name__ == "__main__":',
    '    main()',
    '',
  ];
  return lines.join('\n');
}

/** TRL's standard preference format, one {"prompt", "chosen", "rejected"} object per line. */
/** TRL's standard preference rows; conversational rows stay conversational, so TRL applies the model's chat template. */
export function preferenceJsonl(pairs: readonly PreferencePair[]): string {
  return pairs.map(({ prompt, chosen, rejected, conversation }) => JSON.stringify(conversation ?? { prompt, chosen, rejected }) + '\n').join('');
}

function trlReadme(input: TrlExportInput): string {
  const local = input.modelRef.startsWith('./') || input.modelRef.startsWith('../');
  return [
    '# Continue in TRL',
    '',
    `DPO on ${input.pairs.length} preference pairs (${input.datasetName.replace(/\s+/g, ' ')}) with the settings of the DPO Studio run,`,
    `for [TRL](https://github.com/huggingface/trl) (${TRL_VERSION}).`,
    '',
    '```sh',
    'pip install -r requirements.txt',
    'python train_dpo.py                                # one GPU',
    'accelerate launch --num_processes 8 train_dpo.py   # several GPUs (here 8)',
    '```',
    '',
    `The model: ${local ? `the folder \`${input.modelRef}\` next to the script` : `\`${input.modelRef}\` from the Hugging Face Hub`}` +
      ' (edit `MODEL` in train_dpo.py to start from another model).',
    'The data: `data/train.jsonl`, TRL\'s standard `{"prompt", "chosen", "rejected"}` format.',
    '',
    'Each process takes `per_device_train_batch_size` pairs per micro-batch, so with N GPUs a step sees N times',
    'as many pairs as the browser run did; divide `gradient_accumulation_steps` by N (or the batch size) to keep it.',
    'The header of train_dpo.py lists the settings that TRL cannot reproduce. The result is saved to `dpo-output/`.',
    '',
  ].join('\n');
}

const encode = (text: string) => new TextEncoder().encode(text);

/** The "Continue in TRL" folder: data, script, pinned requirements and a README. */
export function trlExportFiles(input: TrlExportInput): Map<string, Uint8Array> {
  const files = new Map([
    ['data/train.jsonl', encode(preferenceJsonl(input.pairs))],
    ['train_dpo.py', encode(trlScript(input))],
    ['requirements.txt', encode(TRL_REQUIREMENTS.join('\n') + '\n')],
    ['README.md', encode(trlReadme(input))],
  ]);
  if (input.chatTemplate !== undefined) files.set(CHAT_TEMPLATE_FILE, encode(input.chatTemplate));
  return files;
}
