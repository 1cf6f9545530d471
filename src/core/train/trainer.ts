import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../model/causal-lm';
import { causalMask, type ForwardOptions, type NamedWeights } from '../model/forward-options';
import type { HostWeights } from '../model/gpt-weights';
import { loraForModel } from '../model/lora';
import { readHost, TrainableWeights } from './trainable-weights';
import { tokenScales } from './token-scales';
import { BYTE_TOKENIZER, type TextTokenizer } from '../tokenizer/tokenizer';
import { collateDpoBatch, collateSftBatch, tokenizeDataset, type DpoBatch, type TokenizedPair } from '../dpo/batch';
import type { DataSplit } from './data-split';
import { SeededRandom } from '../random';
import { DEFAULT_OPTIMIZER_OPTIONS, globalNorm, Optimizer } from './optimizers';
import { assignWeights, type TrainerSnapshot } from './trainer-snapshot';

export type { TrainerSnapshot } from './trainer-snapshot';
import { batchLogProbs, dpoForward, sftForward, uploadBatch, type DeviceBatch, type StepForward, type TokenScales } from './dpo-step';
import { cachedReferenceLogProbs, ReferenceModel, type ReferenceCache } from './reference-model';
import { learningRateMultiplier } from './schedule';
import { needsReference, SettingsError, usesReferenceCache, type DpoSettings } from './settings';
import { validateSettings } from './validate-settings';
import { METRIC_NAMES } from './metric-names';

/** Where the loss sits in a step's metric vector (the skip-non-finite guard reads it on the device). */
const LOSS_INDEX = METRIC_NAMES.indexOf('loss');

export interface TrainerOptions {
  /** How dataset text becomes ids; the built-in byte tokenizer by default. */
  tokenizer?: TextTokenizer;
  /** A LoRA run's adapters to continue from (a resumed run); otherwise drawn from the seed. */
  adapters?: HostWeights;
  /**
   * Whether a LoRA snapshot carries the frozen base (default true). Off when the base is a
   * model the caller can load again (a Hugging Face checkpoint): hundreds of MB not rewritten
   * at every checkpoint.
   */
  checkpointBase?: boolean;
}

export interface IndexedBatch {
  indices: number[];
  batch: DpoBatch;
}

/** The settings with LoRA's 'all-linear' as the family's module names, so checkpoints and exports list them. */
function forModel(settings: DpoSettings, config: ModelConfig): DpoSettings {
  return settings.lora ? { ...settings, lora: loraForModel(settings.lora, config) } : settings;
}

/**
 * One training run (an SFT or a DPO stage): the trainable policy, the frozen reference, the
 * optimizer, the schedule and the data order. Steps return their metric vector still on the
 * device; callers read metrics back in batches (DeviceMetricsBuffer). With LoRA, see
 * TrainableWeights: only adapters train and the reference is the frozen base itself.
 */
export class Trainer {
  private readonly weights: TrainableWeights;
  private readonly checkpointBase: boolean;
  readonly tokenizer: TextTokenizer;
  readonly reference: ReferenceModel | null;
  private readonly optimizer: Optimizer;
  private settings: DpoSettings;
  private mask: tf.Tensor2D;
  private train: TokenizedPair[] = [];
  private evalPairs: TokenizedPair[] = [];
  private source: DataSplit | null = null;
  private tokenizedWith = '';
  private cache: { train: ReferenceCache; eval: ReferenceCache } | null = null;
  private order: number[] = [];
  private cursor = 0;
  private readonly dataRng: SeededRandom;
  /** Optimizer steps taken in this run. */
  step = 0;
  droppedRows = 0;

  constructor(
    readonly config: ModelConfig,
    initial: HostWeights,
    settings: DpoSettings,
    options: TrainerOptions = {},
  ) {
    settings = forModel(settings, config);
    this.settings = settings;
    this.tokenizer = options.tokenizer ?? BYTE_TOKENIZER;
    this.checkpointBase = options.checkpointBase ?? true;
    this.weights = new TrainableWeights(config, initial, settings.lora, settings.seed, options.adapters);
    const frozenReference = settings.stage === 'dpo' && settings.reference === 'frozen';
    this.reference = frozenReference ? new ReferenceModel(config, this.weights.base ?? initial) : null;
    this.optimizer = new Optimizer(settings.optimizer, this.policy, { ...DEFAULT_OPTIMIZER_OPTIONS, weightDecay: settings.weightDecay });
    this.mask = causalMask(settings.maxLength);
    this.dataRng = new SeededRandom(settings.seed ^ 0x5eed);
  }

  /** The trainable variables: every weight, or only the LoRA adapters. */
  get policy(): Record<string, tf.Variable> {
    return this.weights.variables;
  }

