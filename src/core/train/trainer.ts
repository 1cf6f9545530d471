import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../model/causal-lm';
import { causalMask, type ForwardOptions, type NamedWeights } from '../model/forward-options';
import type { HostWeights } from '../model/gpt-weights';
import { loraForModel } from '../model/lora';
import { readHost, TrainableWeights } from './trainable-weights';
import { tokenScales } from './token-scales';
import { BYTE_TOKENIZER, type TextTokenizer } from '../tokenizer/tokenizer';
import type { DataSplit } from './data-split';
import { DEFAULT_OPTIMIZER_OPTIONS, globalNorm, Optimizer } from './optimizers';
import { assignWeights, type TrainerSnapshot } from './trainer-snapshot';

export type { TrainerSnapshot } from './trainer-snapshot';
import { batchLogProbs, uploadBatch, type TokenScales } from './dpo-step';
import { ldAlphaOf } from './step-inputs';
import { ReferenceModel } from './reference-model';
import { RunReference } from './run-reference';
import { TrainingData, type IndexedBatch, type Split } from './training-data';
import { learningRateMultiplier } from './schedule';
import { SettingsError, type DpoSettings } from './settings';
import { validateSettings } from './validate-settings';
import { FORWARD_METRIC_NAMES, METRIC_NAMES } from './metric-names';
import { stepForward, stepInputs, type StepContext } from './step-inputs';

export type { IndexedBatch } from './training-data';

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

/** Metrics summed over batches, divided per metric by how many batches define it (KTO's label metrics). */
function meanByPresence(sum: tf.Tensor, weights: Float32Array): tf.Tensor1D {
  return tf.div(sum, tf.tensor1d(weights)) as tf.Tensor1D;
}

/** The settings with LoRA's 'all-linear' as the family's module names, so checkpoints and exports list them. */
function forModel(settings: DpoSettings, config: ModelConfig): DpoSettings {
  return settings.lora ? { ...settings, lora: loraForModel(settings.lora, config) } : settings;
}

/**
 * One training run (an SFT, DPO or KTO stage): the trainable policy, the frozen reference, the
 * optimizer, the schedule and the data order. Steps return their metric vector still on the
 * device; callers read metrics back in batches (DeviceMetricsBuffer). With LoRA, see
 * TrainableWeights: only adapters train and the reference is the frozen base itself.
 */
