import { BYTE_TOKENIZER, type TextTokenizer } from '../tokenizer/tokenizer';
import type { PreferencePair } from '../data/preference-pairs';

/** A pair as token ids; each completion ends with EOS so the model learns to stop. */
export interface TokenizedPair {
  prompt: number[];
  chosen: number[];
  rejected: number[];
}

export interface TruncationLimits {
  maxLength: number;
  maxPromptLength: number;
}

/**
 * Tokenizes and truncates as the DPO spec says: a row whose prompt alone fills maxLength is
 * dropped (null; the caller counts it); otherwise keep the *last* maxPromptLength prompt
 * tokens, then cut each completion so prompt + completion ≤ maxLength.
 */
export function tokenizePair(pair: PreferencePair, limits: TruncationLimits, tokenizer: TextTokenizer = BYTE_TOKENIZER): TokenizedPair | null {
  const text = renderedTexts(pair, tokenizer);
  const promptIds = tokenizer.encode(text.prompt);
  if (promptIds.length >= limits.maxLength) return null;
  const prompt = promptIds.slice(Math.max(0, promptIds.length - limits.maxPromptLength));
  const room = limits.maxLength - prompt.length;
  const completion = (text: string) => [...tokenizer.encode(text), tokenizer.eosId].slice(0, room);
  return { prompt, chosen: completion(text.chosen), rejected: completion(text.rejected) };
}

/** A conversational row through the model's chat template when it has one; the stored texts otherwise. */
export function renderedTexts(pair: PreferencePair, tokenizer: TextTokenizer): { prompt: string; chosen: string; rejected: string } {
  const c = pair.conversation;
  if (!c || !tokenizer.renderConversation) return pair;
  const chosen = tokenizer.renderConversation(c.prompt, c.chosen);
  return { prompt: chosen.prompt, chosen: chosen.completion, rejected: tokenizer.renderConversation(c.prompt, c.rejected).completion };
}

export interface TokenizedDataset {
  pairs: TokenizedPair[];
  /** Rows whose prompt filled max length: dropped, as TRL drops them. */
  dropped: number;
}

export function tokenizeDataset(
  pairs: readonly PreferencePair[],
  limits: TruncationLimits,
  tokenizer: TextTokenizer = BYTE_TOKENIZER,
): TokenizedDataset {
  const kept: TokenizedPair[] = [];
  let dropped = 0;
  for (const pair of pairs) {
    const tokenized = tokenizePair(pair, limits, tokenizer);
    if (tokenized) kept.push(tokenized);
    else dropped++;
  }
  return { pairs: kept, dropped };
}

/**
 * Host arrays for one DPO batch of B pairs as 2B rows, chosen rows first then rejected
 * (one concatenated forward), right-padded to a fixed `length` so shapes never change.
 * Row r holds prompt + completion; labels[r, t] is the token at t+1 and
 * completionMask[r, t] is 1 exactly when that next token belongs to the completion.
 */
export interface DpoBatch {
  rows: number;
  length: number;
  inputIds: Int32Array; // [2B, T]
  labels: Int32Array; // [2B, T]
  completionMask: Float32Array; // [2B, T]
  /** Non-pad tokens in the batch, for tokens/s. */
  tokenCount: number;
}

export function collateDpoBatch(pairs: readonly TokenizedPair[], length: number, padId = BYTE_TOKENIZER.padId): DpoBatch {
  const rows = [...pairs.map((p) => [p.prompt, p.chosen] as const), ...pairs.map((p) => [p.prompt, p.rejected] as const)];
  return collateRows(rows, length, padId);
}

/** SFT rows: prompt + chosen only, loss on the completion. */
export function collateSftBatch(pairs: readonly TokenizedPair[], length: number, padId = BYTE_TOKENIZER.padId): DpoBatch {
  return collateRows(
    pairs.map((p) => [p.prompt, p.chosen] as const),
    length,
    padId,
  );
}

/** GPT-2 has no pad token, so its pad is EOS: harmless, as padded positions have mask 0. */
function collateRows(sequences: readonly (readonly [number[], number[]])[], length: number, padId: number): DpoBatch {
  const rows = sequences.length;
  const inputIds = new Int32Array(rows * length).fill(padId);
  const labels = new Int32Array(rows * length).fill(padId);
  const completionMask = new Float32Array(rows * length);
  let tokenCount = 0;
  sequences.forEach(([prompt, completion], r) => {
    const ids = [...prompt, ...completion];
    if (ids.length > length) throw new Error(`sequence of ${ids.length} tokens exceeds the batch length ${length}`);
    tokenCount += ids.length;
    const base = r * length;
    ids.forEach((id, t) => (inputIds[base + t] = id));
    for (let t = 0; t + 1 < ids.length; t++) {
      labels[base + t] = ids[t + 1];
      if (t + 1 >= prompt.length) completionMask[base + t] = 1;
    }
  });
  return { rows, length, inputIds, labels, completionMask, tokenCount };
}
