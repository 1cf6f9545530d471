import * as tf from '@tensorflow/tfjs-core';
import { PRESETS, presetConfig, type GptConfig, type PresetName } from '../core/model/config';
import { countParameters, initGptWeights, type HostWeights } from '../core/model/gpt-weights';
import { greedyComplete } from '../core/model/generate';
import type { NamedWeights } from '../core/model/gpt';
import { SeededRandom } from '../core/random';
import { BYTE_VOCAB_SIZE, decodeIds, encodeText } from '../core/tokenizer/byte-tokenizer';
import { parsePreferenceJsonl, type PreferencePair } from '../core/data/preference-pairs';
import { DpoTrainer } from '../core/train/dpo-trainer';
import { DeviceMetricsBuffer } from '../core/train/metrics';
import { validateSettings } from '../core/train/settings';
import { buildRunBundle, loadModelFile, zipBundle } from '../core/io/run-bundle';
import type { BackendInfo, DatasetSummary, ModelInfo, Params, Result, WorkerEvent } from '../protocol/messages';
import { CodedError } from './errors';

/** At most ~7 metric messages a second, and never more than this many steps unread. */
const FLUSH_INTERVAL_MS = 150;
const MAX_PENDING_STEPS = 32;

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * The worker's state — model weights, dataset, the current DPO run — mapped onto core
 * calls. Knows nothing of messages: `emit` is how it streams events out.
 */
export class TrainingSession {
  private config!: GptConfig;
  private weights!: HostWeights;
  private model!: ModelInfo;
  private trainer: DpoTrainer | null = null;
  private pairs: PreferencePair[] = [];
  private datasetName = '';
  private history: { steps: number[]; values: number[] } = { steps: [], values: [] };
  private running: Promise<unknown> | null = null;
  private stopRequested = false;

  constructor(
    private readonly backend: BackendInfo,
    private readonly emit: (event: WorkerEvent) => void,
  ) {}

  resetModel({ preset, seed }: Params<'resetModel'>): ModelInfo {
    this.assertIdle();
    this.disposeTrainer();
    this.history = { steps: [], values: [] };
    this.config = presetConfig(preset, BYTE_VOCAB_SIZE);
    this.weights = initGptWeights(this.config, new SeededRandom(seed));
    this.model = this.describe(preset, `initialised (seed ${seed})`, 0);
    return this.model;
  }

