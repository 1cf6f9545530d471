/**
 * The worker protocol: one table of requests (name → params → result) and a discriminated
 * union of events. Shared by worker/ and client/; types and constants only (the version,
 * the backends; which fields transfer is in transferables.ts), no code that runs.
 */
import type { DpoSettings, Stage } from '../core/train/settings';
import type { UnpairedExample } from '../core/data/unpaired';
import type { PresetName } from '../core/model/config';
import type { ModelConfig } from '../core/model/causal-lm';
import type { PreferencePair } from '../core/data/preference-pairs';
import type { SamplingOptions } from '../core/model/sampling';
import type { DatasetStats } from '../core/data/dataset-stats';
import type { ColumnMapping } from '../core/data/normalize-row';
import type { DatasetProblem } from '../core/data/read-dataset';
import type { FrontierPoint, SentimentResult, SentimentRun } from '../core/sentiment/experiment';
import type { SentimentSettings } from '../core/sentiment/sentiment-settings';
import type { ScoredSample } from '../core/sentiment/scoring';
import type { Divergence } from '../core/train/divergence';
import type { BenchOptions, BenchRun } from '../core/bench/step-bench';
import type { MemoryEstimate } from '../core/model/memory-estimate';
import type { FamilyName } from '../core/model/causal-lm';
import type { FloatDtype } from '../core/io/safetensors';

export const PROTOCOL_VERSION = 1;

/** Every backend, best first: the order the worker tries them in and the page offers them. */
export const BACKEND_NAMES = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

/** A Hub download's progress, file by file. */
export interface HubProgress {
  file: string;
  fileLoaded: number;
  fileTotal: number | null;
  /** Bytes of all files so far, this one included. */
  loaded: number;
  /** Sizes of the files so far, this one included; null while this one's size is unknown. Grows as files start. */
  total: number | null;
  fromCache: boolean;
}


export interface BackendInfo {
  backend: BackendName;
  /** e.g. "google swiftshader" for WebGPU; empty when the backend has no adapter. */
  adapter: string;
  /** Why each better backend was not used; empty when running on WebGPU. */
  fallbackReasons: string[];
}

export interface ModelInfo {
  preset: PresetName | 'custom';
  parameters: number;
  nLayer: number;
  nEmbd: number;
  nPositions: number;
  /** Where the weights came from: "initialised (seed 42)" or a file name. */
  source: string;
  /** Training steps taken by these weights, when known. */
  step: number;
  /** The tokenizer's name ("bytes", "gpt2 BPE (50,257 tokens)") and the vocabulary size. */
  tokenizer: string;
  vocabSize: number;
  /** A Hugging Face model's name (Hub id or folder); absent for the built-in model. */
  hfName?: string;
  /** The model's family: which LoRA targets and layouts apply. */
  family: FamilyName;
  /** config.json's model_type: "gpt2", "llama", "qwen2", "qwen3". */
  modelType: string;
  /** How the checkpoint stores its weights (the merged export writes the same unless asked for F32). */
  dtype: FloatDtype;
  /** The PEFT target_modules names this model accepts (its family's), in module order. */
  loraTargets: string[];
  /** The targets a LoRA run on this model starts with. */
  defaultLoraTargets: string[];
}

export interface DatasetSummary {
  /** The saved dataset's id; null for the built-in demo (saved once it is labelled). */
  id: string | null;
  name: string;
  /** e.g. "jsonl/standard", "parquet/conversational". */
  format: string;
  rows: number;
  pairs: number;
  /** Unpaired rows ({prompt, completion, label}: thumbs up/down), which a KTO stage trains on; and how many are desirable. */
  unpaired: number;
  desirable: number;
  /** Rows skipped, by row number and field (the first 100). */
  problems: DatasetProblem[];
  invalidCount: number;
  /** Rows kept but flagged (identical chosen and rejected). */
  flaggedCount: number;
  preview: PreferencePair[];
  /** Changes with every edit, so views of the rows know to refresh. */
  version: number;
  /** Set when the dataset could not be saved in the browser (it is then kept in memory only). */
  notice?: string;
}

