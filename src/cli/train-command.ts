import { baseModelReference } from '../core/export/base-model';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { isPresetName, PRESETS, presetConfig } from '../core/model/config';
import { asGptConfig, initModelWeights, type ModelConfig } from '../core/model/causal-lm';
import type { HostWeights } from '../core/model/gpt-weights';
import { loraForModel } from '../core/model/lora';
import { SeededRandom } from '../core/random';
import { BYTE_VOCAB_SIZE } from '../core/tokenizer/byte-tokenizer';
import { BYTE_TOKENIZER, type TextTokenizer } from '../core/tokenizer/tokenizer';
import { readHfModelFolder } from './read-model-folder';
import { hfModelFolderFiles } from '../core/export/hf-folder';
import { peftAdapterFiles } from '../core/export/peft-adapter';
import { modelCard } from '../core/export/model-card';
import { metricsJsonl } from '../core/io/run-bundle';
import type { PreferencePair } from '../core/data/preference-pairs';
import type { UnpairedExample } from '../core/data/unpaired';
import { readDatasetFile } from './read-dataset-file';
import { Trainer, type IndexedBatch } from '../core/train/trainer';
import { splitDataset, type DataSplit } from '../core/train/data-split';
import { metricRow, METRIC_COUNT } from '../core/train/metric-names';
import { type DpoSettings } from '../core/train/settings';
import { validateSettings } from '../core/train/validate-settings';
import type { SampleRow } from '../core/train/samples';
import { runTraining } from '../core/train/training-run';
import { divergenceMessage, type Divergence } from '../core/train/divergence';
import { buildRunBundle, runJson, type RunInfo } from '../core/io/run-bundle';
import { PARSE_OPTIONS, settingsFromFlags, sftStepsFrom, TRAIN_HELP, UsageError, type FlagValues } from './train-options';

import { APP_VERSION } from '../core/version';

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** A file's pairs and unpaired rows; a KTO stage trains on both, SFT and DPO need pairs. */
async function readRows(path: string, flag: string, io: Io, stage: DpoSettings['stage']): Promise<{ pairs: PreferencePair[]; unpaired: UnpairedExample[] }> {
  const read = await readDatasetFile(path, flag);
  for (const p of read.invalid.slice(0, 10)) io.stderr(`${path}: skipped row ${p.row} (${p.field}): ${p.message}\n`);
  if (stage === 'kto' && read.pairs.length + read.unpaired.length === 0) throw new UsageError(`${path}: no usable pairs or unpaired rows`);
  if (stage !== 'kto' && read.pairs.length === 0)
    throw new UsageError(`${path}: no usable preference pairs${read.unpaired.length > 0 ? ` (it holds ${read.unpaired.length} unpaired rows: train them with --stage kto)` : ''}`);
  return { pairs: read.pairs, unpaired: read.unpaired };
}

/** One JSON line per pair a step trained on: what the model saw and the log-probs at the time. */
async function dumpBatches(path: string, step: number, trainer: Trainer, batches: IndexedBatch[]): Promise<void> {
  const lines: string[] = [];
  for (const b of batches) {
    const { policy, reference } = await trainer.inspectBatch(b);
    const pairs = b.indices.length;
    const row = (r: number) => {
      const { length, inputIds, completionMask, rowLengths } = b.batch;
      // The row's own length, not "up to the last non-pad id": GPT-2's pad is its EOS, which
      // ends every completion and is trained on.
      const ids = Array.from(inputIds.subarray(r * length, r * length + rowLengths[r]));
      // Token-level mask: token t is trained on when position t − 1 predicts it.
      const mask = ids.map((_, t) => (t > 0 ? completionMask[r * length + t - 1] : 0));
      return { input_ids: ids, completion_mask: mask, logp: policy[r], ref_logp: reference[r] };
    };
    b.indices.forEach((pair, i) => lines.push(JSON.stringify({ step, pair, chosen: row(i), rejected: row(pairs + i) })));
  }
  appendFileSync(path, lines.join('\n') + '\n');
}

interface StageResult {
  weights: HostWeights;
  /** LoRA runs: the adapters alone (PEFT export). */
  adapters: HostWeights | null;
  history: { steps: number[]; values: number[]; stages: string[] };
  evalRows: Record<string, number>[];
  sampleRows: (SampleRow & { stage: string; step: number })[];
  droppedRows: number;
  diverged: Divergence | null;
}

/** CLI progress lines and metrics.jsonl rows come from one read-back every this many steps. */
const CLI_FLUSH = { everySteps: 10 };

