import { asMessages, renderCompletion, renderPrompt, type Message } from './conversation';
import type { PreferencePair } from './preference-pairs';

/**
 * One row of TRL's unpaired preference format: a completion judged on its own, `label` true
 * when it is desirable (thumbs up). KTO trains on these.
 */
export interface UnpairedExample {
  prompt: string;
  completion: string;
  label: boolean;
  /** A conversational row's messages, kept for a model's chat template (the texts above are the plain rendering). */
  conversation?: { prompt: Message[]; completion: Message[] };
}

/** The columns an unpaired row is read from (TRL's names by default). */
export interface UnpairedColumns {
  prompt: string | null;
  completion: string;
  label: string;
}

export const DEFAULT_UNPAIRED_COLUMNS: UnpairedColumns = { prompt: 'prompt', completion: 'completion', label: 'label' };

type Problem = { field: string; message: string };

/**
 * A label as JSON, Parquet and CSV write it: true/false, 1/0, or those words as text (CSV has
 * no booleans). Anything else is refused rather than guessed.
 */
export function parseLabel(value: unknown, field: string): boolean | Problem {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0 || value === 1n || value === 0n) return value === 1 || value === 1n;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (word === 'true' || word === '1') return true;
    if (word === 'false' || word === '0') return false;
  }
  const shown = typeof value === 'string' ? `"${value}"` : value === undefined ? 'nothing' : String(value);
  return { field, message: `"${field}" must be true (desirable) or false (undesirable), got ${shown}` };
}

/** Whether a row without chosen/rejected looks like TRL's unpaired format. */
export function looksUnpaired(raw: Record<string, unknown>): boolean {
  return 'completion' in raw && !('chosen' in raw) && !('rejected' in raw);
}

/** One raw row to an unpaired example, or the field that makes it unusable. */
export function normalizeUnpaired(raw: Record<string, unknown>, columns: UnpairedColumns = DEFAULT_UNPAIRED_COLUMNS): { unpaired: UnpairedExample; conversational: boolean } | Problem {
  const completion = raw[columns.completion];
  if (completion === undefined || completion === null) return { field: columns.completion, message: `missing field "${columns.completion}"` };
  const label = parseLabel(raw[columns.label], columns.label);
  if (typeof label !== 'boolean') return label;
  const prompt = columns.prompt === null ? '' : raw[columns.prompt];
  if (Array.isArray(completion)) {
    const completionTurns = asMessages(completion, columns.completion);
    if (!Array.isArray(completionTurns)) return completionTurns;
    if (completionTurns.length === 0) return { field: columns.completion, message: `"${columns.completion}" has no messages` };
    let promptTurns: Message[] = [];
    if (typeof prompt === 'string') promptTurns = prompt === '' ? [] : [{ role: 'user', content: prompt }];
    else if (prompt !== undefined && prompt !== null) {
      const messages = asMessages(prompt, columns.prompt ?? 'prompt');
      if (!Array.isArray(messages)) return messages;
      promptTurns = messages;
    }
    return {
      conversational: true,
      unpaired: {
        prompt: renderPrompt(promptTurns),
        completion: renderCompletion(completionTurns),
        label,
        conversation: { prompt: promptTurns, completion: completionTurns },
      },
    };
  }
  if (typeof completion !== 'string') return { field: columns.completion, message: `"${columns.completion}" must be a string or a list of messages, got ${typeof completion}` };
  if (completion.length === 0) return { field: columns.completion, message: `"${columns.completion}" is empty` };
  if (prompt !== undefined && prompt !== null && typeof prompt !== 'string')
    return { field: columns.prompt ?? 'prompt', message: `"${columns.prompt}" must be a string or a list of messages, got ${typeof prompt}` };
  return { conversational: false, unpaired: { prompt: prompt ?? '', completion, label } };
}

/**
 * A paired dataset used as unpaired, as TRL's unpair_preference_dataset does: each pair gives
 * its chosen completion as desirable and its rejected one as undesirable, same prompt.
 */
export function unpairPairs(pairs: readonly PreferencePair[]): UnpairedExample[] {
  return pairs.flatMap((p): UnpairedExample[] => {
    const c = p.conversation;
    return [
      { prompt: p.prompt, completion: p.chosen, label: true, ...(c ? { conversation: { prompt: c.prompt, completion: c.chosen } } : {}) },
      { prompt: p.prompt, completion: p.rejected, label: false, ...(c ? { conversation: { prompt: c.prompt, completion: c.rejected } } : {}) },
    ];
  });
}

/** How an unpaired row is saved and exported: TRL's format, conversations as messages. */
export function unpairedRecord(u: UnpairedExample): Record<string, unknown> {
  return u.conversation ? { prompt: u.conversation.prompt, completion: u.conversation.completion, label: u.label } : { prompt: u.prompt, completion: u.completion, label: u.label };
}

/** A stored dataset row is either kind; unpaired ones carry a label. */
export function isUnpaired(row: PreferencePair | UnpairedExample): row is UnpairedExample {
  return 'label' in row && 'completion' in row;
}