export interface LibraryEntry {
  id: string;
  name: string;
  format: string;
  count: number;
}

export interface DatasetState {
  summary: DatasetSummary | null;
  library: LibraryEntry[];
}

export type RunStatus = 'running' | 'stopped' | 'completed' | 'diverged';

/** One training run (one stage from one starting point), as saved in the browser. */
export interface RunRecord {
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  /** "running" in storage after a reload means the run was interrupted (tab closed, crash). */
  status: RunStatus;
  step: number;
  settings: DpoSettings;
  config: ModelConfig;
  model: ModelInfo;
  backend: BackendName;
  /** The dataset it trains on: its saved id (null for the built-in demo), name and pair count. */
  dataset: { id: string | null; name: string; pairs: number };
  /** Every metric row so far (METRIC_NAMES order, row-major). */
  history: { steps: number[]; values: number[] };
  /** The last saved checkpoint, if any; resuming continues from it. */
  checkpoint: { step: number; bytes: number; savedAt: string } | null;
  diverged?: { step: number; metric: string };
}

/** A run without its curves, for lists; `final` is the last metric row. */
export type RunSummary = Omit<RunRecord, 'history'> & { final: Record<string, number> | null };

export interface RunList {
  runs: RunSummary[];
  /** Bytes used and available to this origin, when the browser says. */
  storage: { usage: number; quota: number } | null;
}