async function runStage(
  config: ModelConfig,
  initial: HostWeights,
  settings: DpoSettings,
  split: DataSplit,
  io: Io,
  tokenizer: TextTokenizer,
  dumpPath?: string,
): Promise<StageResult> {
  const trainer = new Trainer(config, initial, settings, { tokenizer });
  const history = { steps: [] as number[], values: [] as number[], stages: [] as string[] };
  const evalRows: Record<string, number>[] = [];
  const sampleRows: StageResult['sampleRows'] = [];
  const started = Date.now();
  const stage = settings.stage;
  try {
    trainer.setData(split);
    const outcome = await runTraining(
      trainer,
      {
        metrics: ({ steps, values }) => {
          history.steps.push(...steps);
          history.stages.push(...steps.map(() => stage));
          for (const v of values) history.values.push(v);
          const last = metricRow(values, values.length - METRIC_COUNT);
          const rate = trainer.step / Math.max((Date.now() - started) / 1000, 1e-3);
          io.stderr(
            stage === 'kto'
              ? `kto step ${steps.at(-1)}/${settings.steps}  loss ${last.loss.toFixed(4)}  kl ${last.kl.toFixed(4)}  margin ${last['rewards/margins'].toFixed(4)}  ${rate.toFixed(2)} steps/s\n`
              : `${stage} step ${steps.at(-1)}/${settings.steps}  loss ${last.loss.toFixed(4)}  margin ${last['rewards/margins'].toFixed(4)}  acc ${last['rewards/accuracies'].toFixed(2)}  ${rate.toFixed(2)} steps/s\n`,
          );
        },
        skipped: (steps) => {
          for (const step of steps) io.stderr(`${stage} step ${step}: non-finite loss or gradient, skipped (no update)\n`);
        },
        evaluation: (step, metrics) => {
          if (!metrics) return;
          evalRows.push({ step, ...Object.fromEntries(Object.entries(metrics).map(([name, value]) => [`eval_${name}`, value])) });
          io.stderr(`${stage} eval at step ${step}: eval_loss ${metrics.loss.toFixed(4)}\n`);
        },
        samples: (step, rows) => {
          for (const row of rows) sampleRows.push({ stage, step, ...row });
        },
        beforeStep: dumpPath ? (step, batches) => dumpBatches(dumpPath, step, trainer, batches) : undefined,
      },
      { flush: CLI_FLUSH },
    );
    return {
      weights: await trainer.hostWeights(),
      adapters: await trainer.adapterWeights(),
      history,
      evalRows,
      sampleRows,
      droppedRows: trainer.droppedRows,
      diverged: outcome.diverged,
    };
  } finally {
    trainer.dispose();
  }
}

/**
 * A Hugging Face model's outputs: the merged model folder (its own config and tokenizer
 * files kept), a model card, the metrics, and with LoRA the PEFT adapter in adapter/.
 */
function hfRunFiles(
  hf: NonNullable<ReturnType<typeof readHfModelFolder>>,
  result: StageResult,
  settings: DpoSettings,
  history: Parameters<typeof metricsJsonl>[0],
  run: object,
  datasetName: string,
  pairCount: number,
): Record<string, Uint8Array> {
  const final = metricRow(result.history.values, result.history.values.length - METRIC_COUNT);
  // The CLI reads a folder: its config's _name_or_path, else the folder's name (readHfModelFolder's name).
  const base = baseModelReference({ kind: 'folder', folder: hf.name }, hf.configJson);
  const card = modelCard({
    baseModel: base.id,
    baseModelNote: base.note,
    datasetName,
    pairCount,
    settings,
    lora: settings.lora ?? undefined,
    finalMetrics: Object.fromEntries(Object.entries(final).filter((e): e is [string, number] => typeof e[1] === 'number')),
    steps: settings.steps,
    date: new Date().toISOString().slice(0, 10),
    appVersion: APP_VERSION,
  });
  const folder = hfModelFolderFiles({
    config: hf.config,
    baseConfigJson: hf.configJson,
    weights: result.weights,
    tokenizerFiles: hf.tokenizerFiles,
    generationConfigJson: hf.generationConfigJson,
    modelCard: card,
  });
  const files: Record<string, Uint8Array> = Object.fromEntries(folder);
  if (result.adapters && settings.lora) {
    const adapter = peftAdapterFiles({ lora: loraForModel(settings.lora, hf.config), config: hf.config, adapters: result.adapters, baseModel: base.id, modelCard: card });
    for (const [name, bytes] of adapter) files[`adapter/${name}`] = bytes;
  }
  const encode = (text: string) => new TextEncoder().encode(text);
  files['metrics.jsonl'] = encode(metricsJsonl(history));
  files['run.json'] = encode(JSON.stringify(runJson(run as RunInfo), null, 2) + '\n');
  return files;
}

