import { BYTE_TOKENIZER, commonPrefixLength, type TextTokenizer } from '../tokenizer/tokenizer';
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
 *
 * A model whose tokenizer adds a BOS (Llama 3) gets it at the start of the prompt unless the
 * text already starts with it (a chat template that writes it); truncation keeps it first.
 * TRL (≥ 0.12) adds no BOS itself for decoder-only models and leaves it to the template.
 */
export function tokenizePair(
  pair: PreferencePair,
  limits: TruncationLimits,
  tokenizer: TextTokenizer = BYTE_TOKENIZER,
): TokenizedPair | null {
  const text = renderedTexts(pair, tokenizer);
  const promptIds = tokenizer.encode(text.prompt);
  const chosenIds = tokenizer.encode(text.chosen);
  const rejectedIds = tokenizer.encode(text.rejected);
  const bos = tokenizer.bosId;
  // An empty prompt leaves the template's BOS at the start of the completions.
  if (bos !== undefined && (promptIds[0] ?? chosenIds[0]) !== bos) promptIds.unshift(bos);
  if (promptIds.length >= limits.maxLength) return null;
  const prompt = keepLastTokens(promptIds, limits.maxPromptLength, bos);
  const room = limits.maxLength - prompt.length;
  const completion = (ids: number[]) => [...ids, tokenizer.eosId].slice(0, room);
  return { prompt, chosen: completion(chosenIds), rejected: completion(rejectedIds) };
}

/** The last `max` ids; a leading BOS stays in front. */
function keepLastTokens(ids: number[], max: number, bos: number | undefined): number[] {
  if (ids.length <= max) return ids;
  if (bos !== undefined && ids[0] === bos && max > 0) return [bos, ...ids.slice(ids.length - (max - 1))];
  return ids.slice(ids.length - max);
}

/**
 * A conversational row through the model's chat template when it has one; the stored texts
 * otherwise. The prompt is the text both rendered conversations share (TRL takes the common
 * prefix of the prompt and each full conversation), so prompt + completion is always exactly
 * the rendered conversation.
 */
export function renderedTexts(pair: PreferencePair, tokenizer: TextTokenizer): { prompt: string; chosen: string; rejected: string } {
  const c = pair.conversation;
  if (!c || !tokenizer.renderConversation) return pair;
  const chosen = tokenizer.renderConversation(c.prompt, c.chosen);
  const rejected = tokenizer.renderConversation(c.prompt, c.rejected);
  const shared = commonPrefixLength(chosen.prompt, rejected.prompt);
  return {
    prompt: chosen.prompt.slice(0, shared),
    chosen: chosen.prompt.slice(shared) + chosen.completion,
    rejected: rejected.prompt.slice(shared) + rejected.completion,
  };
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
  /**
   * Each row's tokens before the padding, [2B]. Read it instead of looking for pad ids: a
   * model whose pad is its EOS (GPT-2) ends every completion with a token equal to the pad.
   */
  rowLengths: Int32Array;
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

/**
 * GPT-2 and Llama 3 have no pad token, so their pad is EOS: harmless, as the mask comes from
 * positions, never from ids: the completion's own final EOS keeps its label and mask 1.
 */
export function collateRows(sequences: readonly (readonly [number[], number[]])[], length: number, padId: number): DpoBatch {
  const rows = sequences.length;
  const inputIds = new Int32Array(rows * length).fill(padId);
  const labels = new Int32Array(rows * length).fill(padId);
  const completionMask = new Float32Array(rows * length);
  const rowLengths = new Int32Array(rows);
  let tokenCount = 0;
  sequences.forEach(([prompt, completion], r) => {
    const ids = [...prompt, ...completion];
    if (ids.length > length) throw new Error(`sequence of ${ids.length} tokens exceeds the batch length ${length}`);
    tokenCount += ids.length;
    rowLengths[r] = ids.length;
    const base = r * length;
    ids.forEach((id, t) => (inputIds[base + t] = id));
    for (let t = 0; t + 1 < ids.length; t++) {
      labels[base + t] = ids[t + 1];
      if (t + 1 >= prompt.length) completionMask[base + t] = 1;
    }
  });
  return { rows, length, inputIds, labels, completionMask, rowLengths, tokenCount };
}
