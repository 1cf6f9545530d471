/**
 * Byte-level tokenizer of the built-in model: ids 0-255 are UTF-8 bytes, then EOS and PAD.
 * Any text round-trips exactly, and its tokenizer.json (a byte-level BPE without merges,
 * mapping each byte to GPT-2's printable stand-in) loads in Hugging Face tokenizers with
 * the same ids.
 */
export const EOS_ID = 256;
export const PAD_ID = 257;
export const BYTE_VOCAB_SIZE = 258;
export const EOS_TOKEN = '<|endoftext|>';
export const PAD_TOKEN = '<|pad|>';

const encoder = new TextEncoder();

export function encodeText(text: string): number[] {
  return Array.from(encoder.encode(text));
}

/** Drops EOS/PAD; a cut multi-byte character decodes to U+FFFD rather than throwing. */
export function decodeIds(ids: readonly number[]): string {
  const bytes = Uint8Array.from(ids.filter((id) => id < 256));
  return new TextDecoder('utf-8').decode(bytes);
}

/** GPT-2's reversible byte → printable-character table (as in its encoder.py). */
export function byteToUnicode(): string[] {
  const printable: number[] = [];
  const ranges: [number, number][] = [
    [0x21, 0x7e],
    [0xa1, 0xac],
    [0xae, 0xff],
  ];
  for (const [lo, hi] of ranges) for (let b = lo; b <= hi; b++) printable.push(b);
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + extra++);
  }
  return table;
}

function addedToken(id: number, content: string) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/** A Hugging Face `tokenizer.json` that encodes text to the same ids as `encodeText`. */
export function byteTokenizerJson(): object {
  const vocab: Record<string, number> = {};
  byteToUnicode().forEach((char, byte) => (vocab[char] = byte));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [addedToken(EOS_ID, EOS_TOKEN), addedToken(PAD_ID, PAD_TOKEN)],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: { ...vocab, [EOS_TOKEN]: EOS_ID, [PAD_TOKEN]: PAD_ID },
      merges: [],
    },
  };
}

/** `tokenizer_config.json`, so transformers' AutoTokenizer finds the special tokens. */
export function byteTokenizerConfigJson(maxLength: number): object {
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: EOS_TOKEN,
    eos_token: EOS_TOKEN,
    pad_token: PAD_TOKEN,
    model_max_length: maxLength,
    clean_up_tokenization_spaces: false,
  };
}
