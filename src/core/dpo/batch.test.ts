import { describe, expect, it } from 'vitest';
import { collateDpoBatch, collateSftBatch, tokenizeDataset, tokenizePair } from './batch';
import { EOS_ID, encodeText } from '../tokenizer/byte-tokenizer';

describe('tokenizePair truncation', () => {
  it('keeps the last prompt tokens and cuts completions to fit max length', () => {
    const pair = tokenizePair({ prompt: 'abcdefgh', chosen: 'xyzuvwq', rejected: 'uv' }, { maxLength: 10, maxPromptLength: 3 });
    expect(pair!.prompt).toEqual(encodeText('fgh'));
    expect(pair!.chosen).toEqual(encodeText('xyzuvwq')); // 3 + 7 = 10: EOS no longer fits
    expect(pair!.rejected).toEqual([...encodeText('uv'), EOS_ID]);
  });

  it('drops and counts rows whose prompt alone fills max length', () => {
    const result = tokenizeDataset(
      [
        { prompt: 'abcd', chosen: 'x', rejected: 'y' },
        { prompt: 'ab', chosen: 'x', rejected: 'y' },
      ],
      { maxLength: 4, maxPromptLength: 4 },
    );
    expect(result.pairs).toHaveLength(1);
    expect(result.dropped).toBe(1);
  });
});

describe('collation when the pad token is EOS (GPT-2, Llama 3)', () => {
  const EOS = 9;
  const pair = { prompt: [1, 2], chosen: [3, 4, EOS], rejected: [5, EOS] };

  it("keeps the completion's final EOS as a label with mask 1, and masks only the padding after it", () => {
    const batch = collateDpoBatch([pair], 8, EOS);
    const row = (a: ArrayLike<number>, r: number) => Array.from(a).slice(r * 8, r * 8 + 8);
    expect(row(batch.inputIds, 0)).toEqual([1, 2, 3, 4, EOS, EOS, EOS, EOS]);
    expect(row(batch.labels, 0)).toEqual([2, 3, 4, EOS, EOS, EOS, EOS, EOS]);
    expect(row(batch.completionMask, 0)).toEqual([0, 1, 1, 1, 0, 0, 0, 0]); // position 3 predicts the final EOS
    expect(row(batch.completionMask, 1)).toEqual([0, 1, 1, 0, 0, 0, 0, 0]);
    expect(Array.from(batch.rowLengths)).toEqual([5, 4]); // where each row's own tokens end: the EOS is not padding
    expect(collateSftBatch([pair], 8, EOS).completionMask.reduce((a, b) => a + b, 0)).toBe(pair.chosen.length);
  });
});
