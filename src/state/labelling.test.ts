import { describe, expect, it } from 'vitest';
import { pairFromVerdict, verdictForKey } from './labelling';

describe('labelling', () => {
  it('the preferred response becomes chosen; ties and skips make no pair', () => {
    expect(pairFromVerdict('p', 'A', 'B', 'first')).toEqual({ prompt: 'p', chosen: 'A', rejected: 'B' });
    expect(pairFromVerdict('p', 'A', 'B', 'second')).toEqual({ prompt: 'p', chosen: 'B', rejected: 'A' });
    expect(pairFromVerdict('p', 'A', 'B', 'tie')).toBeNull();
    expect(pairFromVerdict('p', 'A', 'B', 'skip')).toBeNull();
  });

  it('maps 1, 2, t, s, u and ignores other keys', () => {
    expect(['1', '2', 't', 'S', 'u', 'x'].map(verdictForKey)).toEqual(['first', 'second', 'tie', 'skip', 'undo', null]);
  });
});
