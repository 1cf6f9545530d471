import type { GptConfig } from '../../core/model/config';
import type { HostWeights } from '../../core/model/gpt-weights';
import { countParameters } from '../../core/model/causal-lm';
import { readGpt2Safetensors } from '../../core/io/hf-gpt2';
import { sentimentCorpus, sentimentPrompts, SENTIMENT_MODEL, SENTIMENT_SFT_SETTINGS } from '../../core/sentiment/demo-model';
import { runSentimentExperiment, trainSentimentSft } from '../../core/sentiment/experiment';
import { metricAt, metricRowCount } from '../../core/train/metric-names';
import type { Params, Result, WorkerEvent } from '../../protocol/messages';
import { CodedError } from '../errors';
import { TestHold } from './test-hold';

/** Samples per evaluation sent to the page (it shows a few beside the SFT model's). */
const SAMPLES_SHOWN = 6;

/**
 * The controlled-sentiment demo (DPO paper §6.1): holds the SFT model and runs stage 1
 * (retrain it) or stages 2-3 (pairs, then DPO per β) with progress events. It shares the
 * device with the studio, so each refuses to start while the other runs.
 */
export class SentimentDemo {
  private sft: { config: GptConfig; weights: HostWeights; source: string } | null = null;
  private running = false;
  private stopRequested = false;

  constructor(
    private readonly emit: (event: WorkerEvent) => void,
    private readonly studioBusy: () => void,
    /** The end-to-end tests' hold on each β's run (never holds otherwise). */
    private readonly hold = new TestHold(undefined),
  ) {}

  get isRunning(): boolean {
    return this.running;
  }

  load({ name, bytes }: Params<'sentimentLoad'>): Result<'sentimentLoad'> {
    this.assertIdle();
    try {
      const { config, weights } = readGpt2Safetensors(new Uint8Array(bytes));
      this.sft = { config, weights, source: name };
      return { parameters: countParameters(config), source: name };
    } catch (error) {
      throw new CodedError('bad-file', `${name}: ${(error as Error).message}`);
    }
  }

  async retrainSft({ steps }: Params<'sentimentSft'>): Promise<Result<'sentimentSft'>> {
    return this.exclusive(async () => {
      const settings = { ...SENTIMENT_SFT_SETTINGS, steps };
      let loss = NaN;
      const { weights, step } = await trainSentimentSft(SENTIMENT_MODEL, sentimentCorpus(), settings, {
        // Read what is needed before the rows are sent: sending transfers them.
        onMetrics: (firstStep, values) => {
          const rows = metricRowCount(values);
          loss = metricAt(values, rows - 1, 'loss');
          this.emit({ type: 'sentimentMetrics', phase: 'sft', beta: null, firstStep, values });
          this.emit({ type: 'sentimentProgress', phase: 'sft', done: firstStep + rows - 1, total: steps });
        },
        shouldStop: () => this.stopRequested,
      });
      // A stopped retraining keeps the model it had: half an SFT stage is not a demo start.
      if (this.stopRequested) return { step, loss, stopped: true };
      this.sft = { config: SENTIMENT_MODEL, weights, source: `retrained here (${step} steps)` };
      return { step, loss, stopped: false };
    });
  }

  async run({ settings }: Params<'sentimentRun'>): Promise<Result<'sentimentRun'>> {
    const sft = this.sft;
    if (!sft) throw new CodedError('protocol', 'load the SFT model first');
    return this.exclusive(async () => {
      const result = await runSentimentExperiment(sft.config, sft.weights, sentimentPrompts(), settings, {
        onSft: (reward, samples) => this.emit({ type: 'sentimentSft', reward, samples: samples.slice(0, SAMPLES_SHOWN) }),
        onPairs: (pairs) => this.emit({ type: 'sentimentPairs', pairs }),
        onPairsProgress: (done, total) => this.emit({ type: 'sentimentProgress', phase: 'pairs', done, total }),
        onMetrics: (beta, firstStep, values) => {
          const done = firstStep + metricRowCount(values) - 1;
          this.emit({ type: 'sentimentMetrics', phase: 'dpo', beta, firstStep, values });
          this.emit({ type: 'sentimentProgress', phase: 'dpo', beta, done, total: settings.steps });
        },
        onPoint: (beta, point, samples) => this.emit({ type: 'sentimentPoint', beta, point, samples: samples.slice(0, SAMPLES_SHOWN) }),
        onRunDone: ({ beta, diverged }) => {
          if (diverged) this.emit({ type: 'sentimentDiverged', beta, diverged });
        },
        shouldStop: () => this.stopRequested,
        holdBeforeStep: (nextStep) => this.hold.before(nextStep),
      });
      return { sftReward: result.sft.reward, pairs: result.pairs, runs: result.runs, stopped: result.stopped };
    });
  }

  stop(): Result<'sentimentStop'> {
    this.stopRequested = this.running;
    this.hold.release();
    return { stopping: this.running };
  }

  private async exclusive<T>(work: () => Promise<T>): Promise<T> {
    this.assertIdle();
    this.studioBusy();
    this.running = true;
    this.stopRequested = false;
    try {
      return await work();
    } finally {
      this.running = false;
    }
  }

  assertIdle(): void {
    if (this.running) throw new CodedError('busy', 'the sentiment demo is running; stop it first');
  }
}
