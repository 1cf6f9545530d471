import * as tf from '@tensorflow/tfjs-core';
import { presetConfig, presetOf } from '../../core/model/config';
import type { ModelConfig } from '../../core/model/causal-lm';
import { initGptWeights, uploadWeights, type HostWeights } from '../../core/model/gpt-weights';
import { asGptConfig, countParameters, familyOf, modelTypeOf } from '../../core/model/causal-lm';
import { sampleCompletions } from '../../core/model/sampling';
import type { NamedWeights } from '../../core/model/gpt';
import { SeededRandom } from '../../core/random';
import { BYTE_VOCAB_SIZE } from '../../core/tokenizer/byte-tokenizer';
import { BYTE_TOKENIZER, type TextTokenizer } from '../../core/tokenizer/tokenizer';
import { Trainer } from '../../core/train/trainer';
import type { HfModel } from '../../core/io/hf-model';
import { splitDataset, type DataSplit } from '../../core/train/data-split';
import { SettingsError, type DpoSettings } from '../../core/train/settings';
import { validateSettings } from '../../core/train/validate-settings';
import { buildRunBundle, loadModelFile, zipBundle, type RunInfo } from '../../core/io/run-bundle';
import type { BackendInfo, DatasetState, ModelInfo, Params, Result, RunRecord, WorkerEvent } from '../../protocol/messages';
import type { TrainingData } from '../datasets/dataset-requests';
import { samplingPromptText } from '../../core/train/samples';
import { CodedError } from '../errors';
import { runTraining, type TrainingRunOutcome, type TrainingRunSinks } from '../../core/train/training-run';
import { warmUpShaders } from './shader-warmup';
import type { ExportState, HfSource } from '../models/model-source';

export type { ExportState, HfSource } from '../models/model-source';
import { divergenceMessage } from '../../core/train/divergence';
import { decodeCheckpoint } from '../../core/train/checkpoint-file';
import { METRIC_COUNT } from '../../core/train/metric-names';
import { summarize, type RunRecorder } from '../runs/run-recorder';
import type { RunStorage } from '../runs/run-storage';

/** What the page needs to know of a model's family: its type, dtype and LoRA targets. */
function familyInfo(config: ModelConfig, dtype: ModelInfo['dtype']): Pick<ModelInfo, 'family' | 'modelType' | 'dtype' | 'loraTargets' | 'defaultLoraTargets'> {
  const family = familyOf(config);
  return { family: family.name, modelType: modelTypeOf(config), dtype, loraTargets: [...family.loraTargets], defaultLoraTargets: [...family.defaultLoraTargets] };
}

/** At most ~7 metric messages a second, and never more than 32 steps unread. */
const WORKER_FLUSH = { first: true, intervalMs: 150, maxPending: 32 };

/** Settings a running Trainer cannot change: a change starts a new run from the current weights. */
const RUN_DEFINING: (keyof DpoSettings)[] = ['stage', 'optimizer', 'reference', 'seed'];

/**
 * The worker's state — model weights, dataset, the current run — mapped onto core calls.
 * Knows nothing of messages: `emit` is how it streams events out.
 */
export class TrainingSession {
  private config!: ModelConfig;
  private weights!: HostWeights;
  private model!: ModelInfo;
  private trainer: Trainer | null = null;
  private split: { key: string; value: DataSplit } | null = null;
  private history: { steps: number[]; values: number[] } = { steps: [], values: [] };
  private stages: { stage: string; steps: number }[] = [];
  private running: Promise<TrainingRunOutcome> | null = null;
  /** How the last run ended, for run.json. */
  private status: Pick<RunInfo, 'status' | 'diverged'> = { status: 'not started' };
  private stopRequested = false;
  /** How text becomes ids for this model; a Hugging Face model brings its own. */
  tokenizer: TextTokenizer = BYTE_TOKENIZER;
  /** A Hugging Face model's files that exports carry over verbatim; null for the built-in model. */
  hfSource: HfSource | null = null;
  /** The Hugging Face model's weights as loaded: a LoRA run on them checkpoints only its adapters. */
  private loadedHfWeights: HostWeights | null = null;

