import type { PreferencePair } from '../core/data/preference-pairs';

/** What the labeller said about two responses to one prompt. */
export type Verdict = 'first' | 'second' | 'tie' | 'skip';

/** The pair a verdict makes: the better response is chosen; a tie or skip makes none. */
export function pairFromVerdict(prompt: string, first: string, second: string, verdict: Verdict): PreferencePair | null {
  if (verdict === 'first') return { prompt, chosen: first, rejected: second };
  if (verdict === 'second') return { prompt, chosen: second, rejected: first };
  return null;
}

/** Keyboard shortcuts of the compare view. */
export function verdictForKey(key: string): Verdict | 'undo' | null {
  switch (key.toLowerCase()) {
    case '1':
      return 'first';
    case '2':
      return 'second';
    case 't':
      return 'tie';
    case 's':
      return 'skip';
    case 'u':
      return 'undo';
    default:
      return null;
  }
}
