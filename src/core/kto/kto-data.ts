/**
 * A KTO stage's rows: the dataset's unpaired rows plus its pairs unpaired (each pair gives a
 * desirable and an undesirable row, TRL's unpair_preference_dataset), tokenized, with the
 * per-row reference cache. The KL rows change with every shuffled batch, so only the rows'
 * own reference log-probs can be cached; the KL rows' come from a reference forward each step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { unpairPairs, type UnpairedExample } from '../data/unpaired';
import type { TruncationLimits } from '../dpo/batch';
import type { TextTokenizer } from '../tokenizer/tokenizer';
import type { DataSplit } from '../train/data-split';
import { uploadBatch, type DeviceBatch } from '../train/dpo-step';
import type { ReferenceModel } from '../train/reference-model';
import { collateKtoBatch, tokenizeUnpairedDataset, type KtoBatch, type TokenizedUnpaired } from './kto-batch';
import { collateRows } from '../dpo/batch';

/** What a KTO stage trains and evaluates on: the unpaired rows first, then the pairs unpaired. */
export function ktoExamples(split: DataSplit): { train: UnpairedExample[]; eval: UnpairedExample[] } {
  return {
    train: [...(split.unpairedTrain ?? []), ...unpairPairs(split.train)],
    eval: [...(split.unpairedEval ?? []), ...unpairPairs(split.eval)],
  };
}

export class KtoData {
  readonly train: TokenizedUnpaired[];
  readonly eval: TokenizedUnpaired[];
  /** Rows whose prompt alone filled max length (dropped, as TRL drops them). */
  readonly dropped: number;
  /** Reference log-prob of each row's own completion, [rows]. */
  cache: { train: Float32Array; eval: Float32Array } | null = null;

  constructor(split: DataSplit, limits: TruncationLimits, tokenizer: TextTokenizer) {
    const examples = ktoExamples(split);
    const train = tokenizeUnpairedDataset(examples.train, limits, tokenizer);
    this.train = train.rows;
    this.dropped = train.dropped;
    this.eval = tokenizeUnpairedDataset(examples.eval, limits, tokenizer).rows;
  }

  collate(indices: readonly number[], from: 'train' | 'eval', length: number, padId: number): KtoBatch {
    const rows = from === 'train' ? this.train : this.eval;
    return collateKtoBatch(
      indices.map((i) => rows[i]),
      length,
      padId,
    );
  }

  /** The reference log-prob of every row, `batchSize` rows per forward (TRL's precompute_ref_log_probs). */
  async precompute(reference: ReferenceModel, batchSize: number, length: number, mask: tf.Tensor2D, padId: number, onProgress?: (done: number, total: number) => void) {
    const total = this.train.length + this.eval.length;
    let done = 0;
    const cacheOf = async (rows: TokenizedUnpaired[]) => {
      const cache = new Float32Array(rows.length);
      for (let start = 0; start < rows.length; start += batchSize) {
        const chunk = rows.slice(start, start + batchSize);
        const batch = collateRows(
          chunk.map((r) => [r.prompt, r.completion] as const),
          length,
          padId,
        );
        const logps = tf.tidy(() => reference.logProbs(uploadBatch(batch), mask));
        cache.set((await logps.data()) as Float32Array, start);
        logps.dispose();
        done += chunk.length;
        onProgress?.(done, total);
      }
      return cache;
    };
    const train = await cacheOf(this.train);
    this.cache = { train, eval: await cacheOf(this.eval) };
  }

  /**
   * The reference log-probs of a batch's rows (cached when `useCache`) and of its KL rows, [B]
   * each; zeros without a reference (reference-free).
   */
  referenceLogProbs(
    reference: ReferenceModel | null,
    indices: readonly number[],
    from: 'train' | 'eval',
    device: { rows: DeviceBatch; kl: DeviceBatch },
    mask: tf.Tensor2D,
    useCache: boolean,
  ): { rows: tf.Tensor1D; kl: tf.Tensor1D } {
    if (!reference) return { rows: tf.zeros([indices.length]), kl: tf.zeros([indices.length]) };
    const cache = useCache ? this.cache?.[from] : undefined;
    return {
      rows: cache ? tf.tensor1d(indices.map((i) => cache[i])) : reference.logProbs(device.rows, mask),
      kl: reference.logProbs(device.kl, mask),
    };
  }
}

