import { unzipSync, zipSync } from 'fflate';
import type { GptConfig } from '../model/config';
import type { HostWeights } from '../model/gpt-weights';
import { METRIC_NAMES, metricRow } from '../train/metric-names';
import { byteTokenizerConfigJson, byteTokenizerJson } from '../tokenizer/byte-tokenizer';
import { gpt2ConfigJson, readGpt2Safetensors, writeGpt2Safetensors } from './hf-gpt2';
import { isZip } from './sniff-file';
import { ktoConfigNames } from '../kto/kto-settings';

/** What `run.json` records: enough to reproduce the run. */
export interface RunInfo {
  app: string;
  version: string;
  preset: string;
  backend: string;
  step: number;
  settings: Record<string, unknown>;
  dataset: { name: string; pairs: number; unpaired?: number };
  createdAt: string;
  /** A KTO run's settings in TRL's KTOConfig names (desirable_weight, undesirable_weight, …). */
  kto_config?: Record<string, unknown>;
  /** How the run ended: completed, stopped, diverged (with where), or not started. */
  status?: string;
  diverged?: { step: number; metric: string };
}

export interface MetricsHistory {
  steps: number[];
  /** Row-major [steps × METRIC_COUNT]. */
  values: ArrayLike<number>;
  /** The stage of each row ("sft" or "dpo"), when a run had several. */
  stages?: string[];
}

const encode = (text: string) => new TextEncoder().encode(text);
const json = (value: unknown) => encode(JSON.stringify(value, null, 2) + '\n');

/** One JSON object per logged step, with TRL's metric names. */
export function metricsJsonl(history: MetricsHistory): string {
  return history.steps
    .map((step, i) =>
      JSON.stringify({
        ...(history.stages ? { stage: history.stages[i] } : {}),
        step,
        ...metricRow(history.values, i * METRIC_NAMES.length),
      }),
    )
    .join('\n')
    .concat(history.steps.length > 0 ? '\n' : '');
}

/** The files of an export: a Hugging Face model folder plus the run's metrics and settings. */
export function buildRunBundle(config: GptConfig, weights: HostWeights, history: MetricsHistory, run: RunInfo): Record<string, Uint8Array> {
  return {
    'model.safetensors': writeGpt2Safetensors(config, weights),
    'config.json': json(gpt2ConfigJson(config)),
    'tokenizer.json': json(byteTokenizerJson()),
    'tokenizer_config.json': json(byteTokenizerConfigJson(config.nPositions)),
    'metrics.jsonl': encode(metricsJsonl(history)),
    'run.json': json(runJson(run)),
  };
}

/** run.json's content: the run, plus TRL's names for a KTO run's settings. */
export function runJson(run: RunInfo): RunInfo {
  const kto = ktoConfigNames(run.settings);
  return kto ? { ...run, kto_config: kto } : run;
}

export function zipBundle(files: Record<string, Uint8Array>): Uint8Array {
  // safetensors barely compresses; storing it keeps export fast for big models.
  return zipSync(
    Object.fromEntries(Object.entries(files).map(([name, data]) => [name, [data, { level: name.endsWith('.safetensors') ? 0 : 6 }]])),
  );
}

export interface LoadedModel {
  config: GptConfig;
  weights: HostWeights;
  run?: RunInfo;
}

/** Reloads an exported zip, or a bare model.safetensors (its config travels in its metadata). */
export function loadModelFile(name: string, bytes: Uint8Array): LoadedModel {
  if (!isZip(bytes)) return readGpt2Safetensors(bytes);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (error) {
    throw new Error(`${name}: not a readable zip (${(error as Error).message})`);
  }
  const find = (file: string) => Object.entries(files).find(([path]) => path === file || path.endsWith(`/${file}`))?.[1];
  const weights = find('model.safetensors');
  if (!weights) throw new Error(`${name}: the zip holds no model.safetensors`);
  const configBytes = find('config.json');
  const parse = (label: string, data: Uint8Array) => {
    try {
      return JSON.parse(new TextDecoder().decode(data));
    } catch (error) {
      throw new Error(`${name}: ${label} is not valid JSON (${(error as Error).message})`);
    }
  };
  const loaded = readGpt2Safetensors(weights, configBytes ? parse('config.json', configBytes) : undefined);
  const runBytes = find('run.json');
  return { ...loaded, run: runBytes ? (parse('run.json', runBytes) as RunInfo) : undefined };
}
