import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HfTokenizer } from '../tokenizer/hf-tokenizer';
import { BYTE_TOKENIZER } from '../tokenizer/tokenizer';
import { tokenizeDataset, tokenizePair } from './batch';
import { normalizeRow } from '../data/normalize-row';

const dir = 'src/core/testing/fixtures/tiny-gpt2';
const json = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));
// The fixture's tokenizer_config.json carries a chat template: <|role|>\ncontent<|endoftext|>\n per turn.
const templated = new HfTokenizer(json('tokenizer.json'), json('tokenizer_config.json'));
const plain = new HfTokenizer(json('tokenizer.json'), { ...json('tokenizer_config.json'), chat_template: undefined });

const row = normalizeRow({
  prompt: [{ role: 'user', content: 'Sky colour?' }],
  chosen: [{ role: 'assistant', content: 'Blue.' }],
  rejected: [{ role: 'assistant', content: 'Green.' }],
});
if (!('pair' in row)) throw new Error('fixture row did not normalize');
const limits = { maxLength: 64, maxPromptLength: 32 };

describe('conversational rows and a model with a chat template', () => {
  it('renders prompt and completions with the template, as TRL does (prompt with the generation prompt, completion = the rest)', () => {
    const ids = tokenizePair(row.pair, limits, templated)!;
    expect(templated.decode(ids.prompt)).toBe('<|user|>\nSky colour?\n<|assistant|>\n'); // EOS is special: decode drops it
    expect(ids.prompt).toEqual(templated.encode('<|user|>\nSky colour?<|endoftext|>\n<|assistant|>\n'));
    expect(ids.chosen).toEqual([...templated.encode('Blue.<|endoftext|>\n'), templated.eosId]);
    expect(ids.rejected).toEqual([...templated.encode('Green.<|endoftext|>\n'), templated.eosId]);
  });

  it('without a template the plain Human/Assistant rendering is used, for BPE and bytes alike', () => {
    expect(tokenizePair(row.pair, limits, plain)!.prompt).toEqual(plain.encode('\n\nHuman: Sky colour?\n\nAssistant:'));
    expect(tokenizePair(row.pair, limits, BYTE_TOKENIZER)!.prompt).toEqual(BYTE_TOKENIZER.encode('\n\nHuman: Sky colour?\n\nAssistant:'));
  });
});

describe('a chat template the interpreter cannot run', () => {
  it('stops tokenization with the model named, leaving the rows as they were', () => {
    const broken = new HfTokenizer(
      json('tokenizer.json'),
      { ...json('tokenizer_config.json'), chat_template: '{{ messages[0].content | no_such_filter }}' },
      { label: 'tiny-gpt2' },
    );
    const rows = [row.pair];
    const before = structuredClone(rows);
    expect(() => tokenizeDataset(rows, limits, broken)).toThrow(/^the chat_template of tiny-gpt2 could not be rendered: /);
    expect(rows).toEqual(before);
    expect(tokenizeDataset(rows, limits, plain).pairs).toHaveLength(1); // the same rows still train without the template
  });
});
