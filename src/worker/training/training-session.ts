import * as tf from '@tensorflow/tfjs-core';
import { asGptConfig } from '../../core/model/causal-lm';
import { uploadWeights } from '../../core/model/gpt-weights';
import type { NamedWeights } from '../../core/model/gpt';
import type { HfModel } from '../../core/io/hf-model';
import type { ModelOrigin } from '../../core/export/base-model';
import { Trainer } from '../../core/train/trainer';
import { splitDataset, type DataSplit } from '../../core/train/data-split';
import { SettingsError, type DpoSettings } from '../../core/train/settings';
import { validateSettings } from '../../core/train/validate-settings';
import { divergenceMessage } from '../../core/train/divergence';
import { runTraining, type TrainingRunOutcome, type TrainingRunSinks } from '../../core/train/training-run';
import { buildRunBundle, zipBundle, type RunInfo } from '../../core/io/run-bundle';
import type { BackendInfo, ModelInfo, Params, Result, RunRecord, WorkerEvent } from '../../protocol/messages';
import type { TrainingData } from '../datasets/dataset-requests';
import { CodedError } from '../errors';
import { CurrentModel } from '../models/current-model';
import type { ExportState } from '../models/model-source';
import { summarize, type RunRecorder } from '../runs/run-recorder';
import type { RunStorage } from '../runs/run-storage';
import { historyUpTo, loadResumableRun } from '../runs/resumable-run';
import { warmUpShaders } from './shader-warmup';
import { TestHold } from './test-hold';

/** At most ~7 metric messages a second, and never more than 32 steps unread. */
const WORKER_FLUSH = { first: true, intervalMs: 150, maxPending: 32 };

/** Settings a running Trainer cannot change: a change starts a new run from the current weights. */
const RUN_DEFINING: (keyof DpoSettings)[] = ['stage', 'optimizer', 'reference', 'seed'];

/**
 * The studio's run: the current model, the Trainer and its curves, mapped onto core's one
 * training run. Knows nothing of messages: `emit` is how it streams events out.
 */
export class TrainingSession {
  readonly model = new CurrentModel();
  private trainer: Trainer | null = null;
  private split: { key: string; value: DataSplit } | null = null;
  private history: { steps: number[]; values: number[] } = { steps: [], values: [] };
  private stages: { stage: string; steps: number }[] = [];
  private running: Promise<TrainingRunOutcome> | null = null;
  /** How the last run ended, for run.json. */
  private status: Pick<RunInfo, 'status' | 'diverged'> = { status: 'not started' };
  private stopRequested = false;

  constructor(
    private readonly backend: BackendInfo,
    private readonly emit: (event: WorkerEvent) => void,
    private readonly data: TrainingData,
    private readonly runs: RunRecorder,
    private readonly runStorage: RunStorage,
    /** Throws while something else (the sentiment demo) holds the device. */
    private readonly deviceBusy: () => void = () => undefined,
    /** The end-to-end tests' hold on the loop (never holds otherwise). */
    private readonly hold = new TestHold(undefined),
  ) {}

  get modelConfig() {
    return this.model.config;
  }

  /** How the current model's checkpoint stores its weights (F32 for a built-in model). */
  get modelDtype() {
    return this.model.hfSource?.dtype ?? 'F32';
  }

  get isRunning(): boolean {
    return this.running !== null;
  }

  /** A new current model ends the run on the old one. */
  private replaceModel(load: () => ModelInfo): ModelInfo {
    this.assertIdle();
    const info = load();
    this.endRun();
    this.stages = [];
    return info;
  }

  resetModel({ preset, seed }: Params<'resetModel'>): ModelInfo {
    return this.replaceModel(() => this.model.reset(preset, seed));
  }

  importWeights({ name, bytes }: Params<'importWeights'>): ModelInfo {
    return this.replaceModel(() => this.model.importFile(name, new Uint8Array(bytes)));
  }

  /** A Hugging Face model (files dropped or downloaded) becomes the current model. */
  useHfModel(model: HfModel, origin: ModelOrigin): ModelInfo {
    return this.replaceModel(() => this.model.useHf(model, origin));
  }

  /** The held-out file when there is one, else a seeded split; the same object while unchanged. */
  private dataSplit(settings: DpoSettings): DataSplit {
    const key = `${this.data.version}/${settings.evalFraction}/${settings.seed}`;
    if (this.split?.key !== key) {
      const { pairs, evalPairs, unpaired, evalUnpaired } = this.data;
      const value = evalPairs
        ? { train: pairs, eval: evalPairs, unpairedTrain: unpaired, unpairedEval: evalUnpaired ?? [] }
        : splitDataset(pairs, settings.evalFraction, settings.seed, unpaired);
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
    const model = this.model;
    if (current) model.weights = await current.hostWeights();
    this.endRun();
    const checkpointBase = !(settings.lora && model.weights === model.loadedHfWeights);
    this.trainer = new Trainer(model.config, model.weights, settings, { tokenizer: model.tokenizer, checkpointBase });
    this.history = { steps: [], values: [] };
    this.stages.push({ stage: settings.stage, steps: 0 });
    this.emit({ type: 'runStarted', stage: settings.stage });
    await this.runs.begin({
      step: 0,
      settings,
      config: model.config,
      model: model.info,
      backend: this.backend.backend,
      dataset: { id: this.data.id, name: this.data.name, pairs: this.data.pairs.length },
      history: { steps: [], values: [] },
    });
    return this.trainer;
  }

  async start({ settings }: Params<'start'>): Promise<Result<'start'>> {
    this.assertIdle();
    this.deviceBusy();
    const { pairs, unpaired } = this.data;
    if (pairs.length === 0 && unpaired.length === 0) throw new CodedError('no-dataset', 'load a dataset before training');
    if (pairs.length === 0 && settings.stage !== 'kto')
      throw new SettingsError('stage', `stage: this dataset has only unpaired rows (thumbs up/down); ${settings.stage.toUpperCase()} trains on pairs, pick the KTO stage`);
    validateSettings(settings, this.model.config);
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
      this.model.info = { ...this.model.info, step: trainer.step };
      this.stages[this.stages.length - 1].steps = trainer.step;
    }
    const d = outcome.diverged;
    this.status = d ? { status: 'diverged', diverged: { step: d.step, metric: d.metric } } : { status: outcome.stopped ? 'stopped' : 'completed' };
    await this.runs.finish(trainer, this.history, d ? 'diverged' : outcome.stopped ? 'stopped' : 'completed', this.status.diverged);
    if (!d) return { step: trainer.step, stopped: outcome.stopped };
    return { step: trainer.step, stopped: true, diverged: { ...d, message: divergenceMessage(d, settings.learningRate, settings.beta) } };
  }