  /** What the policy's forward pass reads: all weights, or the frozen base plus the adapters. */
  get policyWeights(): NamedWeights {
    return this.weights.forward;
  }

  /** LoRA's dropout masks differ per step and micro-batch, and repeat with the seed. */
  private forwardOptions(micro = 0): ForwardOptions | undefined {
    return this.weights.trainingOptions(this.settings.seed * 100_003 + this.step * 101 + micro);
  }

  get currentSettings(): DpoSettings {
    return this.settings;
  }

  get trainPairCount(): number {
    return this.train.length;
  }

  /** The split set by setData (null before it). */
  get data(): DataSplit | null {
    return this.source;
  }

  get evalPairCount(): number {
    return this.evalPairs.length;
  }

  /** Whether `prepare` has work to do before the next step (a reference cache to build). */
  get needsPreparation(): boolean {
    return usesReferenceCache(this.settings) && needsReference(this.settings) && this.cache === null;
  }

  /**
   * Tokenizes the split with the current length limits and validates the settings against
   * it. The data order and reference cache restart only when the data or lengths changed.
   */
  setData(split: DataSplit): void {
    const limits = `${this.settings.maxLength}/${this.settings.maxPromptLength}`;
    if (split !== this.source || limits !== this.tokenizedWith) {
      const train = tokenizeDataset(split.train, this.settings, this.tokenizer);
      this.train = train.pairs;
      this.evalPairs = tokenizeDataset(split.eval, this.settings, this.tokenizer).pairs;
      this.droppedRows = train.dropped;
      this.source = split;
      this.tokenizedWith = limits;
      this.order = [];
      this.cursor = 0;
      this.cache = null;
    }
    if (this.train.length === 0 && this.droppedRows > 0) {
      throw new SettingsError(
        'maxLength',
        `maxLength: every prompt alone fills ${this.settings.maxLength} tokens, so no pair is left to train on; raise max length`,
      );
    }
    validateSettings(this.settings, this.config, this.train.length);
  }

  /**
   * New settings between steps. The stage, the optimizer and the reference mode are fixed
   * for a run (the caller starts a new run for those); call setData after.
   */
  updateSettings(settings: DpoSettings): void {
    validateSettings(settings, this.config);
    if (settings.maxLength !== this.settings.maxLength) {
      this.mask.dispose();
      this.mask = causalMask(settings.maxLength);
    }
    // The cached reference log-probs are LD-weighted sums: another α needs them again.
    if (settings.ldAlpha !== this.settings.ldAlpha) this.cache = null;
    this.settings = forModel(settings, this.config);
  }

  /** The reference cache, when the current settings allow one (a TR-DPO reference moves). */
  private get activeCache() {
    return usesReferenceCache(this.settings) ? this.cache : null;
  }

  /** Builds the reference log-prob cache when the settings call for one. */
  async prepare(onProgress?: (done: number, total: number) => void): Promise<void> {
    if (!this.needsPreparation || !this.reference) return;
    const total = this.train.length + this.evalPairs.length;
    const { batchSize, maxLength } = this.settings;
    const pad = this.tokenizer.padId;
    const ld = this.ldAlpha;
    const train = await this.reference.precompute(this.train, batchSize, maxLength, this.mask, (done) => onProgress?.(done, total), pad, ld);
    const evalCache = await this.reference.precompute(
      this.evalPairs,
      batchSize,
      maxLength,
      this.mask,
      (done) => onProgress?.(this.train.length + done, total),
      pad,
      ld,
    );
    this.cache = { train, eval: evalCache };
  }

  /** The next B training pairs in a seeded per-epoch shuffle. */
  nextBatch(): IndexedBatch {
    const indices: number[] = [];
    while (indices.length < this.settings.batchSize) {
      if (this.cursor >= this.order.length) {
        this.order = this.dataRng.shuffled(this.train.map((_, i) => i));
        this.cursor = 0;
      }
      indices.push(this.order[this.cursor++]);
    }
    return { indices, batch: this.collate(indices.map((i) => this.train[i])) };
  }

  private collate(pairs: TokenizedPair[]): DpoBatch {
    const pad = this.tokenizer.padId;
    return this.settings.stage === 'sft'
      ? collateSftBatch(pairs, this.settings.maxLength, pad)
      : collateDpoBatch(pairs, this.settings.maxLength, pad);
  }

  /** Reference log-probs of a batch's rows: cached, computed, or zeros (reference-free); [rows]. */
  private referenceLogProbs({ indices, batch }: IndexedBatch, device: DeviceBatch, cache: ReferenceCache | undefined): tf.Tensor1D {
    if (cache) return cachedReferenceLogProbs(cache, indices);
    if (this.reference && needsReference(this.settings)) return this.reference.logProbs(device, this.mask);
    return tf.zeros([batch.rows]) as tf.Tensor1D;
  }

