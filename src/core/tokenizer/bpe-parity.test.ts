import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTHON, requirePython } from '../../../tools/system-packages';
import { FIXTURE_DIR, LLAMA3_DIR, QWEN3_DIR, readJson } from '../testing/fixtures/tokenizers/real-tokenizers';
import { HfTokenizer } from './hf-tokenizer';

// Token ids of the real Qwen3 and Llama 3 tokenizer.json against tools/oracle/bpe_reference.py, an
// independent byte-level BPE in Python (regex pre-tokenizer, GPT-2 byte map, merges by rank, added
// tokens split out first). Its ids are committed in bpe-golden.json; one test re-runs it.
interface Golden {
  texts: string[];
  tokenizers: Record<'qwen3' | 'llama3', { file: string; ids: number[][] }>;
}
const GOLDEN_FILE = join(FIXTURE_DIR, 'bpe-golden.json');
const golden = readJson(GOLDEN_FILE) as unknown as Golden;

// Built once per file: each takes about half a second.
const tokenizers = {
  qwen3: new HfTokenizer(readJson(join(QWEN3_DIR, 'tokenizer.json')), readJson(join(QWEN3_DIR, 'tokenizer_config.json')), {
    label: 'Qwen3',
  }),
  llama3: new HfTokenizer(readJson(join(LLAMA3_DIR, 'tokenizer.json')), readJson(join(LLAMA3_DIR, 'tokenizer_config.json')), {
    label: 'Llama-3',
  }),
};
const short = (text: string) => JSON.stringify(text).slice(0, 48);

describe.each(['qwen3', 'llama3'] as const)('%s tokenizer.json', (name) => {
  const tokenizer = tokenizers[name];
  it('reads the golden file made from this tokenizer.json', () => {
    expect(golden.tokenizers[name].file).toBe(join(name === 'qwen3' ? QWEN3_DIR : LLAMA3_DIR, 'tokenizer.json'));
    expect(golden.tokenizers[name].ids).toHaveLength(golden.texts.length);
  });

  it.each(golden.texts.map((text, i) => [short(text), i] as const))('gives the Python reference ids for %s', (_, i) => {
    expect(tokenizer.encode(golden.texts[i])).toEqual(golden.tokenizers[name].ids[i]);
  });

  it('decodes every text back, less its special tokens (and NFC-composed for Qwen)', () => {
    const special = /<\|(im_start|im_end|endoftext|begin_of_text|start_header_id|end_header_id|eot_id|end_of_text)\|>/g;
    for (const text of golden.texts) {
      const ids = tokenizer.encode(text);
      let expected = text.replace(special, (token) => (tokenizer.encode(token).length === 1 ? '' : token));
      if (name === 'qwen3') expected = expected.normalize('NFC');
      expect(tokenizer.decode(ids)).toBe(expected);
    }
  });
});

describe('known ids', () => {
  it("Llama 3 gives the ids transformers' AutoTokenizer prints for Meta-Llama-3-8B-Instruct", () => {
    // tokenizer(['You are so cute!'], add_special_tokens=False) → [2675, 527, 779, 19369, 0]
    expect(tokenizers.llama3.encode('You are so cute!')).toEqual([2675, 527, 779, 19369, 0]);
  });

  it('special-token strings map to their ids, partial ones are plain text', () => {
    expect(tokenizers.qwen3.encode('<|im_start|>user\n')).toEqual([151644, ...tokenizers.qwen3.encode('user\n')]);
    expect(tokenizers.llama3.encode('<|eot_id|>')).toEqual([128009]);
    expect(tokenizers.qwen3.encode('<|im_start')).not.toContain(151644);
  });
});

describe('the Python reference', () => {
  it('reproduces bpe-golden.json from the installed tokenizer files', () => {
    requirePython(['regex']);
    const out = execFileSync(PYTHON, ['tools/oracle/bpe_reference.py'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(JSON.parse(out)).toEqual(JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')));
  });
});