  constructor(
    private readonly backend: BackendInfo,
    private readonly emit: (event: WorkerEvent) => void,
    private readonly data: TrainingData,
    private readonly runs: RunRecorder,
    private readonly runStorage: RunStorage,
    /** Throws while something else (the sentiment demo) holds the device. */
    private readonly deviceBusy: () => void = () => undefined,
  ) {}

  get modelConfig(): ModelConfig {
    return this.config;
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  resetModel({ preset, seed }: Params<'resetModel'>): ModelInfo {
    this.assertIdle();
    this.endRun();
    this.config = presetConfig(preset, BYTE_VOCAB_SIZE);
    this.weights = initGptWeights(this.config, new SeededRandom(seed));
    this.useBuiltInTokenizer();
    this.stages = [];
    this.model = this.describe(preset, `initialised (seed ${seed})`, 0);
    return this.model;
  }

  /** Two sampled completions by the current policy (different draws of one seeded generator). */
  async sampleTwo({ prompt, options, seed }: Params<'sampleTwo'>): Promise<Result<'sampleTwo'>> {
    this.assertIdle();
    this.deviceBusy();
    const tok = this.tokenizer;
    return this.withPolicyWeights(async (weights) => {
      const ids = tok.encode(samplingPromptText(prompt, tok));
      const [a, b] = await sampleCompletions(weights, this.config, [ids, ids], options, new SeededRandom(seed), false, tok);
      return { completions: [tok.decode(a), tok.decode(b)] as [string, string] };
    });
  }

  /** The held-out file when there is one, else a seeded split; the same object while unchanged. */
  private dataSplit(settings: DpoSettings): DataSplit {
    const key = `${this.data.version}/${settings.evalFraction}/${settings.seed}`;
    if (this.split?.key !== key) {
      const { pairs, evalPairs } = this.data;
      const value = evalPairs ? { train: pairs, eval: evalPairs } : splitDataset(pairs, settings.evalFraction, settings.seed);
      this.split = { key, value };
    }
    return this.split.value;
  }

  /** The trainer for these settings: the current one, or a new run from the current weights. */
  private async trainerFor(settings: DpoSettings): Promise<Trainer> {
    const current = this.trainer;
    if (current && RUN_DEFINING.every((k) => current.currentSettings[k] === settings[k])) {
      current.updateSettings(settings);
      return current;
    }
    if (current) this.weights = await current.hostWeights();
    this.endRun();
    const checkpointBase = !(settings.lora && this.weights === this.loadedHfWeights);
    this.trainer = new Trainer(this.config, this.weights, settings, { tokenizer: this.tokenizer, checkpointBase });
    this.history = { steps: [], values: [] };
    this.stages.push({ stage: settings.stage, steps: 0 });
    this.emit({ type: 'runStarted', stage: settings.stage });
    await this.runs.begin({
      step: 0,
      settings,
      config: this.config,
      model: this.model,
      backend: this.backend.backend,
      dataset: { id: this.data.id, name: this.data.name, pairs: this.data.pairs.length },
      history: { steps: [], values: [] },
    });
    return this.trainer;
  }

  async start({ settings }: Params<'start'>): Promise<Result<'start'>> {
    this.assertIdle();
    this.deviceBusy();
    if (this.data.pairs.length === 0) throw new CodedError('no-dataset', 'load a dataset before training');
    validateSettings(settings, this.config);
    const trainer = await this.trainerFor(settings);
    trainer.setData(this.dataSplit(settings));
    if (trainer.step >= settings.steps)
      throw new SettingsError('steps', `steps: this run is already at step ${trainer.step}; raise Steps above it to train further`);
    this.stopRequested = false;
    const run = runTraining(trainer, this.runSinks(trainer), { flush: WORKER_FLUSH, now: () => performance.now() });
    this.running = run;
    let outcome;
    try {
      outcome = await run;
    } finally {
      this.emit({ type: 'status', status: 'idle', step: trainer.step, targetStep: settings.steps, stage: settings.stage });
      this.running = null;
      this.model = { ...this.model, step: trainer.step };
      this.stages[this.stages.length - 1].steps = trainer.step;
    }
    const d = outcome.diverged;
    this.status = d
      ? { status: 'diverged', diverged: { step: d.step, metric: d.metric } }
      : { status: this.stopRequested ? 'stopped' : 'completed' };
    await this.runs.finish(
      trainer,
      this.history,
      d ? 'diverged' : trainer.step >= settings.steps ? 'completed' : 'stopped',
      this.status.diverged,
    );
    if (!d) return { step: trainer.step, stopped: this.stopRequested };
    return { step: trainer.step, stopped: true, diverged: { ...d, message: divergenceMessage(d, settings.learningRate, settings.beta) } };
  }

  /** The run's sinks: its progress as events, its rows into the history, checkpoints into storage. */
  private runSinks(trainer: Trainer): TrainingRunSinks {
    const { steps: targetStep, stage } = trainer.currentSettings;
    return {
      phase: (status, progress) => this.emit({ type: 'status', status, step: trainer.step, targetStep, stage, progress }),
      metrics: ({ steps, values, seconds, tokens }) => {
        this.history.steps.push(...steps);
        for (const v of values) this.history.values.push(v);
        this.emit({ type: 'metrics', steps: Int32Array.from(steps), values, stepsPerSecond: steps.length / seconds, tokensPerSecond: tokens / seconds });
      },
      skipped: (steps) =>
        this.emit({
          type: 'notice',
          message: `skipped ${steps.length} step${steps.length > 1 ? 's' : ''} with a non-finite loss or gradient (step ${steps.join(', ')}); the weights were left as they were`,
        }),
      evaluation: (step, _metrics, values) => {
        if (values) this.emit({ type: 'evalMetrics', step, values });
      },
      samples: (step, rows) => this.emit({ type: 'samples', step, rows }),
      checkpoint: () => this.runs.progress(trainer, this.history),
      warmUp: async () => void (await warmUpShaders(() => trainer.rehearseStep())),
      shouldStop: () => this.stopRequested,
    };
  }

  async stop(): Promise<Result<'stop'>> {
    this.stopRequested = true;
    if (this.running) await this.running.catch(() => undefined);
    return { step: this.trainer?.step ?? this.model.step };
  }

  async exportWeights({ settings, appVersion }: Params<'exportWeights'>): Promise<Result<'exportWeights'>> {
    this.assertIdle();
    const weights = this.trainer ? await this.trainer.hostWeights() : this.weights;
    const step = this.trainer?.step ?? this.model.step;
    const files = buildRunBundle(asGptConfig(this.config, 'a run bundle'), weights, this.history, {
      app: 'DPO Studio',
      version: appVersion,
      preset: this.model.preset,
      backend: this.backend.backend,
      step,
      settings: { ...settings, stages: this.stages },
      ...this.status,
      dataset: { name: this.data.name, pairs: this.data.pairs.length },
      createdAt: new Date().toISOString(),
    });
    const zip = zipBundle(files);
    return { fileName: `dpo-studio-${this.model.preset}-step${step}.zip`, zip: zip.buffer as ArrayBuffer };
  }

  importWeights({ name, bytes }: Params<'importWeights'>): ModelInfo {
    this.assertIdle();
    let loaded;
    try {
      loaded = loadModelFile(name, new Uint8Array(bytes));
    } catch (error) {
      throw new CodedError('bad-file', `${name}: ${(error as Error).message}; the current model is kept`);
    }
    this.endRun();
    this.config = loaded.config;
    this.weights = loaded.weights;
    this.useBuiltInTokenizer();
    this.stages = [];
    const preset = presetOf(loaded.config, BYTE_VOCAB_SIZE) ?? 'custom';
    this.model = this.describe(preset, name, loaded.run?.step ?? 0);
    return this.model;
  }

  async sample({ prompt, maxNewTokens }: Params<'sample'>): Promise<Result<'sample'>> {
    this.assertIdle();
    this.deviceBusy();
    const tok = this.tokenizer;
    return this.withPolicyWeights(async (weights) => {
      const greedy = { maxNewTokens, temperature: 0, topK: 0, topP: 1 };
      const [ids] = await sampleCompletions(weights, this.config, [tok.encode(samplingPromptText(prompt, tok))], greedy, new SeededRandom(0), false, tok);
      return { completion: tok.decode(ids) };
    });
  }

  /** Runs `use` with the current policy: the run's variables, or the host weights uploaded for the call. */
  private async withPolicyWeights<T>(use: (weights: NamedWeights) => Promise<T>): Promise<T> {
    if (this.trainer) return this.trainer.withSamplingWeights('policy', use);
    const weights = uploadWeights(this.weights);
    try {
      return await use(weights);
    } finally {
      tf.dispose(Object.values(weights));
    }
  }

  private describe(preset: ModelInfo['preset'], source: string, step: number): ModelInfo {
    const c = this.config;
    return {
      preset,
      parameters: countParameters(c),
      nLayer: c.nLayer,
      nEmbd: c.nEmbd,
      nPositions: c.nPositions,
      source,
      step,
      tokenizer: this.tokenizer.name,
      vocabSize: c.vocabSize,
      ...(this.hfSource ? { hfName: this.hfSource.name } : {}),
      ...familyInfo(c, this.hfSource?.dtype ?? 'F32'),
    };
  }

  private useBuiltInTokenizer(): void {
    this.tokenizer = BYTE_TOKENIZER;
    this.hfSource = null;
    this.loadedHfWeights = null;
  }

  /** A Hugging Face model (files dropped or downloaded) becomes the current model. */
  useHfModel(model: HfModel): ModelInfo {
    this.assertIdle();
    this.endRun();
    this.config = model.config;
    this.weights = model.weights;
    this.loadedHfWeights = model.weights;
    this.tokenizer = model.tokenizer;
    this.hfSource = {
      name: model.name,
      dtype: model.dtype,
      chatTemplate: model.tokenizer.chatTemplateSource,
      configJson: model.configJson,
      tokenizerFiles: model.tokenizerFiles,
      generationConfigJson: model.generationConfigJson,
    };
    this.stages = [];
    this.model = this.describe('custom', model.name, 0);
    return this.model;
  }

  /** What exports need: the config, the current (merged) weights, LoRA adapters, the run's story. */
  async exportState(): Promise<ExportState> {
    this.assertIdle();
    const trainer = this.trainer;
    return {
      config: this.config,
      weights: trainer ? await trainer.hostWeights() : this.weights,
      adapters: trainer ? await trainer.adapterWeights() : null,
      lora: trainer?.currentSettings.lora ?? null,
      step: trainer?.step ?? this.model.step,
      model: this.model,
      hf: this.hfSource,
      history: this.history,
      dataset: { name: this.data.name, pairs: this.data.pairs },
      backend: this.backend.backend,
    };
  }

  assertIdle(): void {
    if (this.running) throw new CodedError('busy', 'training is running; stop it first');
  }

  private endRun(): void {
    this.trainer?.dispose();
    this.trainer = null;
    this.history = { steps: [], values: [] };
    this.runs.forget();
  }

  /**
   * Makes a saved run current again from its last checkpoint: weights, optimizer, data
   * position and curves up to that step. `start` with its settings then continues it.
   */
  async resumeRun({ id }: Params<'resumeRun'>): Promise<Result<'resumeRun'>> {
    this.assertIdle();
    this.deviceBusy();
    const record = await this.runStorage.get(id);
    if (!record) throw new CodedError('protocol', 'that run is no longer saved in this browser');
    const bytes = await this.runStorage.checkpoint(id);
    if (!bytes || !record.checkpoint) throw new CodedError('bad-file', `run "${record.name}" has no checkpoint to resume from`);
    let snapshot;
    try {
      snapshot = decodeCheckpoint(bytes).snapshot;
    } catch (error) {
      throw new CodedError(
        'bad-file',
        `run "${record.name}": ${(error as Error).message}. Its settings and curves are kept, but it cannot be resumed.`,
      );
    }
    let dataset: DatasetState | undefined;
    if (record.dataset.id && record.dataset.id !== 'demo' && record.dataset.id !== this.data.id) {
      dataset = await this.data.activateForRun(record.dataset.id).catch(() => {
        throw new CodedError(
          'no-dataset',
          `the dataset run "${record.name}" trained on ("${record.dataset.name}") is no longer saved; load it again to resume`,
        );
      });
    }
    if (this.data.pairs.length !== record.dataset.pairs) {
      throw new CodedError(
        'no-dataset',
        `run "${record.name}" trained on "${record.dataset.name}" (${record.dataset.pairs} pairs); the active dataset has ${this.data.pairs.length}. Load that dataset to resume.`,
      );
    }
    if ((record.model.hfName ?? null) !== (this.model.hfName ?? null)) {
      const need = record.model.hfName ? `load the Hugging Face model "${record.model.hfName}"` : 'switch back to the built-in model';
      throw new CodedError('no-dataset', `run "${record.name}" trained ${record.model.hfName ?? 'the built-in model'}; ${need} to resume it`);
    }
    // A LoRA run on a Hugging Face model saved only its adapters: the base is the loaded model.
    const base = record.settings.lora ? (snapshot.base ?? this.loadedHfWeights) : null;
    if (record.settings.lora && !base) throw new CodedError('bad-file', `run "${record.name}": its checkpoint holds no base weights to resume on`);
    this.endRun();
    const trainer = new Trainer(record.config, base ?? snapshot.policy, record.settings, {
      tokenizer: this.tokenizer,
      ...(base ? { adapters: snapshot.policy, checkpointBase: base !== this.loadedHfWeights } : {}),
    });
    try {
      trainer.setData(this.dataSplit(record.settings));
      trainer.restore(snapshot);
    } catch (error) {
      trainer.dispose();
      throw new CodedError('bad-file', `run "${record.name}": ${(error as Error).message}`);
    }
    this.config = record.config;
    this.weights = base ?? snapshot.policy;
    this.trainer = trainer;
    const keep = record.history.steps.findIndex((step) => step > snapshot.step);
    const rows = keep < 0 ? record.history.steps.length : keep;
    this.history = { steps: record.history.steps.slice(0, rows), values: record.history.values.slice(0, rows * METRIC_COUNT) };
    this.stages = [{ stage: record.settings.stage, steps: snapshot.step }];
    // Records saved before ModelInfo named the family lack its fields: derive them again.
    this.model = { ...record.model, ...familyInfo(record.config, this.hfSource?.dtype ?? 'F32'), step: snapshot.step };
    this.status = { status: 'stopped' };
    const resumed: RunRecord = { ...record, status: 'stopped', step: snapshot.step, history: this.history };
    this.runs.adopt(resumed);
    this.emit({ type: 'runStarted', stage: record.settings.stage });
    if (rows > 0)
      this.emit({
        type: 'metrics',
        steps: Int32Array.from(this.history.steps),
        values: Float32Array.from(this.history.values),
        stepsPerSecond: 0,
        tokensPerSecond: 0,
      });
    return { run: summarize(resumed), model: this.model, ...(dataset ? { dataset } : {}) };
  }
}