  /** LD-DPO's α where it applies (DPO pairs), else null. */
  private get ldAlpha(): number | null {
    return this.settings.stage === 'dpo' ? this.settings.ldAlpha : null;
  }

  /** Loss and metrics of one batch; call inside a tidy. */
  private forward(batch: IndexedBatch, cache: ReferenceCache | undefined, scales?: TokenScales, options?: ForwardOptions): StepForward {
    const device = uploadBatch(batch.batch, this.ldAlpha);
    const w = this.policyWeights;
    if (this.settings.stage === 'sft') return sftForward(w, this.config, device, this.mask, scales, options);
    const reference = this.referenceLogProbs(batch, device, cache);
    return dpoForward(w, this.config, device, reference, this.mask, this.settings, scales, options);
  }

  /**
   * Loss gradients keyed by parameter name, and the forward's metrics. Call inside a tidy;
   * the metrics tensor is kept past it (it comes from inside variableGrads' own scope), so
   * the caller disposes it.
   */
  private lossGradients(batch: IndexedBatch, scales?: TokenScales, micro = 0): { grads: tf.NamedTensorMap; metrics: tf.Tensor1D } {
    let metrics: tf.Tensor1D | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const out = this.forward(batch, this.activeCache?.train, scales, this.forwardOptions(micro));
      metrics = tf.keep(out.metrics);
      return out.loss;
    });
    value.dispose();
    return { grads: Object.fromEntries(Object.entries(this.policy).map(([name, v]) => [name, grads[v.name]])), metrics: metrics! };
  }

  /**
   * Forward and backward of the first training batch with no update and no change to the
   * data order: the same kernels and shapes as a step, for compiling shaders ahead of it.
   */
  rehearseStep(): void {
    const indices = this.train.slice(0, this.settings.batchSize).map((_, i) => i);
    const batch = { indices, batch: this.collate(indices.map((i) => this.train[i])) };
    tf.tidy(() => this.lossGradients(batch).metrics.dispose());
  }

  /** Learning rate for the next optimizer step, after warm-up and decay. */
  get learningRate(): number {
    const { learningRate, scheduler, warmupSteps, steps } = this.settings;
    return learningRate * learningRateMultiplier(scheduler, this.step, warmupSteps, steps);
  }

  /**
   * One optimizer step over `gradientAccumulationSteps` micro-batches: losses, gradients
   * and metrics are averaged exactly as one batch of B × M pairs would average them.
   * @returns metric vector [METRIC_COUNT], owned by the caller
   */
  trainStep(batches: IndexedBatch[] = this.nextBatches()): { metrics: tf.Tensor1D; tokenCount: number } {
    const micro = batches.length;
    const learningRate = this.learningRate;
    const scales = tokenScales(
      batches.map((b) => b.batch),
      this.settings.stage === 'sft',
    );
    const kept: tf.Tensor[] = [];
    const metrics = tf.tidy(() => {
      let gradSum: tf.NamedTensorMap | null = null;
      let metricSum: tf.Tensor | null = null;
      batches.forEach((batch, m) => {
        const { grads, metrics: microMetrics } = this.lossGradients(batch, scales[m], m);
        kept.push(microMetrics);
        gradSum = gradSum ? Object.fromEntries(Object.entries(gradSum).map(([k, g]) => [k, tf.add(g, grads[k])])) : grads;
        metricSum = metricSum ? tf.add(metricSum, microMetrics) : microMetrics;
      });
      const grads = Object.fromEntries(Object.entries(gradSum!).map(([name, g]) => [name, tf.div(g, micro)]));
      const mean = tf.div(metricSum!, micro) as tf.Tensor1D;
      const guard = this.settings.skipNonFinite ? (tf.reshape(tf.slice(mean, [LOSS_INDEX], [1]), []) as tf.Scalar) : undefined;
      const gradNorm = this.optimizer.apply(grads, learningRate, this.settings.maxGradNorm, guard);
      return tf.concat([mean, tf.reshape(gradNorm, [1]), tf.tensor1d([learningRate])]) as tf.Tensor1D;
    });
    tf.dispose(kept);
    this.step++;
    const { referenceSyncSteps, referenceSyncAlpha } = this.settings;
    if (this.reference && referenceSyncSteps > 0 && this.step % referenceSyncSteps === 0)
      this.reference.syncFrom(this.policy, referenceSyncAlpha);
    return { metrics, tokenCount: batches.reduce((sum, b) => sum + b.batch.tokenCount, 0) };
  }

  /** The micro-batches of the next optimizer step. */
  nextBatches(): IndexedBatch[] {
    return Array.from({ length: this.settings.gradientAccumulationSteps }, () => this.nextBatch());
  }

  /** Policy and reference log-probs of each row of a batch as the loss sees them (LD-weighted with ld_alpha), read back (for inspection, not the loop). */
  async inspectBatch(batch: IndexedBatch): Promise<{ policy: Float32Array; reference: Float32Array }> {
    const [policy, reference] = tf.tidy(() => {
      const device = uploadBatch(batch.batch, this.ldAlpha);
      return [
        batchLogProbs(this.policyWeights, this.config, device, this.mask, this.weights.inferenceOptions()),
        this.referenceLogProbs(batch, device, this.activeCache?.train),
      ];
    });
    const out = { policy: (await policy.data()) as Float32Array, reference: (await reference.data()) as Float32Array };
    tf.dispose([policy, reference]);
    return out;
  }

  /** Metrics of one batch without updating (the step-0 metrics); grad_norm included. */
  evaluateBatch(batch: IndexedBatch): tf.Tensor1D {
    let kept: tf.Tensor1D | undefined;
    const row = tf.tidy(() => {
      const { grads, metrics } = this.lossGradients(batch);
      kept = metrics;
      return tf.concat([metrics, tf.reshape(globalNorm(Object.values(grads)), [1]), tf.tensor1d([this.learningRate])]) as tf.Tensor1D;
    });
    kept?.dispose();
    return row;
  }

  /** Mean metrics over the held-out pairs ([9], `eval_` metrics), or null without them. */
  async evaluate(): Promise<Float32Array | null> {
    if (this.evalPairs.length === 0) return null;
    const { batchSize } = this.settings;
    const sum = tf.tidy(() => {
      let total: tf.Tensor | null = null;
      for (let start = 0; start < this.evalPairs.length; start += batchSize) {
        const indices = this.evalPairs.slice(start, start + batchSize).map((_, i) => start + i);
        const weighted = tf.mul(
          this.forward(
            { indices, batch: this.collate(indices.map((i) => this.evalPairs[i])) },
            this.activeCache?.eval,
            undefined,
            this.weights.inferenceOptions(),
          ).metrics,
          indices.length,
        );
        total = total ? tf.add(total, weighted) : weighted;
      }
      return tf.div(total!, this.evalPairs.length);
    });
    const values = (await sum.data()) as Float32Array;
    sum.dispose();
    return values;
  }

  /**
   * Everything a resumed run needs to continue exactly: policy, reference (TR-DPO moves it),
   * optimizer moments, step and the data order with its generator state. The reference
   * cache is not saved: it is a pure function of the reference and is rebuilt by prepare().
   */
  async snapshot(): Promise<TrainerSnapshot> {
    return {
      step: this.step,
      policy: await readHost(this.policy),
      // LoRA: the base is the reference and never moves; it is saved once as `base`.
      reference: this.reference && !this.weights.base ? await readHost(this.reference.weights) : null,
      base: this.weights.base && this.checkpointBase ? await readHost(this.weights.base) : null,
      optimizer: await this.optimizer.exportState(),
      data: { order: this.order.slice(), cursor: this.cursor, rng: this.dataRng.state },
    };
  }

  /** Continues from a snapshot of a run with the same settings; call after setData. */
  restore(snapshot: TrainerSnapshot): void {
    if (snapshot.data.order.some((i) => i >= this.train.length) || snapshot.data.cursor > snapshot.data.order.length) {
      throw new Error(`checkpoint: its data order does not fit the ${this.train.length} training pairs (was the dataset changed?)`);
    }
    assignWeights(this.policy, snapshot.policy, 'policy');
    if (this.reference && !this.weights.base) {
      if (!snapshot.reference) throw new Error('checkpoint: the run has a reference model but the checkpoint holds none');
      this.reference.load(snapshot.reference);
      this.cache = null;
    }
    this.optimizer.importState(snapshot.optimizer);
    this.order = snapshot.data.order.slice();
    this.cursor = snapshot.data.cursor;
    this.dataRng.state = snapshot.data.rng;
    this.step = snapshot.step;
  }

  /** Current policy weights, read back to the host: with LoRA, the base with the adapters merged in. */
  hostWeights(): Promise<HostWeights> {
    return this.weights.merged();
  }

  /** LoRA's adapters alone (PEFT export), or null for full fine-tuning. */
  adapterWeights(): Promise<HostWeights | null> {
    return this.weights.adapters();
  }

  /**
   * Runs `use` with weights to sample from: the policy (LoRA merged on the device for the
   * call) or the reference. The weights are only valid inside `use`.
   */
  async withSamplingWeights<T>(which: 'policy' | 'reference', use: (weights: NamedWeights) => Promise<T>): Promise<T> {
    if (which === 'reference') {
      if (!this.reference) throw new Error('this run has no reference model');
      return use(this.reference.weights);
    }
    return this.weights.withMerged(use);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.reference?.dispose();
    this.mask.dispose();
    this.weights.dispose();
  }
}