export class Trainer {
  private readonly weights: TrainableWeights;
  private readonly checkpointBase: boolean;
  readonly tokenizer: TextTokenizer;
  private readonly references: RunReference;
  private readonly optimizer: Optimizer;
  private settings: DpoSettings;
  private mask: tf.Tensor2D;
  private readonly pairs: TrainingData;
  /** Optimizer steps taken in this run. */
  step = 0;

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
    const frozenReference = settings.stage !== 'sft' && settings.reference === 'frozen';
    this.optimizer = new Optimizer(settings.optimizer, this.policy, { ...DEFAULT_OPTIMIZER_OPTIONS, weightDecay: settings.weightDecay });
    this.mask = causalMask(settings.maxLength);
    this.pairs = new TrainingData(settings.seed, settings.stage);
    this.references = new RunReference(frozenReference ? new ReferenceModel(config, this.weights.base ?? initial) : null, this.pairs);
  }

  /** The frozen (or TR-DPO-synced) reference model; null reference-free and for SFT. */
  get reference(): ReferenceModel | null {
    return this.references.model;
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

  /** Training pairs, or a KTO stage's unpaired training rows. */
  get trainPairCount(): number {
    return this.pairs.trainCount;
  }

  /** Rows dropped because their prompt alone fills the max length. */
  get droppedRows(): number {
    return this.pairs.dropped;
  }

  /** The split set by setData (null before it). */
  get data(): DataSplit | null {
    return this.pairs.source;
  }

  get evalPairCount(): number {
    return this.pairs.evalCount;
  }

  /** Whether the run caches reference log-probs per row (filled as steps first visit rows). */
  get cachesReference(): boolean {
    return this.references.cachesFor(this.settings) !== null;
  }

  /**
   * Tokenizes the split with the current length limits and validates the settings against
   * it. The data order and reference cache restart only when the data or lengths changed.
   */
  setData(split: DataSplit): void {
    if (this.pairs.set(split, this.settings, this.tokenizer)) this.references.reset();
    if (this.trainPairCount === 0 && this.droppedRows > 0) {
      throw new SettingsError(
        'maxLength',
        `maxLength: every prompt alone fills ${this.settings.maxLength} tokens, so no pair is left to train on; raise max length`,
      );
    }
    validateSettings(this.settings, this.config, this.trainPairCount);
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
    if (settings.ldAlpha !== this.settings.ldAlpha) this.references.reset();
    this.settings = forModel(settings, this.config);
  }

  /**
   * Computes every row's reference log-probs now, in dataset order. A run never needs this —
   * steps and evaluation fill the cache as they visit rows — it is the eager way, kept for
   * comparing the two.
   */
  prepare(onProgress?: (done: number, total: number) => void): Promise<void> {
    return this.references.fill(this.settings, this.mask, this.tokenizer.padId, onProgress);
  }

  /** Waits until the reference log-probs computed so far are in the cache (tests, benchmarks). */
  referenceCached(): Promise<{ rows: number; of: number }> {
    return this.references.cached(this.settings);
  }

  /** The next B training rows in a seeded per-epoch shuffle. */
  nextBatch(): IndexedBatch {
    return this.collate(this.pairs.next(this.settings.batchSize), 'train');
  }

  private collate(indices: number[], split: Split): IndexedBatch {
    return this.pairs.collate(indices, split, this.settings.maxLength, this.tokenizer.padId);
  }

  /** What a step's forwards read, with the policy forward's `options`. */
  private context(options?: ForwardOptions): StepContext {
    return { weights: this.policyWeights, config: this.config, options, references: this.references, mask: this.mask, settings: this.settings };
  }

  /**
   * Loss gradients keyed by parameter name, and the forward's metrics. Call inside a tidy;
   * the metrics tensor is kept past it (it comes from inside variableGrads' own scope), so
   * the caller disposes it.
   */
  private lossGradients(batch: IndexedBatch, scales?: TokenScales, micro = 0, record = true): { grads: tf.NamedTensorMap; metrics: tf.Tensor1D; presence: Float32Array } {
    let metrics: tf.Tensor1D | undefined;
    let presence: Float32Array | undefined;
    const ctx = this.context(this.forwardOptions(micro));
    // The reference forwards (and KTO's KL rows under the policy) run before the tape starts: they need no gradient.
    const inputs = stepInputs(ctx, batch, 'train', record);
    const { value, grads } = tf.variableGrads(() => {
      const out = stepForward(ctx, inputs, scales);
      metrics = tf.keep(out.metrics);
      presence = out.presence;
      return out.loss;
    });
    value.dispose();
    return {
      grads: Object.fromEntries(Object.entries(this.policy).map(([name, v]) => [name, grads[v.name]])),
      metrics: metrics!,
      presence: presence ?? new Float32Array(FORWARD_METRIC_NAMES.length).fill(1),
    };
  }

  /**
   * Forward and backward of the first training batch with no update and no change to the
   * data order: the same kernels and shapes as a step, for compiling shaders ahead of it.
   * Nothing it computes is cached (in compile-only mode its tensors hold no data).
   */
  rehearseStep(): void {
    const indices = Array.from({ length: Math.min(this.settings.batchSize, this.trainPairCount) }, (_, i) => i);
    const batch = this.collate(indices, 'train');
    tf.tidy(() => this.lossGradients(batch, undefined, 0, false).metrics.dispose());
  }

  /** Learning rate for the next optimizer step, after warm-up and decay. */
  get learningRate(): number {
    const { learningRate, scheduler, warmupSteps, steps } = this.settings;
    return learningRate * learningRateMultiplier(scheduler, this.step, warmupSteps, steps);
  }

  /**
   * One optimizer step over `gradientAccumulationSteps` micro-batches: losses, gradients
   * and metrics are averaged exactly as one batch of B × M pairs would average them. (KTO's
   * are averaged per micro-batch, as TRL logs them: each estimates its own z₀.)
   * @returns metric vector [METRIC_COUNT], owned by the caller
   */
  trainStep(batches: IndexedBatch[] = this.nextBatches()): { metrics: tf.Tensor1D; tokenCount: number } {
    const micro = batches.length;
    const learningRate = this.learningRate;
    const scales = tokenScales(
      batches.map((b) => b.batch),
      this.settings.stage !== 'dpo',
    );
    const kept: tf.Tensor[] = [];
    const metrics = tf.tidy(() => {
      let gradSum: tf.NamedTensorMap | null = null;
      let metricSum: tf.Tensor | null = null;
      const presence = new Float32Array(FORWARD_METRIC_NAMES.length);
      batches.forEach((batch, m) => {
        const { grads, metrics: microMetrics, presence: defined } = this.lossGradients(batch, scales[m], m);
        defined.forEach((p, i) => (presence[i] += p));
        kept.push(microMetrics);
        gradSum = gradSum ? Object.fromEntries(Object.entries(gradSum).map(([k, g]) => [k, tf.add(g, grads[k])])) : grads;
        metricSum = metricSum ? tf.add(metricSum, microMetrics) : microMetrics;
      });
      const grads = Object.fromEntries(Object.entries(gradSum!).map(([name, g]) => [name, tf.div(g, micro)]));
      const mean = meanByPresence(metricSum!, presence);
      const guard = this.settings.skipNonFinite ? (tf.reshape(tf.slice(mean, [LOSS_INDEX], [1]), []) as tf.Scalar) : undefined;
      const gradNorm = this.optimizer.apply(grads, learningRate, this.settings.maxGradNorm, guard);
      return tf.concat([mean, tf.reshape(gradNorm, [1]), tf.tensor1d([learningRate])]) as tf.Tensor1D;
    });
    tf.dispose(kept);
    this.step++;
    const { referenceSyncSteps, referenceSyncAlpha } = this.settings;
    if (this.reference && referenceSyncSteps > 0 && this.step % referenceSyncSteps === 0) {
      this.reference.syncFrom(this.policy, referenceSyncAlpha);
      this.references.reset(); // its rows were the old reference's, should the settings cache again
    }
    return { metrics, tokenCount: batches.reduce((sum, b) => sum + b.batch.tokenCount, 0) };
  }

  /** The micro-batches of the next optimizer step. */
  nextBatches(): IndexedBatch[] {
    return Array.from({ length: this.settings.gradientAccumulationSteps }, () => this.nextBatch());
  }

  /** Policy and reference log-probs of each row of a batch as the loss sees them (LD-weighted with ld_alpha), read back (for inspection, not the loop). */
  async inspectBatch(batch: IndexedBatch): Promise<{ policy: Float32Array; reference: Float32Array }> {
    if (batch.kto) throw new SettingsError('stage', 'stage: dumping batches is for SFT and DPO pairs, not KTO rows');
    const [policy, reference] = tf.tidy(() => {
      const device = uploadBatch(batch.batch, ldAlphaOf(this.settings));
      return [
        batchLogProbs(this.policyWeights, this.config, device, this.mask, this.weights.inferenceOptions()),
        this.references.logProbs('train', batch.indices, device, this.mask, this.settings),
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
      const { grads, metrics, presence } = this.lossGradients(batch);
      kept = metrics;
      return tf.concat([meanByPresence(metrics, presence), tf.reshape(globalNorm(Object.values(grads)), [1]), tf.tensor1d([this.learningRate])]) as tf.Tensor1D;
    });
    kept?.dispose();
    return row;
  }

  /**
   * Mean metrics over the held-out rows (FORWARD_METRIC_NAMES, the `eval_` metrics), weighted
   * by batch size (a metric only over the batches that define it), or null without them.
   */
  async evaluate(): Promise<Float32Array | null> {
    const rows = this.evalPairCount;
    if (rows === 0) return null;
    const { batchSize } = this.settings;
    const ctx = this.context(this.weights.inferenceOptions());
    const sum = tf.tidy(() => {
      let total: tf.Tensor | null = null;
      const weights = new Float32Array(FORWARD_METRIC_NAMES.length);
      for (let start = 0; start < rows; start += batchSize) {
        const indices = Array.from({ length: Math.min(batchSize, rows - start) }, (_, i) => start + i);
        const out = stepForward(ctx, stepInputs(ctx, this.collate(indices, 'eval'), 'eval'));
        const weight = Float32Array.from(out.presence ?? weights.map(() => 1), (p) => p * indices.length);
        weight.forEach((w, i) => (weights[i] += w));
        const weighted = tf.mul(out.metrics, tf.tensor1d(weight));
        total = total ? tf.add(total, weighted) : weighted;
      }
      return meanByPresence(total!, weights);
    });
    const values = (await sum.data()) as Float32Array;
    sum.dispose();
    return values;
  }

  /**
   * Everything a resumed run needs to continue exactly: policy, reference (TR-DPO moves it),
   * optimizer moments, step and the data order with its generator state. The reference
   * cache is not saved: it is a pure function of the reference and the row, so a resumed run
   * computes again, on their next visit, the rows it held (at most one epoch of reference
   * forwards) — the checkpoint stays independent of tokenization and of cache settings.
   */
  async snapshot(): Promise<TrainerSnapshot> {
    return {
      step: this.step,
      policy: await readHost(this.policy),
      // LoRA: the base is the reference and never moves; it is saved once as `base`.
      reference: this.reference && !this.weights.base ? await readHost(this.reference.weights) : null,
      base: this.weights.base && this.checkpointBase ? await readHost(this.weights.base) : null,
      optimizer: await this.optimizer.exportState(),
      data: this.pairs.snapshot(),
    };
  }

  /** Continues from a snapshot of a run with the same settings; call after setData. */
  restore(snapshot: TrainerSnapshot): void {
    this.pairs.restore(snapshot.data);
    assignWeights(this.policy, snapshot.policy, 'policy');
    if (this.reference && !this.weights.base) {
      if (!snapshot.reference) throw new Error('checkpoint: the run has a reference model but the checkpoint holds none');
      this.reference.load(snapshot.reference);
      this.references.reset();
    }
    this.optimizer.importState(snapshot.optimizer);
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
