import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as openaiEncode } from 'gpt-3-encoder';
import { describe, expect, it } from 'vitest';
import { HfTokenizer } from './hf-tokenizer';

const dir = 'src/core/testing/fixtures/tiny-gpt2';
const file = (name: string) => new Uint8Array(readFileSync(join(dir, name)));
const tokenizerJson = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
const tokenizerConfig = JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8'));
const gpt2 = new HfTokenizer(tokenizerJson, tokenizerConfig, { label: 'gpt2' });

// gpt-3-encoder is OpenAI's GPT-2 encoder ported line for line: an independent implementation
// of the same BPE, so agreeing with it on hard text means the tokenizer.json is read right.
const CORPUS = [
  'Hello world',
  "It's what they're doing: we'll see, I'd've thought you'd know it isn't.",
  'Numbers 1234567 and 3.14159, 1,000,000; 2024-06-11 12:30',
  'two  spaces,   three,\n\nnewlines\r\nand\ttabs\t\t  mixed \n ',
  '   leading and trailing   ',
  'Déjà vu: naïve façade, Ångström, Œuvre, ß',
  '中文的分词测试，日本語のテキスト。한국어 텍스트',
  'Emoji: 👩🏽‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 👍🏿 ❤️',
  'مرحبا بالعالم — שלום עולם',
  'combining: e\u0301 a\u0308 n\u0303 Z\u0351\u0352\u0353',
  'Code: `for (let i = 0; i < n; i++) { x[i] **= 2; }` // done',
  '',
];

describe("HfTokenizer on GPT-2's tokenizer.json", () => {
  it.each(CORPUS.map((text) => [JSON.stringify(text).slice(0, 40), text]))('matches the reference GPT-2 encoder on %s', (_, text) => {
    expect(gpt2.encode(text)).toEqual(openaiEncode(text));
  });

  it('round-trips every sample through decode', () => {
    for (const text of CORPUS) expect(gpt2.decode(gpt2.encode(text))).toBe(text);
  });

  it('keeps spaces before punctuation when decoding (no tokenization clean-up)', () => {
    expect(gpt2.decode(gpt2.encode("a , b . c ' s n't"))).toBe("a , b . c ' s n't");
  });

  it('adds no special tokens, takes EOS/PAD from tokenizer_config.json and drops them when decoding', () => {
    expect(gpt2.eosId).toBe(50256);
    expect(gpt2.padId).toBe(50256); // GPT-2 defines no pad token
    expect(gpt2.vocabSize).toBe(50257);
    expect(gpt2.name).toBe('gpt2 BPE (50,257 tokens)');
    const ids = gpt2.encode('Hi');
    expect(ids).toEqual([17250]);
    expect(gpt2.decode([...ids, gpt2.eosId, gpt2.padId])).toBe('Hi');
  });

  it('maps the literal <|endoftext|> in text to EOS, as transformers does', () => {
    expect(gpt2.encode('a<|endoftext|>b')).toEqual([64, 50256, 65]);
  });

  it('uses a pad_token when the config defines one', () => {
    const padded = new HfTokenizer(tokenizerJson, { ...tokenizerConfig, pad_token: { content: '!', __type: 'AddedToken' } });
    expect(padded.padId).toBe(0);
    expect(padded.eosId).toBe(50256);
  });

  it('renders the chat template with the EOS token and a generation prompt', () => {
    expect(gpt2.hasChatTemplate).toBe(true);
    const text = gpt2.applyChatTemplate(
      [
        { role: 'user', content: 'Hi?' },
        { role: 'assistant', content: 'Hello.' },
      ],
      true,
    );
    expect(text).toBe('<|user|>\nHi?<|endoftext|>\n<|assistant|>\nHello.<|endoftext|>\n<|assistant|>\n');
    expect(gpt2.applyChatTemplate([{ role: 'user', content: 'x' }], false)).toBe('<|user|>\nx<|endoftext|>\n');
  });

  it('says so when there is no chat template, or when it fails', () => {
    const plain = new HfTokenizer(tokenizerJson, { eos_token: '<|endoftext|>' });
    expect(plain.hasChatTemplate).toBe(false);
    expect(() => plain.applyChatTemplate([], true)).toThrow(/no chat_template/);
    const broken = new HfTokenizer(tokenizerJson, { chat_template: '{% for m in messages %}' }, { label: 'tiny-gpt2' });
    expect(() => broken.applyChatTemplate([], true)).toThrow(/^the chat_template of tiny-gpt2 could not be rendered: /);
  });

  it('reads the raw files', () => {
    const fromBytes = HfTokenizer.fromBytes(file('tokenizer.json'), file('tokenizer_config.json'));
    expect(fromBytes.encode("it's")).toEqual(gpt2.encode("it's"));
    expect(fromBytes.name).toBe('Hugging Face BPE (50,257 tokens)');
  });
});

describe('HfTokenizer refuses what is not a tokenizer', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  it('names a tokenizer.json that is not JSON', () => {
    expect(() => HfTokenizer.fromBytes(bytes('<html>'))).toThrow(/^tokenizer\.json: not valid UTF-8 JSON/);
    expect(() => HfTokenizer.fromBytes(bytes('[1, 2]'))).toThrow('tokenizer.json: not a JSON object');
  });

  it('names a JSON file that is not a tokenizer', () => {
    expect(() => HfTokenizer.fromBytes(bytes('{"n_embd": 768}'))).toThrow(/tokenizer\.json: no "model" with a vocabulary/);
  });

  it('names a tokenizer_config.json that is not JSON', () => {
    expect(() => HfTokenizer.fromBytes(file('tokenizer.json'), bytes('{oops'))).toThrow(/^tokenizer_config\.json: not valid UTF-8 JSON/);
  });

  it('names an eos_token missing from the vocabulary', () => {
    expect(() => new HfTokenizer(tokenizerJson, { eos_token: '</s>' })).not.toThrow(); // <|endoftext|> exists
    const noEndOfText = structuredClone(tokenizerJson);
    noEndOfText.added_tokens = [];
    delete noEndOfText.model.vocab['<|endoftext|>'];
    expect(() => new HfTokenizer(noEndOfText, { eos_token: '</s>' })).toThrow('eos_token "</s>" is not in');
    expect(new HfTokenizer(noEndOfText, {}, { fallbackEosId: 7 }).eosId).toBe(7);
  });
});
