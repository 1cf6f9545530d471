import { asMessages, renderCompletion, renderPrompt, sharedTurns, TURN_BOUNDARY, type Message } from './conversation';
import type { PreferencePair } from './preference-pairs';
import { looksUnpaired, normalizeUnpaired, type UnpairedExample } from './unpaired';

/** Which schema a row was read with (DPO_SPEC.md's "Dataset formats users bring"; TRL's unpaired format for KTO). */
export type RowSchema = 'standard' | 'implicit-prompt' | 'conversational' | 'unpaired' | 'conversational-unpaired';

export type NormalizedRow =
  | { pair: PreferencePair; schema: RowSchema }
  | { unpaired: UnpairedExample; schema: RowSchema }
  | { field: string; message: string };

/**
 * Implicit prompt (Anthropic HH-RLHF): both texts start with the same conversation; the
 * prompt is their longest common prefix cut back to the last "\n\nAssistant:" turn boundary.
 */
export function splitImplicitPrompt(chosen: string, rejected: string): PreferencePair {
  let common = 0;
  while (common < chosen.length && common < rejected.length && chosen[common] === rejected[common]) common++;
  const boundary = chosen.lastIndexOf(TURN_BOUNDARY, common - TURN_BOUNDARY.length);
  const cut = boundary >= 0 && boundary + TURN_BOUNDARY.length <= common ? boundary + TURN_BOUNDARY.length : 0;
  return { prompt: chosen.slice(0, cut), chosen: chosen.slice(cut), rejected: rejected.slice(cut) };
}

function conversational(row: Record<string, unknown>): NormalizedRow {
  const chosen = asMessages(row.chosen, 'chosen');
  if (!Array.isArray(chosen)) return chosen;
  const rejected = asMessages(row.rejected, 'rejected');
  if (!Array.isArray(rejected)) return rejected;
  let prompt: Message[] = [];
  if (typeof row.prompt === 'string') prompt = [{ role: 'user', content: row.prompt }];
  else if (row.prompt !== undefined && row.prompt !== null) {
    const messages = asMessages(row.prompt, 'prompt');
    if (!Array.isArray(messages)) return messages;
    prompt = messages;
  }
  // UltraFeedback-style rows repeat the user turn inside chosen and rejected: shared turns
  // are prompt, whatever else the row says.
  const shared = sharedTurns(chosen, rejected);
  if (shared > 0) prompt = chosen.slice(0, shared);
  const chosenTurns = chosen.slice(shared);
  const rejectedTurns = rejected.slice(shared);
  if (chosenTurns.length === 0) return { field: 'chosen', message: 'no turns after the shared prompt' };
  if (rejectedTurns.length === 0) return { field: 'rejected', message: 'no turns after the shared prompt' };
  return {
    schema: 'conversational',
    pair: {
      prompt: renderPrompt(prompt),
      chosen: renderCompletion(chosenTurns),
      rejected: renderCompletion(rejectedTurns),
      conversation: { prompt, chosen: chosenTurns, rejected: rejectedTurns },
    },
  };
}

/**
 * How a file's own columns map onto prompt/chosen/rejected: directly, or as two responses
 * plus a column saying which one is preferred.
 */
export type ColumnMapping =
  | { kind: 'columns'; prompt: string | null; chosen: string; rejected: string }
  | { kind: 'preference'; prompt: string | null; first: string; second: string; preference: string; firstWins: string; secondWins: string }
  | { kind: 'unpaired'; prompt: string | null; completion: string; label: string };

interface Columns {
  prompt: string;
  chosen: string;
  rejected: string;
}

/** A preference-column row as chosen/rejected, or the reason it cannot be. */
function resolvePreference(raw: Record<string, unknown>, m: Extract<ColumnMapping, { kind: 'preference' }>): { row: Record<string, unknown>; columns: Columns } | { field: string; message: string } {
  const verdict = String(raw[m.preference] ?? '').trim();
  const firstBetter = verdict === m.firstWins.trim();
  if (!firstBetter && verdict !== m.secondWins.trim()) {
    return { field: m.preference, message: `"${verdict}" is neither "${m.firstWins}" (${m.first} better) nor "${m.secondWins}" (${m.second} better)` };
  }
  const [chosen, rejected] = firstBetter ? [m.first, m.second] : [m.second, m.first];
  return { row: { prompt: m.prompt === null ? undefined : raw[m.prompt], chosen: raw[chosen], rejected: raw[rejected] }, columns: { prompt: m.prompt ?? 'prompt', chosen, rejected } };
}

/** One raw row (any schema) to a standard pair, or the field that makes it unusable. */
export function normalizeRow(value: unknown, mapping?: ColumnMapping): NormalizedRow {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { field: '(row)', message: 'expected an object with chosen and rejected' };
  const raw = value as Record<string, unknown>;
  if (mapping?.kind === 'unpaired' || (!mapping && looksUnpaired(raw))) {
    const result = normalizeUnpaired(raw, mapping?.kind === 'unpaired' ? mapping : undefined);
    if ('field' in result) return result;
    return { unpaired: result.unpaired, schema: result.conversational ? 'conversational-unpaired' : 'unpaired' };
  }
  let row: Record<string, unknown>;
  let columns: Columns = DEFAULT_COLUMNS;
  if (mapping?.kind === 'preference') {
    const resolved = resolvePreference(raw, mapping);
    if ('field' in resolved) return resolved;
    ({ row, columns } = resolved);
  } else {
    if (mapping) columns = { prompt: mapping.prompt ?? 'prompt', chosen: mapping.chosen, rejected: mapping.rejected };
    row = { prompt: mapping?.prompt === null ? undefined : raw[columns.prompt], chosen: raw[columns.chosen], rejected: raw[columns.rejected] };
  }
  for (const field of ['chosen', 'rejected'] as const) {
    if (row[field] === undefined || row[field] === null) return { field: columns[field], message: `missing field "${columns[field]}"` };
  }
  if (Array.isArray(row.chosen) || Array.isArray(row.rejected)) return conversational(row);
  for (const field of ['chosen', 'rejected'] as const) {
    if (typeof row[field] !== 'string') return { field: columns[field], message: `"${columns[field]}" must be a string or a list of messages, got ${typeof row[field]}` };
  }
  const chosen = row.chosen as string;
  const rejected = row.rejected as string;
  let pair: PreferencePair;
  let schema: RowSchema;
  if (row.prompt === undefined || row.prompt === null) {
    pair = splitImplicitPrompt(chosen, rejected);
    schema = 'implicit-prompt';
  } else if (typeof row.prompt === 'string') {
    pair = { prompt: row.prompt, chosen, rejected };
    schema = 'standard';
  } else {
    return { field: columns.prompt, message: `"${columns.prompt}" must be a string or a list of messages, got ${typeof row.prompt}` };
  }
  for (const field of ['chosen', 'rejected'] as const) if (pair[field].length === 0) return { field: columns[field], message: `"${columns[field]}" is empty` };
  return { pair, schema };
}

const DEFAULT_COLUMNS: Columns = { prompt: 'prompt', chosen: 'chosen', rejected: 'rejected' };
