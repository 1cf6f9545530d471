/**
 * "Continue in TRL": a folder that reruns the browser run's data and settings with Hugging
 * Face TRL on real GPUs — DPOTrainer (train_dpo.py) for the sft and dpo stages, KTOTrainer
 * (train_kto.py) for kto. The options come from trl-config.ts; settings without an
 * equivalent are listed in the script's header instead of being guessed at. User text
 * reaches the script only through `pythonString`, so no name can break or inject code.
 */
import type { PreferencePair } from '../data/preference-pairs';
import type { LoraConfig } from '../model/lora';
import type { DpoSettings } from '../train/settings';
import { pythonString, pythonValue } from './python-literal';
import { TRL_REQUIREMENTS, TRL_VERSION, trlConfigArguments } from './trl-config';
import { preferenceJsonl, unpairedJsonl, unpairPairs, type UnpairedRow } from './trl-data';

export { TRL_REQUIREMENTS, TRL_VERSION, trlConfigArguments } from './trl-config';

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
  /** A KTO run's rows; without them a kto export unpairs `pairs` (chosen: true, rejected: false). */
  unpaired?: UnpairedRow[];
  datasetName: string;
}

/** The script's file name: train_kto.py for a KTO run, train_dpo.py otherwise. */
export function trlScriptName(settings: DpoSettings): string {
  return settings.stage === 'kto' ? 'train_kto.py' : 'train_dpo.py';
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

/** The text of train_dpo.py or train_kto.py. */
export function trlScript(input: Omit<TrlExportInput, 'pairs' | 'unpaired'>): string {
  const { settings: s, lora } = input;
  const { config, args, unmapped } = trlConfigArguments(s, lora);
  const kto = config === 'KTOConfig';
  const trainer = kto ? 'KTOTrainer' : 'DPOTrainer';
  const file = trlScriptName(s);
  const evalSplit = s.evalFraction > 0;
  const lines = [
    `# Continue a DPO Studio run with Hugging Face TRL's ${trainer}: the same ${kto ? 'rows' : 'pairs'}, model and settings.`,
    `# Written for ${TRL_VERSION} (see requirements.txt); other releases rename or drop options.`,
    '#',
    `#   python ${file}                                 # one GPU (or the CPU)`,
    `#   accelerate launch --num_processes 8 ${file}    # 8 GPUs: the batch per step is 8x larger`,
    '#',
    '# What the browser run did that this script does not reproduce:',
    ...unmapped.map((line) => `#   - ${line}`),
    'from pathlib import Path',
    '',
    'from datasets import load_dataset',
    ...(lora ? ['from peft import LoraConfig'] : []),
    'from transformers import AutoModelForCausalLM, AutoTokenizer',
    `from trl import ${config}, ${trainer}`,
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
    `    args = ${config}(`,
    ...args.map(([name, value]) => `        ${name}=${pythonValue(value)},`),
    '    )',
    ...(lora ? [loraBlock(lora, input.conv1d ?? true)] : []),
    `    print(f"${kto ? 'KTO' : 'DPO'} on {DATASET_NAME} from {model_ref}")`,
    `    trainer = ${trainer}(`,
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

function trlReadme(input: TrlExportInput, rowCount: number): string {
  const kto = input.settings.stage === 'kto';
  const file = trlScriptName(input.settings);
  const local = input.modelRef.startsWith('./') || input.modelRef.startsWith('../');
  const unit = kto ? 'rows' : 'pairs';
  return [
    '# Continue in TRL',
    '',
    `${kto ? 'KTO' : 'DPO'} on ${rowCount} ${kto ? 'unpaired rows' : 'preference pairs'} (${input.datasetName.replace(/\s+/g, ' ')}) with the settings of the DPO Studio run,`,
    `for [TRL](https://github.com/huggingface/trl)'s ${kto ? 'KTOTrainer' : 'DPOTrainer'} (${TRL_VERSION}, Python 3.10 or later).`,
    '',
    '```sh',
    'pip install -r requirements.txt',
    `python ${file}                                # one GPU`,
    `accelerate launch --num_processes 8 ${file}   # several GPUs (here 8)`,
    '```',
    '',
    `The model: ${local ? `the folder \`${input.modelRef}\` next to the script` : `\`${input.modelRef}\` from the Hugging Face Hub`}` +
      ` (edit \`MODEL\` in ${file} to start from another model).`,
    kto
      ? 'The data: `data/train.jsonl`, TRL\'s unpaired `{"prompt", "completion", "label"}` format (label true: desirable).'
      : 'The data: `data/train.jsonl`, TRL\'s standard `{"prompt", "chosen", "rejected"}` format.',
    '',
    `Each process takes \`per_device_train_batch_size\` ${unit} per micro-batch, so with N GPUs a step sees N times`,
    `as many ${unit} as the browser run did; divide \`gradient_accumulation_steps\` by N (or the batch size) to keep it.`,
    `The header of ${file} lists the settings that TRL cannot reproduce. The result is saved to \`${kto ? 'kto' : 'dpo'}-output/\`.`,
    '',
  ].join('\n');
}

const encode = (text: string) => new TextEncoder().encode(text);

/** The "Continue in TRL" folder: data, script, pinned requirements and a README. */
export function trlExportFiles(input: TrlExportInput): Map<string, Uint8Array> {
  const kto = input.settings.stage === 'kto';
  const rows = kto ? (input.unpaired ?? unpairPairs(input.pairs)) : null;
  const files = new Map([
    ['data/train.jsonl', encode(rows ? unpairedJsonl(rows) : preferenceJsonl(input.pairs))],
    [trlScriptName(input.settings), encode(trlScript(input))],
    ['requirements.txt', encode(TRL_REQUIREMENTS.join('\n') + '\n')],
    ['README.md', encode(trlReadme(input, rows ? rows.length : input.pairs.length))],
  ]);
  if (input.chatTemplate !== undefined) files.set(CHAT_TEMPLATE_FILE, encode(input.chatTemplate));
  return files;
}