  loadDataset({ name, bytes }: Params<'loadDataset'>): DatasetSummary {
    this.assertIdle();
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new CodedError('bad-file', `${name}: not UTF-8 text; expected JSONL with prompt, chosen and rejected`);
    }
    const parsed = parsePreferenceJsonl(text);
    if (parsed.pairs.length === 0) {
      const first = parsed.problems[0];
      const detail = first ? ` (line ${first.line}, ${first.field}: ${first.message})` : ' (the file is empty)';
      throw new CodedError('bad-file', `${name}: no usable preference pairs${detail}; the current dataset is kept`);
    }
    this.pairs = parsed.pairs;
    this.datasetName = name;
    return { name, rows: parsed.rows, pairs: parsed.pairs.length, problems: parsed.problems.slice(0, 100), preview: parsed.pairs.slice(0, 5) };
  }

  async start({ settings }: Params<'start'>): Promise<Result<'start'>> {
    this.assertIdle();
    if (this.pairs.length === 0) throw new CodedError('no-dataset', 'load a dataset before training');
    validateSettings(settings, this.config, this.pairs.length);
    if (this.trainer) this.trainer.updateSettings(settings);
    else {
      this.trainer = new DpoTrainer(this.config, this.weights, settings);
      this.trainer.step = this.model.step;
    }
    this.trainer.setDataset(this.pairs);
    this.stopRequested = false;
    const run = this.trainLoop(this.trainer, settings.steps);
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = null;
    }
  }

  private async trainLoop(trainer: DpoTrainer, steps: number): Promise<Result<'start'>> {
    const targetStep = trainer.step + steps;
    const buffer = new DeviceMetricsBuffer();
    const pendingSteps: number[] = [];
    let tokens = 0;
    let lastFlush = performance.now();
    const flush = async () => {
      const values = await buffer.flush();
      const now = performance.now();
      const seconds = Math.max((now - lastFlush) / 1000, 1e-6);
      this.history.steps.push(...pendingSteps);
      for (const v of values) this.history.values.push(v);
      this.emit({
        type: 'metrics',
        steps: Int32Array.from(pendingSteps),
        values,
        stepsPerSecond: pendingSteps.length / seconds,
        tokensPerSecond: tokens / seconds,
      });
      pendingSteps.length = 0;
      tokens = 0;
      lastFlush = now;
    };
    // The first step compiles every shader on WebGPU and can take a while: say so.
    this.emit({ type: 'status', status: trainer.step === 0 ? 'compiling' : 'training', step: trainer.step, targetStep });
    try {
      while (trainer.step < targetStep && !this.stopRequested) {
        const { metrics, tokenCount } = trainer.trainStep();
        buffer.push(metrics);
        pendingSteps.push(trainer.step);
        tokens += tokenCount;
        const first = this.history.steps.length === 0;
        if (first || buffer.size >= MAX_PENDING_STEPS || performance.now() - lastFlush >= FLUSH_INTERVAL_MS) {
          await flush();
          if (first) this.emit({ type: 'status', status: 'training', step: trainer.step, targetStep });
        }
        await nextTask(); // lets a stop request in between two steps
      }
      if (buffer.size > 0) await flush();
    } finally {
      buffer.dispose();
      this.model = { ...this.model, step: trainer.step };
      this.emit({ type: 'status', status: 'idle', step: trainer.step, targetStep });
    }
    return { step: trainer.step, stopped: this.stopRequested };
  }

  async stop(): Promise<Result<'stop'>> {
    this.stopRequested = true;
    if (this.running) {
      this.emit({ type: 'status', status: 'stopping', step: this.trainer?.step ?? 0, targetStep: 0 });
      await this.running.catch(() => undefined);
    }
    return { step: this.trainer?.step ?? this.model.step };
  }

  async exportWeights({ settings, appVersion }: Params<'exportWeights'>): Promise<Result<'exportWeights'>> {
    this.assertIdle();
    const weights = this.trainer ? await this.trainer.hostWeights() : this.weights;
    const step = this.trainer?.step ?? this.model.step;
    const files = buildRunBundle(this.config, weights, { steps: this.history.steps, values: this.history.values }, {
      app: 'DPO Studio',
      version: appVersion,
      preset: this.model.preset,
      backend: this.backend.backend,
      step,
      settings: { ...settings },
      dataset: { name: this.datasetName, pairs: this.pairs.length },
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
    this.disposeTrainer();
    this.config = loaded.config;
    this.weights = loaded.weights;
    this.history = { steps: [], values: [] };
    const preset = (Object.keys(PRESETS) as PresetName[]).find((p) => sameShape(presetConfig(p, BYTE_VOCAB_SIZE), loaded.config)) ?? 'custom';
    this.model = this.describe(preset, name, loaded.run?.step ?? 0);
    return this.model;
  }

  async sample({ prompt, maxNewTokens }: Params<'sample'>): Promise<Result<'sample'>> {
    this.assertIdle();
    const owned: tf.Tensor[] = [];
    let weights: NamedWeights;
    if (this.trainer) weights = this.trainer.policy;
    else {
      weights = {};
      for (const [name, { shape, data }] of this.weights) owned.push((weights[name] = tf.tensor(data, shape)));
    }
    try {
      return { completion: decodeIds(await greedyComplete(weights, this.config, encodeText(prompt), maxNewTokens)) };
    } finally {
      tf.dispose(owned);
    }
  }

  private describe(preset: ModelInfo['preset'], source: string, step: number): ModelInfo {
    const c = this.config;
    return { preset, parameters: countParameters(c), nLayer: c.nLayer, nEmbd: c.nEmbd, nPositions: c.nPositions, source, step };
  }

  private assertIdle(): void {
    if (this.running) throw new CodedError('busy', 'training is running; stop it first');
  }

  private disposeTrainer(): void {
    this.trainer?.dispose();
    this.trainer = null;
  }
}

function sameShape(a: GptConfig, b: GptConfig): boolean {
  return a.nEmbd === b.nEmbd && a.nLayer === b.nLayer && a.nHead === b.nHead && a.nPositions === b.nPositions && a.vocabSize === b.vocabSize;
}
