/**
 * A KTO stage's rows: the dataset's unpaired rows plus its pairs unpaired (each pair gives a
 * desirable and an undesirable row, TRL's unpair_preference_dataset), tokenized. Their
 * reference log-probs are cached per row by the run like a DPO pair's (RunReference, one value
 * per row); the KL rows change with every shuffled batch, so theirs are computed each step.
 */
import { unpairPairs, type UnpairedExample } from '../data/unpaired';
import type { TruncationLimits } from '../dpo/batch';
import type { TextTokenizer } from '../tokenizer/tokenizer';
import type { DataSplit } from '../train/data-split';
import { collateKtoBatch, tokenizeUnpairedDataset, type KtoBatch, type TokenizedUnpaired } from './kto-batch';

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
}
