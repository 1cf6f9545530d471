import { describe, expect, it } from 'vitest';
import { byteToUnicode, byteTokenizerJson, decodeIds, encodeText, EOS_ID } from './byte-tokenizer';

describe('byte tokenizer', () => {
  it('round-trips Unicode text exactly', () => {
    const texts = ['héllo wörld', '日本語のテキスト', 'emoji 🤖👍🏽 and ZWJ 👩‍💻', 'tabs\tand\nnewlines\r\n', 'Ελληνικά · Русский · عربى', ''];
    for (const text of texts) expect(decodeIds(encodeText(text))).toBe(text);
  });

  it('ids are UTF-8 bytes; special tokens are dropped on decode', () => {
    expect(encodeText('é')).toEqual([0xc3, 0xa9]);
    expect(decodeIds([...encodeText('ok'), EOS_ID])).toBe('ok');
  });

  it("tokenizer.json maps all 256 bytes to distinct characters with GPT-2's table", () => {
    const table = byteToUnicode();
    expect(new Set(table).size).toBe(256);
    expect(table[0x20]).toBe('Ġ'); // GPT-2's well-known stand-in for a space
    const vocab = (byteTokenizerJson() as { model: { vocab: Record<string, number> } }).model.vocab;
    expect(vocab['Ġ']).toBe(0x20);
    expect(Object.keys(vocab)).toHaveLength(258);
  });
});
