import { describe, expect, it } from 'vitest';
import { tokenizeDataset, tokenizePair } from './batch';
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
