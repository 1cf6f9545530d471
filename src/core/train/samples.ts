import { sampleCompletions, type SamplingOptions } from '../model/sampling';
import { SeededRandom } from '../random';
import type { Trainer } from './trainer';

/** Completions for one prompt, from the policy and (when there is one) the reference. */
export interface SampleRow {
  prompt: string;
  policy: string;
  reference: string | null;
}

/**
 * The policy's completions beside the reference's for the same prompts, seeded by
 * (seed, step) so a rerun shows the same text.
 */
export async function samplePolicyAndReference(
  trainer: Trainer,
  prompts: string[],
  options: SamplingOptions,
  seed: number,
  step: number,
): Promise<SampleRow[]> {
  const tokenizer = trainer.tokenizer;
  const ids = prompts.map((p) => tokenizer.encode(p));
  const generate = (which: 'policy' | 'reference') =>
    trainer.withSamplingWeights(which, async (weights) =>
      (await sampleCompletions(weights, trainer.config, ids, options, new SeededRandom(seed + step), false, tokenizer)).map((c) =>
        tokenizer.decode(c),
      ),
    );
  const policy = await generate('policy');
  const reference = trainer.reference ? await generate('reference') : null;
  return prompts.map((prompt, i) => ({ prompt, policy: policy[i], reference: reference ? reference[i] : null }));
}
