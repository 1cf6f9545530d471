import type { ColumnMapping } from '../../core/data/normalize-row';

const PROMPT_NAMES = ['prompt', 'question', 'instruction', 'input', 'query', 'context', 'history'];
const CHOSEN_NAMES = ['chosen', 'response_j', 'better', 'preferred', 'good', 'accepted', 'winner'];
const REJECTED_NAMES = ['rejected', 'response_k', 'worse', 'dispreferred', 'bad', 'loser'];
const FIRST_NAMES = ['output_1', 'response_a', 'response_1', 'completion_a', 'answer_1', 'output_a'];
const SECOND_NAMES = ['output_2', 'response_b', 'response_2', 'completion_b', 'answer_2', 'output_b'];
const PREFERENCE_NAMES = ['preference', 'label', 'choice', 'winner', 'preferred', 'better'];

function find(columns: string[], names: string[], fallback: string | null): string | null {
  const lower = columns.map((c) => c.toLowerCase());
  for (const name of names) {
    const i = lower.indexOf(name);
    if (i >= 0) return columns[i];
  }
  return fallback;
}

/** A first guess from common column names (StackExchange, AlpacaFarm-style, …); the user confirms it. */
export function suggestMapping(columns: string[]): ColumnMapping {
  const first = find(columns, FIRST_NAMES, null);
  const second = find(columns, SECOND_NAMES, null);
  const preference = find(columns, PREFERENCE_NAMES, null);
  const prompt = find(columns, PROMPT_NAMES, null);
  if (first && second && preference) return { kind: 'preference', prompt, first, second, preference, firstWins: '1', secondWins: '2' };
  return { kind: 'columns', prompt, chosen: find(columns, CHOSEN_NAMES, columns[0]) ?? '', rejected: find(columns, REJECTED_NAMES, columns[1] ?? columns[0]) ?? '' };
}