export interface RequestTable {
  init: {
    /**
     * testHoldAtStep, for end-to-end tests only (the page's ?testHold=N): every run, studio
     * or demo, waits before step N + 1 until it is stopped, so a test can stop or reload it
     * mid-run without racing it.
     */
    params: { preset: PresetName; seed: number; backend?: BackendName; testHoldAtStep?: number };
    result: { backend: BackendInfo; model: ModelInfo };
  };
  /** role "eval": a separate held-out file replacing the seeded split. The rows stay in the worker. */
  loadDataset: {
    /** A File/Blob travels as a handle (no copy) and is streamed in the worker; bytes are for tests and tools. */
    params: { name: string; file: Blob | ArrayBuffer; role: 'train' | 'eval'; mapping?: ColumnMapping; persist?: boolean };
    result: ({ kind: 'loaded' } & DatasetState) | { kind: 'needsMapping'; columns: string[]; sample: Record<string, string> };
  };
  clearEvalDataset: { params: Record<string, never>; result: { ok: true } };
  /** The dataset active before a reload, if still saved (summary null: none). */
  restoreDataset: { params: Record<string, never>; result: DatasetState };
  activateDataset: { params: { id: string }; result: DatasetState };
  deleteDataset: { params: { id: string }; result: DatasetState };
  /** A window of the active dataset's rows that match `query`. */
  queryPairs: {
    params: { query: string; offset: number; limit: number };
    result: { matches: number; rows: { index: number; pair: PreferencePair }[] };
  };
  editPair: { params: { index: number; pair: PreferencePair }; result: DatasetState };
  deletePair: { params: { index: number }; result: DatasetState };
  /** A labelled pair joins the active dataset. */
  addPair: { params: { pair: PreferencePair }; result: DatasetState };
  removeLastPair: { params: Record<string, never>; result: DatasetState };
  /** A thumbs up (label true) or down on one completion joins the active dataset as an unpaired row. */
  addUnpaired: { params: { row: UnpairedExample }; result: DatasetState };
  removeLastUnpaired: { params: Record<string, never>; result: DatasetState };
  exportDataset: { params: Record<string, never>; result: { fileName: string; jsonl: ArrayBuffer } };
  /** Every skipped (and flagged) row of the last file read, one JSON line each. */
  exportProblems: { params: Record<string, never>; result: { fileName: string; jsonl: ArrayBuffer } };
  /** Length histograms and what the given limits would cut, for the active training pairs. */
  describeDataset: { params: { maxLength: number; maxPromptLength: number }; result: DatasetStats };
  /** Two completions of one prompt by the current policy, to compare and label. */
  sampleTwo: { params: { prompt: string; options: SamplingOptions; seed: number }; result: { completions: [string, string] } };
  /** Trains until the run reaches `settings.steps`; resolves when it does or is stopped. */
  start: {
    params: { settings: DpoSettings };
    result: { step: number; stopped: boolean; diverged?: { step: number; metric: string; value: number; message: string } };
  };
  stop: { params: Record<string, never>; result: { step: number } };
  resetModel: { params: { preset: PresetName; seed: number }; result: ModelInfo };
  exportWeights: { params: { settings: DpoSettings; appVersion: string }; result: { fileName: string; zip: ArrayBuffer } };
  importWeights: { params: { name: string; bytes: ArrayBuffer }; result: ModelInfo };
  sample: { params: { prompt: string; maxNewTokens: number }; result: { completion: string } };
  listRuns: { params: Record<string, never>; result: RunList };
  /** Curves of saved runs, for overlaying them. */
  runHistory: { params: { ids: string[] }; result: { runs: { id: string; steps: number[]; values: number[] }[] } };
  /** Loads a run's last checkpoint as the current run (its dataset must be available); `start` then continues it. */
  resumeRun: {
    params: { id: string };
    result: { run: RunSummary; model: ModelInfo; /** Set when resuming switched the active dataset. */ dataset?: DatasetState };
  };
  renameRun: { params: { id: string; name: string }; result: RunList };
  deleteRun: { params: { id: string }; result: RunList };
  /** A saved run's checkpoint weights as the usual export zip. */
  exportRun: { params: { id: string; appVersion: string }; result: { fileName: string; zip: ArrayBuffer } };
  /** Times fixed DPO and SFT steps of the named cases on this worker's backend (npm run bench). */
  bench: { params: { models: string[]; options: BenchOptions }; result: { runs: BenchRun[] } };
  /** The controlled-sentiment demo's SFT model (the shipped checkpoint, fetched by the page). */
  sentimentLoad: { params: { name: string; bytes: ArrayBuffer }; result: { parameters: number; source: string } };
  /** Demo stage 1 again: SFT from scratch on the review corpus; replaces the SFT model unless stopped. */
  sentimentSft: { params: { steps: number }; result: { step: number; loss: number; stopped: boolean } };
  /** Demo stages 2-3: pairs from the SFT model, then DPO once per β. */
  sentimentRun: {
    params: { settings: SentimentSettings };
    result: { sftReward: number; pairs: SentimentResult['pairs']; runs: SentimentRun[]; stopped: boolean };
  };
  sentimentStop: { params: Record<string, never>; result: { stopping: boolean } };
  /**
   * A Hugging Face folder's files (config.json, safetensors, tokenizer.json, …) as the model to train.
   * fromFolder: `name` is the folder's own name (not a label for files picked one by one), so an
   * exported adapter may name its base by it.
   */
  loadHfModel: { params: { name: string; files: { name: string; bytes: ArrayBuffer }[]; fromFolder?: boolean }; result: ModelInfo };
  /**
   * The same files from huggingface.co (the app's only network access), cached in the browser.
   * token: a Hugging Face access token for gated or private repos, sent only as the
   * Authorization header of this download's requests to huggingface.co; the worker keeps it
   * for this call only.
   */
  downloadHubModel: { params: { repo: string; revision: string; token?: string }; result: ModelInfo };
  cancelDownload: { params: Record<string, never>; result: { cancelled: boolean } };
  /**
   * What a run with these settings needs in memory, and what to shrink when it cannot fit (null: fits).
   * config: estimate for this model instead of the loaded one (a suggested model), as a LoRA run:
   * the settings' LoRA where its targets fit the model's family, else its rank (or 8) on the
   * family's default targets; `estimate.input.lora` says which.
   */
  estimateMemory: {
    params: { settings: DpoSettings; budgetBytes: number; config?: ModelConfig };
    result: { estimate: MemoryEstimate; problem: string | null };
  };
  /** The merged model as a Hugging Face folder (config, safetensors, tokenizer, model card), zipped. */
  /** float32: write F32 weights whatever the checkpoint's dtype (BF16 in, BF16 out otherwise). */
  exportHfModel: { params: { settings: DpoSettings; float32?: boolean }; result: { fileName: string; zip: ArrayBuffer } };
  /** The LoRA adapter in PEFT's layout, zipped. */
  exportAdapter: { params: { settings: DpoSettings }; result: { fileName: string; zip: ArrayBuffer } };
  /** Dataset as TRL JSONL, the model reference and a DPOTrainer (or, for stage kto, KTOTrainer) script with these settings, zipped. */
  exportTrl: { params: { settings: DpoSettings }; result: { fileName: string; zip: ArrayBuffer } };
}

