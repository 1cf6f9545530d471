import { decodeIds, encodeText, EOS_ID, PAD_ID } from './byte-tokenizer';

/**
 * What the training pipeline needs from a tokenizer: the built-in byte tokenizer and a
 * Hugging Face `tokenizer.json` (GPT-2's, Llama 3's or Qwen's BPE) both provide it. Ids are <
 * the model's vocab.
 */
export interface TextTokenizer {
  /** Shown to the user and written into the model card, e.g. "bytes" or "gpt2 BPE". */
  readonly name: string;
  /** Appended to every completion so the model learns to stop (TRL appends tokenizer.eos_token_id). */
  readonly eosId: number;
  /**
   * Every id that ends a generation: EOS and the model's other end tokens (generation_config.json's
   * eos_token_id list, e.g. Llama 3's <|eot_id|> and <|end_of_text|>). Sampling stops at any of them.
   */
  readonly stopIds: readonly number[];
  /**
   * The BOS a prompt must start with, when the model's tokenizer adds one to whatever it encodes
   * (Llama 3's <|begin_of_text|>); undefined when it adds none (GPT-2, Qwen, SmolLM2, bytes).
   */
  readonly bosId?: number;
  /** Fills the rows after a sequence ends; never a label the loss sees (mask 0). */
  readonly padId: number;
  /** Plain text → ids, without adding special tokens. */
  encode(text: string): number[];
  /** Ids → text, dropping special tokens (EOS, PAD). */
  decode(ids: readonly number[]): string;
  /**
   * A model's own chat template, when it has one: the prompt turns rendered with the
   * generation prompt, and the completion as the text the full conversation adds after it
   * (TRL's maybe_apply_chat_template).
   */
  renderConversation?(prompt: readonly ChatTurn[], completion: readonly ChatTurn[]): { prompt: string; completion: string };
  /** The prompt turns through the chat template with the generation prompt: what sampling continues. */
  renderGenerationPrompt?(prompt: readonly ChatTurn[]): string;
}

export interface ChatTurn {
  role: string;
  content: string;
}

export const BYTE_TOKENIZER: TextTokenizer = {
  name: 'bytes',
  eosId: EOS_ID,
  stopIds: [EOS_ID],
  padId: PAD_ID,
  encode: encodeText,
  decode: decodeIds,
};

/** Length of the longest common prefix of two strings, in UTF-16 code units; never ends inside a surrogate pair. */
export function commonPrefixLength(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a.charCodeAt(n) === b.charCodeAt(n)) n++;
  const code = n > 0 ? a.charCodeAt(n - 1) : 0;
  return code >= 0xd800 && code <= 0xdbff ? n - 1 : n;
}
