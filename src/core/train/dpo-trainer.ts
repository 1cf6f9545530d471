import * as tf from '@tensorflow/tfjs-core';
import type { GptConfig } from '../model/config';
import { causalMask, type NamedWeights } from '../model/gpt';
import type { HostWeights } from '../model/gpt-weights';
import { collateDpoBatch, tokenizeDataset, type DpoBatch, type TokenizedPair } from '../dpo/batch';
import type { PreferencePair } from '../data/preference-pairs';
import { SeededRandom } from '../random';
import { AdamW, globalNorm } from './adamw';
import { batchLogProbs, dpoForward, uploadBatch } from './dpo-step';
import { validateSettings, type DpoSettings } from './settings';

/**
 * A DPO run: the trainable policy, its frozen reference (a copy of the starting weights),
 * the optimizer and the data order. Each step returns its metric vector still on the
 * device; the caller reads metrics back in batches (DeviceMetricsBuffer).
 */
export class DpoTrainer {
  readonly policy: Record<string, tf.Variable>;
  private readonly reference: NamedWeights;
  private readonly optimizer: AdamW;
  private settings: DpoSettings;
  private mask: tf.Tensor2D;
  private pairs: TokenizedPair[] = [];
  private source: readonly PreferencePair[] | null = null;
  private tokenizedWith = '';
  private order: number[] = [];
  private cursor = 0;
  private readonly dataRng: SeededRandom;
  /** Optimizer steps taken so far in this run. */
  step = 0;
  droppedRows = 0;

  constructor(
    readonly config: GptConfig,
    initial: HostWeights,
    settings: DpoSettings,
  ) {
    this.settings = settings;
    this.policy = {};
    this.reference = {};
    for (const [name, { shape, data }] of initial) {
      // tidy frees the temporary tensor; variables outlive it.
      this.policy[name] = tf.tidy(() => tf.variable(tf.tensor(data, shape), true));
      this.reference[name] = tf.tensor(data, shape);
    }
    this.optimizer = new AdamW(this.policy);
    this.mask = causalMask(settings.maxLength);
    this.dataRng = new SeededRandom(settings.seed ^ 0x5eed);
  }

  get currentSettings(): DpoSettings {
    return this.settings;
  }

  get pairCount(): number {
    return this.pairs.length;
  }

  /**
   * Tokenizes the dataset with the current length limits and validates the settings
   * against it. The data order restarts only when the data or the lengths changed.
   */
  setDataset(pairs: readonly PreferencePair[]): void {
    const limits = `${this.settings.maxLength}/${this.settings.maxPromptLength}`;
    if (pairs !== this.source || limits !== this.tokenizedWith) {
      const tokenized = tokenizeDataset(pairs, this.settings);
      this.pairs = tokenized.pairs;
      this.droppedRows = tokenized.dropped;
      this.source = pairs;
      this.tokenizedWith = limits;
      this.order = [];
      this.cursor = 0;
    }
    validateSettings(this.settings, this.config, this.pairs.length);
  }

  /** New settings between steps (β, learning rate, batch, lengths); call setDataset after. */
  updateSettings(settings: DpoSettings): void {
    validateSettings(settings, this.config);
    if (settings.maxLength !== this.settings.maxLength) {
      this.mask.dispose();
      this.mask = causalMask(settings.maxLength);
    }
    this.settings = settings;
  }

  /** The next B pairs in a seeded per-epoch shuffle. */
  nextBatch(): DpoBatch {
    const picked: TokenizedPair[] = [];
    while (picked.length < this.settings.batchSize) {
      if (this.cursor >= this.order.length) {
        this.order = this.dataRng.shuffled(this.pairs.map((_, i) => i));
        this.cursor = 0;
      }
      picked.push(this.pairs[this.order[this.cursor++]]);
    }
    return collateDpoBatch(picked, this.settings.maxLength);
  }

  /**
   * Forward, backward and AdamW update on `batch`; with `update: false` the weights are
   * left alone (the step-0 metrics).
   * @returns metric vector [METRIC_COUNT], owned by the caller
   */
  runStep(batch: DpoBatch, update = true): tf.Tensor1D {
    const { beta, learningRate, maxGradNorm } = this.settings;
    let forwardMetrics: tf.Tensor1D | undefined;
    const result = tf.tidy(() => {
      const device = uploadBatch(batch);
      const referenceLogProbs = batchLogProbs(this.reference, this.config, device, this.mask);
      const { value, grads: byVariableName } = tf.variableGrads(() => {
        const out = dpoForward(this.policy, this.config, device, referenceLogProbs, this.mask, beta);
        forwardMetrics = tf.keep(out.metrics);
        return out.loss;
      });
      value.dispose();
      const grads = this.byParameterName(byVariableName);
      const gradNorm = update ? this.optimizer.apply(grads, learningRate, maxGradNorm) : globalNorm(Object.values(grads));
      return tf.concat([forwardMetrics!, tf.reshape(gradNorm, [1]), tf.tensor1d([learningRate])]) as tf.Tensor1D;
    });
    forwardMetrics?.dispose();
    if (update) this.step++;
    return result;
  }

  /** variableGrads keys gradients by TF.js's variable names; the optimizer wants ours. */
  private byParameterName(grads: tf.NamedTensorMap): tf.NamedTensorMap {
    return Object.fromEntries(Object.entries(this.policy).map(([name, variable]) => [name, grads[variable.name]]));
  }

  /** One training step on the next batch. */
  trainStep(): { metrics: tf.Tensor1D; tokenCount: number } {
    const batch = this.nextBatch();
    return { metrics: this.runStep(batch), tokenCount: batch.tokenCount };
  }

  /** Current policy weights, read back to the host. */
  async hostWeights(): Promise<HostWeights> {
    const out: HostWeights = new Map();
    for (const [name, variable] of Object.entries(this.policy)) {
      out.set(name, { shape: variable.shape.slice(), data: (await variable.data()) as Float32Array });
    }
    return out;
  }

  dispose(): void {
    this.optimizer.dispose();
    this.mask.dispose();
    tf.dispose([...Object.values(this.policy), ...Object.values(this.reference)]);
  }
}
