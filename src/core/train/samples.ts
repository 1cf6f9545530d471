import { renderedTexts } from '../dpo/batch';
import type { PreferencePair } from '../data/preference-pairs';
import { sampleCompletions, type SamplingOptions } from '../model/sampling';
import { SeededRandom } from '../random';
import type { TextTokenizer } from '../tokenizer/tokenizer';
import type { Trainer } from './trainer';

/**
 * The text a prompt is sampled from: a dataset pair's prompt as training sees it (a
 * conversation through the model's chat template, with the generation prompt), or a typed
 * prompt as one user turn of that template. Without a chat template, the text itself.
 */
export function samplingPromptText(prompt: PreferencePair | string, tokenizer: TextTokenizer): string {
  if (typeof prompt !== 'string') return renderedTexts(prompt, tokenizer).prompt;
  return tokenizer.renderGenerationPrompt ? tokenizer.renderGenerationPrompt([{ role: 'user', content: prompt }]) : prompt;
}

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
  prompts: readonly (PreferencePair | string)[],
  options: SamplingOptions,
  seed: number,
  step: number,
): Promise<SampleRow[]> {
  const tokenizer = trainer.tokenizer;
  const ids = prompts.map((p) => tokenizer.encode(samplingPromptText(p, tokenizer)));
  const generate = (which: 'policy' | 'reference') =>
    trainer.withSamplingWeights(which, async (weights) =>
      (await sampleCompletions(weights, trainer.config, ids, options, new SeededRandom(seed + step), false, tokenizer)).map((c) =>
        tokenizer.decode(c),
      ),
    );
  const policy = await generate('policy');
  const reference = trainer.reference ? await generate('reference') : null;
  return prompts.map((p, i) => ({ prompt: typeof p === 'string' ? p : p.prompt, policy: policy[i], reference: reference ? reference[i] : null }));
}
