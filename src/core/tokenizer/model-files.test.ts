import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collateDpoBatch, tokenizePair } from '../dpo/batch';
import { normalizeRow } from '../data/normalize-row';
import type { PreferencePair } from '../data/preference-pairs';
import { llama32ModelFiles, qwen3ModelFiles } from '../testing/fixtures/tokenizers/real-tokenizers';
import { HfTokenizer } from './hf-tokenizer';

// HfTokenizer.fromModelFiles on the real Qwen3 and Llama 3 tokenizers, each built once (about half
// a second apiece): EOS, stop ids, pad, BOS, the chat template switches, and errors naming files.
const QWEN3_CONFIG = { _name_or_path: 'Qwen/Qwen3-0.6B', bos_token_id: 151643, eos_token_id: 151645 };
const LLAMA32_CONFIG = { _name_or_path: 'meta-llama/Llama-3.2-1B-Instruct', bos_token_id: 128000, eos_token_id: [128001, 128008, 128009] };
const qwen3 = HfTokenizer.fromModelFiles(qwen3ModelFiles(), QWEN3_CONFIG);
const llama = HfTokenizer.fromModelFiles(llama32ModelFiles(), LLAMA32_CONFIG, { now: () => new Date(2025, 2, 5) });

const IM_START = 151644;
const IM_END = 151645;
const ENDOFTEXT = 151643;
const BEGIN_OF_TEXT = 128000;
const EOT = 128009;
const limits = { maxLength: 256, maxPromptLength: 128 };

function conversationalPair(): PreferencePair {
  const row = normalizeRow({
    prompt: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Sky colour?' },
    ],
    chosen: [{ role: 'assistant', content: 'Blue.' }],
    rejected: [{ role: 'assistant', content: 'Green.' }],
  });
  if (!('pair' in row)) throw new Error('the fixture row did not normalize');
  return row.pair;
}

describe('Qwen3 from its model files', () => {
  it('takes EOS from tokenizer_config.json, the stop ids from generation_config.json and its real pad token', () => {
    expect(qwen3.eosId).toBe(IM_END); // <|im_end|>: what TRL appends to completions
    expect(qwen3.stopIds).toEqual([IM_END, ENDOFTEXT]);
    expect(qwen3.padId).toBe(ENDOFTEXT); // pad_token <|endoftext|>, not EOS
    expect(qwen3.bosId).toBeUndefined(); // bos_token null, add_bos_token false
    expect(qwen3.name).toBe('Qwen/Qwen3-0.6B BPE (151,669 tokens)');
  });

  it('tokenizes a conversational row as TRL: template prompt without BOS, completion + EOS', () => {
    const ids = tokenizePair(conversationalPair(), limits, qwen3)!;
    expect(ids.prompt).toEqual(
      qwen3.encode('<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nSky colour?<|im_end|>\n<|im_start|>assistant\n'),
    );
    expect(ids.prompt[0]).toBe(IM_START);
    expect(ids.chosen).toEqual([...qwen3.encode('<think>\n\n</think>\n\nBlue.<|im_end|>\n'), IM_END]);
  });

  it('passes enableThinking and chatTemplateKwargs into the template', () => {
    const off = HfTokenizer.fromModelFiles(qwen3ModelFiles(), QWEN3_CONFIG, { enableThinking: false });
    const alsoOff = HfTokenizer.fromModelFiles(qwen3ModelFiles(), QWEN3_CONFIG, { chatTemplateKwargs: { enable_thinking: false } });
    const turns = [{ role: 'user', content: 'Hi' }];
    expect(off.applyChatTemplate(turns, true)).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n');
    expect(alsoOff.applyChatTemplate(turns, true)).toBe(off.applyChatTemplate(turns, true));
    expect(qwen3.applyChatTemplate(turns, true)).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n');
  });
});

