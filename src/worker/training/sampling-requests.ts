import { sampleCompletions } from '../../core/model/sampling';
import { SeededRandom } from '../../core/random';
import { samplingPromptText } from '../../core/train/samples';
import type { Params, Result } from '../../protocol/messages';
import type { TrainingSession } from './training-session';

/** Completions of a typed prompt by the current policy (the run's weights, or the model's). */
export class SamplingRequests {
  constructor(
    private readonly session: TrainingSession,
    /** Throws while something else (the sentiment demo) holds the device. */
    private readonly deviceBusy: () => void,
  ) {}

  /** Two sampled completions (different draws of one seeded generator), to compare and label. */
  async sampleTwo({ prompt, options, seed }: Params<'sampleTwo'>): Promise<Result<'sampleTwo'>> {
    this.session.assertIdle();
    this.deviceBusy();
    const { tokenizer: tok, config } = this.session.model;
    return this.session.withPolicyWeights(async (weights) => {
      const ids = tok.encode(samplingPromptText(prompt, tok));
      const [a, b] = await sampleCompletions(weights, config, [ids, ids], options, new SeededRandom(seed), false, tok);
      return { completions: [tok.decode(a), tok.decode(b)] as [string, string] };
    });
  }

  /** The greedy completion. */
  async sample({ prompt, maxNewTokens }: Params<'sample'>): Promise<Result<'sample'>> {
    this.session.assertIdle();
    this.deviceBusy();
    const { tokenizer: tok, config } = this.session.model;
    return this.session.withPolicyWeights(async (weights) => {
      const greedy = { maxNewTokens, temperature: 0, topK: 0, topP: 1 };
      const [ids] = await sampleCompletions(weights, config, [tok.encode(samplingPromptText(prompt, tok))], greedy, new SeededRandom(0), false, tok);
      return { completion: tok.decode(ids) };
    });
  }
}