  /** The run's sinks: its progress as events, its rows into the history, checkpoints into storage. */
  private runSinks(trainer: Trainer): TrainingRunSinks {
    const { steps: targetStep, stage } = trainer.currentSettings;
    return {
      phase: (status) => this.emit({ type: 'status', status, step: trainer.step, targetStep, stage }),
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
      shouldStop: (nextStep) => {
        if (this.stopRequested) return true;
        const held = this.hold.before(nextStep);
        return held ? held.then(() => this.stopRequested) : this.stopRequested;
      },
    };
  }

  async stop(): Promise<Result<'stop'>> {
    this.stopRequested = true;
    this.hold.release();
    if (this.running) await this.running.catch(() => undefined);
    return { step: this.trainer?.step ?? this.model.info.step };
  }

  async exportWeights({ settings, appVersion }: Params<'exportWeights'>): Promise<Result<'exportWeights'>> {
    this.assertIdle();
    const { config, info } = this.model;
    const weights = this.trainer ? await this.trainer.hostWeights() : this.model.weights;
    const step = this.trainer?.step ?? info.step;
    const files = buildRunBundle(asGptConfig(config, 'a run bundle'), weights, this.history, {
      app: 'DPO Studio',
      version: appVersion,
      preset: info.preset,
      backend: this.backend.backend,
      step,
      settings: { ...settings, stages: this.stages },
      ...this.status,
      dataset: { name: this.data.name, pairs: this.data.pairs.length, unpaired: this.data.unpaired.length },
      createdAt: new Date().toISOString(),
    });
    const zip = zipBundle(files);
    return { fileName: `dpo-studio-${info.preset}-step${step}.zip`, zip: zip.buffer as ArrayBuffer };
  }

  /** Runs `use` with the current policy: the run's variables, or the host weights uploaded for the call. */
  async withPolicyWeights<T>(use: (weights: NamedWeights) => Promise<T>): Promise<T> {
    if (this.trainer) return this.trainer.withSamplingWeights('policy', use);
    const weights = uploadWeights(this.model.weights);
    try {
      return await use(weights);
    } finally {
      tf.dispose(Object.values(weights));
    }
  }

  /** What exports need: the config, the current (merged) weights, LoRA adapters, the run's story. */
  async exportState(): Promise<ExportState> {
    this.assertIdle();
    const { trainer, model } = this;
    return {
      config: model.config,
      weights: trainer ? await trainer.hostWeights() : model.weights,
      adapters: trainer ? await trainer.adapterWeights() : null,
      lora: trainer?.currentSettings.lora ?? null,
      step: trainer?.step ?? model.info.step,
      model: model.info,
      hf: model.hfSource,
      history: this.history,
      dataset: { name: this.data.name, pairs: this.data.pairs, unpaired: this.data.unpaired },
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
    const { record, snapshot, base, dataset } = await loadResumableRun(id, this.runStorage, this.data, this.model);
    this.endRun();
    const model = this.model;
    const trainer = new Trainer(record.config, base ?? snapshot.policy, record.settings, {
      tokenizer: model.tokenizer,
      ...(base ? { adapters: snapshot.policy, checkpointBase: base !== model.loadedHfWeights } : {}),
    });
    try {
      trainer.setData(this.dataSplit(record.settings));
      trainer.restore(snapshot);
    } catch (error) {
      trainer.dispose();
      throw new CodedError('bad-file', `run "${record.name}": ${(error as Error).message}`);
    }
    this.trainer = trainer;
    this.history = historyUpTo(record.history, snapshot.step);
    this.stages = [{ stage: record.settings.stage, steps: snapshot.step }];
    model.adoptRun(record.config, base ?? snapshot.policy, record.model, snapshot.step);
    this.status = { status: 'stopped' };
    const resumed: RunRecord = { ...record, status: 'stopped', step: snapshot.step, history: this.history };
    this.runs.adopt(resumed);
    this.emit({ type: 'runStarted', stage: record.settings.stage });
    if (this.history.steps.length > 0)
      this.emit({
        type: 'metrics',
        steps: Int32Array.from(this.history.steps),
        values: Float32Array.from(this.history.values),
        stepsPerSecond: 0,
        tokensPerSecond: 0,
      });
    return { run: summarize(resumed), model: model.info, ...(dataset ? { dataset } : {}) };
  }
}
