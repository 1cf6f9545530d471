import { renderedTexts } from '../dpo/batch';
import type { PreferencePair } from '../data/preference-pairs';
import { sampleCompletions, type SamplingOptions } from '../model/sampling';
import { SeededRandom } from '../random';
import type { TextTokenizer } from '../tokenizer/tokenizer';
import type { Trainer } from './trainer';
import type { DataSplit } from './data-split';

/** How many prompts a run samples at each sampling step. */
const SAMPLED_PROMPTS = 3;

/** The prompts a run samples: the first few held-out pairs, or training pairs without a held-out split. */
export function samplingPrompts(split: DataSplit): PreferencePair[] {
  return (split.eval.length > 0 ? split.eval : split.train).slice(0, SAMPLED_PROMPTS);
}

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
