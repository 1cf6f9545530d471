import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { isPresetName, PRESETS, presetConfig } from '../core/model/config';
import { initGptWeights } from '../core/model/gpt-weights';
import { SeededRandom } from '../core/random';
import { BYTE_VOCAB_SIZE } from '../core/tokenizer/byte-tokenizer';
import { parsePreferenceJsonl } from '../core/data/preference-pairs';
import { DpoTrainer } from '../core/train/dpo-trainer';
import { DeviceMetricsBuffer, metricRow, METRIC_COUNT } from '../core/train/metrics';
import { DEFAULT_SETTINGS, validateSettings, type DpoSettings } from '../core/train/settings';
import { buildRunBundle } from '../core/io/run-bundle';

export const APP_VERSION = '0.1.0';

/** Flag → setting, with the one-line help `train --help` prints. */
const NUMERIC_FLAGS: [flag: string, key: keyof DpoSettings, help: string][] = [
  ['beta', 'beta', 'β: how far the policy may drift from the reference (default 0.1)'],
  ['lr', 'learningRate', 'AdamW learning rate (default 1e-3; tiny models from scratch need 1e-4..1e-3)'],
  ['batch-size', 'batchSize', 'pairs per step (default: the preset\'s)'],
  ['max-length', 'maxLength', 'prompt + completion tokens; rows are cut and padded to it (default: the preset\'s context)'],
  ['max-prompt-length', 'maxPromptLength', 'prompt tokens kept, the last ones (default: half of max length)'],
  ['steps', 'steps', 'optimizer steps; 0 exports the starting model with the step-0 metrics (default 100)'],
  ['seed', 'seed', 'seeds the weights and the data order (default 42)'],
  ['max-grad-norm', 'maxGradNorm', 'clip the global gradient norm; 0 disables (default 1)'],
];

export const TRAIN_HELP = [
  'usage: npm run -s cli -- train --data <file.jsonl> --out <dir> [options]',
  '',
  'Trains the built-in GPT-2-architecture model with DPO (sigmoid loss, frozen reference) on the',
  'cpu backend and writes the same bundle as the app\'s export: model.safetensors, config.json,',
  'tokenizer.json, tokenizer_config.json, metrics.jsonl, run.json. stdout gets one JSON summary;',
  'progress goes to stderr.',
  '',
  '  --data <file>          JSONL, one {"prompt","chosen","rejected"} object per line (required)',
  '  --out <dir>            where to write the bundle (required)',
  `  --preset <name>        model size: ${Object.keys(PRESETS).join(', ')} (default tiny)`,
  ...NUMERIC_FLAGS.map(([flag, , help]) => `  --${flag.padEnd(21)}${help}`),
].join('\n');

export class UsageError extends Error {}

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

function parseSettings(values: Record<string, string | boolean | undefined>, preset: keyof typeof PRESETS): DpoSettings {
  const { batchSize, maxLength } = PRESETS[preset];
  const settings: DpoSettings = { ...DEFAULT_SETTINGS, batchSize, maxLength, maxPromptLength: Math.floor(maxLength / 2) };
  for (const [flag, key] of NUMERIC_FLAGS) {
    const raw = values[flag];
    if (typeof raw !== 'string') continue;
    const value = Number(raw);
    if (raw.trim() === '' || Number.isNaN(value)) throw new UsageError(`--${flag}: "${raw}" is not a number`);
    settings[key] = value;
  }
  if (typeof values['max-length'] === 'string' && typeof values['max-prompt-length'] !== 'string') {
    settings.maxPromptLength = Math.floor(settings.maxLength / 2);
  }
  return settings;
}

export async function trainCommand(argv: string[], io: Io): Promise<number> {
  const options = Object.fromEntries([['data', { type: 'string' }], ['out', { type: 'string' }], ['preset', { type: 'string' }], ['help', { type: 'boolean' }], ...NUMERIC_FLAGS.map(([flag]) => [flag, { type: 'string' }])]);
  let values;
  try {
    values = parseArgs({ args: argv, options, strict: true }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) {
    io.stdout(TRAIN_HELP + '\n');
    return 0;
  }
  if (typeof values.data !== 'string') throw new UsageError('--data <file.jsonl> is required');
  if (typeof values.out !== 'string') throw new UsageError('--out <dir> is required');
  const presetName = typeof values.preset === 'string' ? values.preset : 'tiny';
  if (!isPresetName(presetName)) throw new UsageError(`--preset: "${presetName}" is not one of ${Object.keys(PRESETS).join(', ')}`);
  const settings = parseSettings(values, presetName);
  const config = presetConfig(presetName, BYTE_VOCAB_SIZE);

  let text: string;
  try {
    text = readFileSync(values.data, 'utf8');
  } catch (error) {
    throw new UsageError(`--data: cannot read ${values.data} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const parsed = parsePreferenceJsonl(text);
  for (const p of parsed.problems.slice(0, 10)) io.stderr(`skipped line ${p.line} (${p.field}): ${p.message}\n`);
  if (parsed.pairs.length === 0) throw new UsageError(`${values.data}: no usable preference pairs`);
  validateSettings(settings, config, parsed.pairs.length);

  const trainer = new DpoTrainer(config, initGptWeights(config, new SeededRandom(settings.seed)), settings);
  try {
    trainer.setDataset(parsed.pairs);
    const history = { steps: [] as number[], values: [] as number[] };
    const buffer = new DeviceMetricsBuffer();
    const started = Date.now();
    const record = async () => {
      const values = await buffer.flush();
      for (const v of values) history.values.push(v);
      const last = metricRow(values, values.length - METRIC_COUNT);
      const step = history.steps.at(-1) ?? 0;
      const rate = step / Math.max((Date.now() - started) / 1000, 1e-3);
      io.stderr(`step ${step}/${settings.steps}  loss ${last.loss.toFixed(4)}  margin ${last['rewards/margins'].toFixed(4)}  acc ${last['rewards/accuracies'].toFixed(2)}  ${rate.toFixed(2)} steps/s\n`);
    };
    if (settings.steps === 0) {
      buffer.push(trainer.runStep(trainer.nextBatch(), false));
      history.steps.push(0);
      await record();
    }
    while (trainer.step < settings.steps) {
      buffer.push(trainer.trainStep().metrics);
      history.steps.push(trainer.step);
      if (trainer.step % 10 === 0 || trainer.step === settings.steps) await record();
    }
    const files = buildRunBundle(config, await trainer.hostWeights(), history, {
      app: 'DPO Studio CLI',
      version: APP_VERSION,
      preset: presetName,
      backend: tf.getBackend(),
      step: trainer.step,
      settings: { ...settings },
      dataset: { name: values.data, pairs: parsed.pairs.length },
      createdAt: new Date().toISOString(),
    });
    mkdirSync(values.out, { recursive: true });
    for (const [name, bytes] of Object.entries(files)) writeFileSync(join(values.out, name), bytes);
    const final = metricRow(history.values, history.values.length - METRIC_COUNT);
    io.stdout(JSON.stringify({ out: values.out, step: trainer.step, pairs: parsed.pairs.length, skipped: parsed.problems.length, droppedRows: trainer.droppedRows, final, files: Object.keys(files) }) + '\n');
    return 0;
  } finally {
    trainer.dispose();
  }
}