describe('Llama 3.2 from its model files', () => {
  it('appends <|eot_id|>, stops at every generation_config.json EOS, and pads with EOS (no pad token)', () => {
    expect(llama.eosId).toBe(EOT);
    expect(llama.stopIds).toEqual([EOT, 128001, 128008]);
    expect(llama.padId).toBe(EOT);
    expect(llama.bosId).toBe(BEGIN_OF_TEXT);
  });

  it('a chat-template prompt keeps its one <|begin_of_text|>; a plain prompt gets one', () => {
    const chat = tokenizePair(conversationalPair(), limits, llama)!;
    expect(chat.prompt.filter((id) => id === BEGIN_OF_TEXT)).toHaveLength(1);
    expect(chat.prompt[0]).toBe(BEGIN_OF_TEXT);
    expect(llama.decode(chat.prompt)).toContain('Today Date: 05 Mar 2025');
    expect(chat.chosen).toEqual([...llama.encode('Blue.<|eot_id|>'), EOT]);

    const plain = tokenizePair({ prompt: 'The sky is', chosen: ' blue', rejected: ' green' }, limits, llama)!;
    expect(plain.prompt).toEqual([BEGIN_OF_TEXT, ...llama.encode('The sky is')]);
    const written = tokenizePair({ prompt: '<|begin_of_text|>The sky is', chosen: ' blue', rejected: ' green' }, limits, llama)!;
    expect(written.prompt).toEqual(plain.prompt);
  });

  it('keeps BOS first when the prompt is cut to its last tokens', () => {
    const long = tokenizePair(
      { prompt: 'one two three four five six seven', chosen: ' eight', rejected: ' nine' },
      { maxLength: 32, maxPromptLength: 4 },
      llama,
    )!;
    expect(long.prompt).toEqual([BEGIN_OF_TEXT, ...llama.encode(' five six seven')]);
  });

  it('an empty prompt leaves the BOS the template wrote at the start of the completions', () => {
    const row = normalizeRow({
      chosen: [
        { role: 'user', content: 'A?' },
        { role: 'assistant', content: 'Yes.' },
      ],
      rejected: [
        { role: 'user', content: 'B?' },
        { role: 'assistant', content: 'No.' },
      ],
    });
    if (!('pair' in row)) throw new Error('the fixture row did not normalize');
    const ids = tokenizePair(row.pair, limits, llama)!;
    expect(ids.prompt).toEqual([]);
    expect(ids.chosen[0]).toBe(BEGIN_OF_TEXT);
    expect([...ids.chosen, ...ids.rejected].filter((id) => id === BEGIN_OF_TEXT)).toHaveLength(2);
  });

  it('pad == EOS never hides the final EOS from the loss', () => {
    const ids = tokenizePair({ prompt: 'Hi', chosen: ' there', rejected: ' you' }, limits, llama)!;
    const length = 16;
    const batch = collateDpoBatch([ids], length, llama.padId);
    const last = ids.prompt.length + ids.chosen.length - 2; // the position that predicts the final EOS
    expect(batch.labels[last]).toBe(EOT);
    expect(batch.completionMask[last]).toBe(1);
    expect(batch.completionMask.slice(0, length).reduce((a, b) => a + b, 0)).toBe(ids.chosen.length);
  });
});

describe('fromModelFiles on other folders and on bad files', () => {
  const dir = 'src/core/testing/fixtures/tiny-gpt2';
  const gpt2Files = () =>
    new Map(
      ['tokenizer.json', 'tokenizer_config.json', 'generation_config.json'].map((f) => [
        `tiny-gpt2/${f}`,
        new Uint8Array(readFileSync(join(dir, f))),
      ]),
    );
  const gpt2Config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const bytes = (value: unknown) => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

  it('GPT-2: EOS is the one stop id, no BOS is added, and the label defaults to nothing', () => {
    const gpt2 = HfTokenizer.fromModelFiles(gpt2Files(), gpt2Config, { label: 'gpt2' });
    expect([gpt2.eosId, gpt2.padId, gpt2.bosId]).toEqual([50256, 50256, undefined]);
    expect(gpt2.stopIds).toEqual([50256]);
    expect(gpt2.name).toBe('gpt2 BPE (50,257 tokens)');
  });

  it('takes the stop ids from config.json when there is no generation_config.json', () => {
    const files = gpt2Files();
    files.delete('tiny-gpt2/generation_config.json');
    const gpt2 = HfTokenizer.fromModelFiles(files, { ...gpt2Config, eos_token_id: [50256, 13] });
    expect(gpt2.stopIds).toEqual([50256, 13]);
  });

  it('names the file and field of a bad id, and a missing or broken file', () => {
    const withGeneration = (value: unknown) => new Map([...gpt2Files(), ['tiny-gpt2/generation_config.json', bytes(value)]]);
    expect(() => HfTokenizer.fromModelFiles(withGeneration({ eos_token_id: 'x' }), gpt2Config)).toThrow(
      'generation_config.json: eos_token_id must be a token id or a list of token ids, not "x"',
    );
    expect(() => HfTokenizer.fromModelFiles(withGeneration({ eos_token_id: [50256, 1.5] }), gpt2Config)).toThrow(
      /^generation_config\.json: eos_token_id must be/,
    );
    expect(() => HfTokenizer.fromModelFiles(withGeneration({ eos_token_id: 99999 }), gpt2Config)).toThrow(
      'generation_config.json: eos_token_id 99999 is not a token of tokenizer.json (ids 0 to 50256)',
    );
    expect(() => HfTokenizer.fromModelFiles(withGeneration('{nope'), gpt2Config)).toThrow(/^generation_config\.json: not valid UTF-8 JSON/);
    expect(() => HfTokenizer.fromModelFiles(gpt2Files(), { eos_token_id: [] })).toThrow(
      'config.json: eos_token_id must be a token id or a list of token ids, not []',
    );
    const noTokenizer = gpt2Files();
    noTokenizer.delete('tiny-gpt2/tokenizer.json');
    expect(() => HfTokenizer.fromModelFiles(noTokenizer, gpt2Config)).toThrow(/^tokenizer\.json is missing/);
  });
});
