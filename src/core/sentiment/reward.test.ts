import { describe, expect, it } from 'vitest';
import { sentimentReward, sentimentScore } from './reward';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('the ground-truth sentiment reward', () => {
  // Valences below are AFINN-165's published values, written out by hand.
  it('sums AFINN-165 valences of the words', () => {
    expect(sentimentScore('the acting was great')).toBe(3);
    expect(sentimentScore('Great, but BORING.')).toBe(0); // 3 − 3, case-insensitive
    expect(sentimentScore('superb! i loved it')).toBe(8); // 5 + 3
    expect(sentimentScore('the camera work was slow')).toBe(0); // no lexicon words
  });

  it('flips the word after a negator', () => {
    expect(sentimentScore('it was not good')).toBe(-3);
    expect(sentimentScore("i didn't hate it")).toBe(3);
    expect(sentimentScore('not the good part')).toBe(3); // only the very next word
    expect(sentimentScore(' bad. the end', 'the story was not')).toBe(3); // a negator ending the prompt
    expect(sentimentScore(' bad', 'not really')).toBe(-3);
  });

  it('maps the score through a logistic with scale 2 into [0, 1]', () => {
    expect(sentimentReward('')).toBe(0.5);
    expect(sentimentReward('great')).toBeCloseTo(sigmoid(1.5), 12);
    expect(sentimentReward('awful and terrible')).toBeCloseTo(sigmoid(-3), 12);
    expect(sentimentReward('superb superb superb superb superb superb superb superb')).toBeLessThanOrEqual(1);
  });
});
