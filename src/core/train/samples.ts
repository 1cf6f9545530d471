import { sampleCompletions, type SamplingOptions } from '../model/sampling';
import type { NamedWeights } from '../model/gpt';
import { SeededRandom } from '../random';
import { decodeIds, encodeText } from '../tokenizer/byte-tokenizer';
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
  const ids = prompts.map(encodeText);
  const generate = async (weights: NamedWeights) =>
    (await sampleCompletions(weights, trainer.config, ids, options, new SeededRandom(seed + step))).map(decodeIds);
  const policy = await generate(trainer.policy);
  const reference = trainer.reference ? await generate(trainer.reference.weights) : null;
  return prompts.map((prompt, i) => ({ prompt, policy: policy[i], reference: reference ? reference[i] : null }));
}
