/**
 * The "Continue in TRL" dataset files: TRL's standard preference rows for DPOTrainer and its
 * unpaired rows for KTOTrainer. Conversational rows stay conversations, so TRL applies the
 * model's chat template to them as the browser run did.
 */
import type { Message } from '../data/conversation';
import type { PreferencePair } from '../data/preference-pairs';

/** One unpaired (KTO) row in TRL's schema: a completion and whether it is desirable (the data module's UnpairedExample). */
export interface UnpairedRow {
  prompt: string;
  completion: string;
  label: boolean;
  /** A conversational row's messages (the texts above are the built-in model's plain rendering). */
  conversation?: { prompt: Message[]; completion: Message[] };
}

/** One {"prompt", "chosen", "rejected"} object per line. */
export function preferenceJsonl(pairs: readonly PreferencePair[]): string {
  return pairs.map(({ prompt, chosen, rejected, conversation }) => JSON.stringify(conversation ?? { prompt, chosen, rejected }) + '\n').join('');
}

/** One {"prompt", "completion", "label"} object per line; refuses a row whose label is not a boolean. */
export function unpairedJsonl(rows: readonly UnpairedRow[]): string {
  return rows
    .map((row, i) => {
      if (typeof row.label !== 'boolean') throw new Error(`unpaired row ${i + 1}: label must be true or false, got ${JSON.stringify(row.label)}`);
      const { prompt, completion } = row.conversation ?? row;
      return JSON.stringify({ prompt, completion, label: row.label }) + '\n';
    })
    .join('');
}

// Pairs become unpaired rows through the data module's unpairPairs (chosen: true, rejected: false, as TRL's
// unpair_preference_dataset labels them), the same helper the KTO trainer uses.
export { unpairPairs } from '../data/unpaired';
