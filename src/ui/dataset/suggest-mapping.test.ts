import { describe, expect, it } from 'vitest';
import { suggestMapping } from './suggest-mapping';

describe('suggestMapping', () => {
  it('recognises StackExchange and preference-column layouts', () => {
    expect(suggestMapping(['qid', 'question', 'response_j', 'response_k'])).toEqual({ kind: 'columns', prompt: 'question', chosen: 'response_j', rejected: 'response_k' });
    expect(suggestMapping(['instruction', 'output_1', 'output_2', 'preference'])).toMatchObject({ kind: 'preference', prompt: 'instruction', first: 'output_1', second: 'output_2', preference: 'preference' });
  });
});
