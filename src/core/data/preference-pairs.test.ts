import { describe, expect, it } from 'vitest';
import { parsePreferenceJsonl } from './preference-pairs';

describe('parsePreferenceJsonl', () => {
  it('keeps good rows and names the line and field of each bad one', () => {
    const text = [
      '{"prompt":"a","chosen":"b","rejected":"c"}',
      '',
      '{"prompt":"a","chosen":"b"}',
      'not json',
      '{"prompt":"a","chosen":3,"rejected":"c"}',
      '[1,2]',
      '{"prompt":"","chosen":"x","rejected":"y","extra":1}',
    ].join('\n');
    const parsed = parsePreferenceJsonl(text);
    expect(parsed.rows).toBe(6);
    expect(parsed.pairs).toEqual([
      { prompt: 'a', chosen: 'b', rejected: 'c' },
      { prompt: '', chosen: 'x', rejected: 'y' },
    ]);
    expect(parsed.problems.map((p) => [p.line, p.field])).toEqual([
      [3, 'rejected'],
      [4, '(row)'],
      [5, 'chosen'],
      [6, '(row)'],
    ]);
    expect(parsed.problems[0].message).toContain('missing');
  });
});