export async function trainCommand(argv: string[], io: Io): Promise<number> {
  let values: FlagValues;
  try {
    values = parseArgs({ args: argv, options: PARSE_OPTIONS, strict: true }).values as FlagValues;
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
  const hf = typeof values.model === 'string' ? readHfModelFolder(values.model) : null;
  const settings = settingsFromFlags(values, presetName, hf?.config);
  const sftSteps = sftStepsFrom(values);
  const config = hf?.config ?? presetConfig(presetName, BYTE_VOCAB_SIZE);
  const tokenizer = hf?.tokenizer ?? BYTE_TOKENIZER;
  const { pairs, unpaired } = await readRows(values.data, 'data', io, settings.stage);
  if (sftSteps > 0 && pairs.length === 0) throw new UsageError('--sft-steps: the SFT stage trains on the chosen completions of pairs, and this file has none');
  if (settings.stage === 'kto' && typeof values['dump-batches'] === 'string') throw new UsageError('--dump-batches: is for SFT and DPO pairs, not KTO rows');
  let split: DataSplit;
  if (typeof values['eval-data'] === 'string') {
    const held = await readRows(values['eval-data'], 'eval-data', io, settings.stage);
    split = { train: pairs, eval: held.pairs, unpairedTrain: unpaired, unpairedEval: held.unpaired };
  } else split = splitDataset(pairs, settings.evalFraction, settings.seed, unpaired);
  const rows = (which: 'train' | 'eval') =>
    settings.stage === 'kto' ? (which === 'train' ? (split.unpairedTrain ?? []) : (split.unpairedEval ?? [])).length + 2 * split[which].length : split[which].length;
  validateSettings(settings, config, rows('train'));
  const dumpPath = typeof values['dump-batches'] === 'string' ? values['dump-batches'] : undefined;
  if (dumpPath) writeFileSync(dumpPath, '');

  let weights = hf?.weights ?? initModelWeights(config, new SeededRandom(settings.seed));
  const stages: StageResult[] = [];
  if (sftSteps > 0) {
    const sft = await runStage(config, weights, { ...settings, stage: 'sft', steps: sftSteps }, split, io, tokenizer);
    stages.push(sft);
    weights = sft.weights; // the SFT model is the DPO stage's starting point and reference
  }
  // A diverged SFT stage ends the run there; otherwise DPO follows.
  const dpo = stages[0]?.diverged ? stages[0] : await runStage(config, weights, settings, split, io, tokenizer, dumpPath);
  if (dpo !== stages[0]) stages.push(dpo);
  const diverged = stages.find((s) => s.diverged)?.diverged ?? null;

  const history = { steps: stages.flatMap((s) => s.history.steps), values: stages.flatMap((s) => s.history.values), stages: stages.flatMap((s) => s.history.stages) };
  const runInfo = {
    app: 'DPO Studio CLI',
    version: APP_VERSION,
    preset: hf ? hf.name : presetName,
    backend: tf.getBackend(),
    step: diverged ? diverged.step : settings.steps,
    settings: { ...settings, sftSteps },
    status: diverged ? 'diverged' : 'completed',
    ...(diverged ? { diverged: { step: diverged.step, metric: diverged.metric } } : {}),
    dataset: { name: values.data, pairs: pairs.length, ...(unpaired.length > 0 ? { unpaired: unpaired.length } : {}) },
    createdAt: new Date().toISOString(),
  };
  const metricHistory = sftSteps > 0 ? history : { steps: history.steps, values: history.values };
  const files = hf
    ? hfRunFiles(hf, dpo, settings, metricHistory, runInfo, values.data, pairs.length)
    : buildRunBundle(asGptConfig(config, 'a run bundle'), dpo.weights, metricHistory, runInfo);
  mkdirSync(values.out, { recursive: true });
  if (hf && dpo.adapters) mkdirSync(join(values.out, 'adapter'), { recursive: true });
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(values.out, name), bytes);
  const evalRows = stages.flatMap((s) => s.evalRows);
  if (evalRows.length > 0) writeFileSync(join(values.out, 'eval_metrics.jsonl'), evalRows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const sampleRows = stages.flatMap((s) => s.sampleRows);
  if (sampleRows.length > 0) writeFileSync(join(values.out, 'samples.jsonl'), sampleRows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const final = metricRow(dpo.history.values, dpo.history.values.length - METRIC_COUNT);
  io.stdout(
    JSON.stringify({
      out: values.out,
      step: settings.steps,
      sftSteps,
      trainPairs: split.train.length,
      evalPairs: split.eval.length,
      ...(settings.stage === 'kto' ? { trainRows: rows('train'), evalRows: rows('eval') } : {}),
      droppedRows: dpo.droppedRows,
      final,
      eval: dpo.evalRows.at(-1) ?? null,
      files: [...Object.keys(files), ...(evalRows.length > 0 ? ['eval_metrics.jsonl'] : []), ...(sampleRows.length > 0 ? ['samples.jsonl'] : [])],
      status: diverged ? 'diverged' : 'completed',
    }) + '\n',
  );
  if (!diverged) return 0;
  io.stderr(`error: ${divergenceMessage(diverged, settings.learningRate, settings.beta)}\n`);
  return 3;
}
