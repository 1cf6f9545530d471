import { describe, expect, it } from 'vitest';
import { datasetStats } from './dataset-stats';
import { tokenizePair } from '../dpo/batch';

describe('datasetStats', () => {
  const pairs = [
    { prompt: 'abc', chosen: 'x', rejected: 'yy' },
    { prompt: 'a'.repeat(20), chosen: 'x'.repeat(40), rejected: 'z' },
    { prompt: 'abc', chosen: 'x', rejected: 'yy' },
    { prompt: 'é', chosen: 'same', rejected: 'same' },
    { prompt: 'p'.repeat(40), chosen: 'a', rejected: 'b' },
  ];
  it('counts lengths in byte tokens, truncation at the limits, duplicates and identical pairs', () => {
    const stats = datasetStats(pairs, 32, 16);
    expect(stats.histograms.prompt.counts.slice(0, 4)).toEqual([3, 0, 1, 1]); // 3, 3, 2 bytes ≤ 8; 20 in (16, 32]; 40 in (32, 64]
    expect(stats.promptsDropped).toBe(1);
    expect(stats.histograms.chosen.counts[0]).toBe(4);
    expect(stats.promptsTruncated).toBe(1);
    expect(stats.completionsTruncated).toBe(1);
    expect(stats.duplicates).toBe(1);
    expect(stats.identical).toBe(1);
  });

  it('agrees with what training actually truncates', () => {
    const limits = { maxLength: 32, maxPromptLength: 16 };
    const kept = pairs.filter((p) => tokenizePair(p, limits) !== null);
    expect(pairs.length - kept.length).toBe(datasetStats(pairs, 32, 16).promptsDropped);
    const cut = kept.filter((p) => {
      const t = tokenizePair(p, limits)!;
      return t.chosen.length < new TextEncoder().encode(p.chosen).length + 1 || t.rejected.length < new TextEncoder().encode(p.rejected).length + 1;
    });
    expect(datasetStats(pairs, 32, 16).completionsTruncated).toBe(cut.length);
  });
});
