import { decodeIds, encodeText, EOS_ID, PAD_ID } from './byte-tokenizer';

/**
 * What the training pipeline needs from a tokenizer: the built-in byte tokenizer and a
 * Hugging Face `tokenizer.json` (GPT-2's BPE) both provide it. Ids are < the model's vocab.
 */
export interface TextTokenizer {
  /** Shown to the user and written into the model card, e.g. "bytes" or "gpt2 BPE". */
  readonly name: string;
  readonly eosId: number;
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
}

export interface ChatTurn {
  role: string;
  content: string;
}

export const BYTE_TOKENIZER: TextTokenizer = {
  name: 'bytes',
  eosId: EOS_ID,
  padId: PAD_ID,
  encode: encodeText,
  decode: decodeIds,
};