export type RequestName = keyof RequestTable;
export type Params<K extends RequestName> = RequestTable[K]['params'];
export type Result<K extends RequestName> = RequestTable[K]['result'];

export type Request = { [K in RequestName]: { v: typeof PROTOCOL_VERSION; id: number; type: K; params: Params<K> } }[RequestName];

/** Errors cross as data so the UI can branch on `code`. */
export interface WireError {
  name: string;
  message: string;
  code: ErrorCode;
  stack?: string;
  /** The setting at fault, for code "bad-setting". */
  field?: string;
}

export type ErrorCode = 'bad-setting' | 'no-dataset' | 'bad-file' | 'busy' | 'protocol' | 'internal' | 'diverged';

export type SentimentPhase = 'sft' | 'pairs' | 'dpo';

export type TrainingStatus = 'idle' | 'compiling' | 'training' | 'stopping';

export type { SampleRow } from '../core/train/samples';
import type { SampleRow } from '../core/train/samples';

export type WorkerEvent =
  | {
      type: 'metrics';
      /** Step numbers of the rows, [n]. */
      steps: Int32Array;
      /** Row-major [n × METRIC_COUNT] in METRIC_NAMES order. */
      values: Float32Array;
      stepsPerSecond: number;
      tokensPerSecond: number;
    }
  | { type: 'evalMetrics'; step: number; /** FORWARD_METRIC_NAMES order, logged with an eval_ prefix. */ values: Float32Array }
  | { type: 'samples'; step: number; rows: SampleRow[] }
  /** A Hub download's progress (files from the browser's cache report fromCache). */
  | ({ type: 'hubProgress' } & HubProgress)
  /** Bytes of a dataset file read so far. */
  | { type: 'loadProgress'; name: string; done: number; total: number }
  /** A new run (a new stage, optimizer, reference mode or seed) starts from the current weights. */
  | { type: 'runStarted'; stage: Stage }
  /** Something the user should know that is not an error (skipped steps, storage full). */
  | { type: 'notice'; message: string }
  /** WebGPU's device is gone: this worker cannot train any more; the page restarts it. */
  | { type: 'deviceLost'; message: string }
  /** The current run was saved (a checkpoint or a status change). */
  | { type: 'runSaved'; run: RunSummary }
  | { type: 'sentimentProgress'; phase: SentimentPhase; done: number; total: number; beta?: number }
  /** Metric rows (METRIC_NAMES order) of the demo's SFT stage or of one β's DPO run. */
  | { type: 'sentimentMetrics'; phase: 'sft' | 'dpo'; beta: number | null; firstStep: number; values: Float32Array }
  /** The SFT model's reward on the held-out prompts: the frontier's starting point. */
  | { type: 'sentimentSft'; reward: number; samples: ScoredSample[] }
  | { type: 'sentimentPairs'; pairs: SentimentResult['pairs'] }
  | { type: 'sentimentPoint'; beta: number; point: FrontierPoint; samples: ScoredSample[] }
  /** One β's run stopped at a non-finite loss or gradient norm: which step, which metric. */
  | { type: 'sentimentDiverged'; beta: number; diverged: Divergence }
  | {
      type: 'status';
      status: TrainingStatus;
      step: number;
      targetStep: number;
      stage: Stage;
    };

export type WorkerMessage =
  | { v: typeof PROTOCOL_VERSION; kind: 'response'; id: number; ok: true; result: unknown }
  | { v: typeof PROTOCOL_VERSION; kind: 'response'; id: number; ok: false; error: WireError }
  | { v: typeof PROTOCOL_VERSION; kind: 'event'; event: WorkerEvent };
