/**
 * KTO's batches. Each batch of B unpaired rows also carries B mismatched "KL" rows: row i's
 * prompt with row i−1's completion (row 0 takes the last one), TRL's cycling of completions
 * by +1 within a batch. The KL rows are the baseline z₀ = KL(π‖π_ref) is estimated from.
 */
import { BYTE_TOKENIZER, type TextTokenizer } from '../tokenizer/tokenizer';
import { collateRows, tokenizePair, type DpoBatch, type TruncationLimits } from '../dpo/batch';
import type { UnpairedExample } from '../data/unpaired';

export interface TokenizedUnpaired {
  prompt: number[];
  /** Ends with EOS, as a DPO completion does. */
  completion: number[];
  label: boolean;
}

/**
 * Tokenized and truncated exactly as a DPO pair is (last prompt tokens kept, completion cut
 * to fit, EOS appended, BOS where the tokenizer adds one, chat template for conversations):
 * the row goes through tokenizePair as a pair whose two completions are the same.
 */
export function tokenizeUnpaired(example: UnpairedExample, limits: TruncationLimits, tokenizer: TextTokenizer = BYTE_TOKENIZER): TokenizedUnpaired | null {
  const c = example.conversation;
  const pair = {
    prompt: example.prompt,
    chosen: example.completion,
    rejected: example.completion,
    ...(c ? { conversation: { prompt: c.prompt, chosen: c.completion, rejected: c.completion } } : {}),
  };
  const tokenized = tokenizePair(pair, limits, tokenizer);
  return tokenized && { prompt: tokenized.prompt, completion: tokenized.chosen, label: example.label };
}

export function tokenizeUnpairedDataset(
  examples: readonly UnpairedExample[],
  limits: TruncationLimits,
  tokenizer: TextTokenizer = BYTE_TOKENIZER,
): { rows: TokenizedUnpaired[]; dropped: number } {
  const rows: TokenizedUnpaired[] = [];
  let dropped = 0;
  for (const example of examples) {
    const row = tokenizeUnpaired(example, limits, tokenizer);
    if (row) rows.push(row);
    else dropped++;
  }
  return { rows, dropped };
}

/** One KTO batch on the host: the B rows, their B KL rows and the labels. */
export interface KtoBatch {
  /** prompt_i + completion_i, [B, T]. */
  rows: DpoBatch;
  /** prompt_i + completion_{i−1}, [B, T]; the completion cut to fit the length (TRL truncates on the right). */
  kl: DpoBatch;
  /** 1 = desirable, [B]. */
  labels: Float32Array;
}

/** Row i's KL completion is row i−1's (row 0 takes the last row's), as TRL's add_kl_completion_ids. */
export function klCompletionIndex(i: number, rows: number): number {
  return (i - 1 + rows) % rows;
}

export function collateKtoBatch(rows: readonly TokenizedUnpaired[], length: number, padId = BYTE_TOKENIZER.padId): KtoBatch {
  const klSequences = rows.map((r, i) => [r.prompt, rows[klCompletionIndex(i, rows.length)].completion.slice(0, length - r.prompt.length)] as const);
  return {
    rows: collateRows(
      rows.map((r) => [r.prompt, r.completion] as const),
      length,
      padId,
    ),
    kl: collateRows(klSequences, length, padId),
    labels: Float32Array.from(rows, (r) => (r.label ? 1 : 0)),
  };
}
