import { tokenizeDataset, type TokenizedPair, type TruncationLimits } from '../dpo/batch';
import type { TextTokenizer } from '../tokenizer/tokenizer';
import { SeededRandom } from '../random';
import type { DataSplit } from './data-split';
import type { TrainerSnapshot } from './trainer-snapshot';

/**
 * A run's pairs, tokenized with its length limits, and their order: a seeded shuffle per
 * epoch, drawn on as batches are taken. Its state is part of a checkpoint, so a resumed run
 * takes exactly the batches the uninterrupted one would have.
 */
export class TrainingData {
  train: TokenizedPair[] = [];
  evalPairs: TokenizedPair[] = [];
  /** Rows whose prompt alone fills the max length. */
  dropped = 0;
  source: DataSplit | null = null;
  private tokenizedWith = '';
  private order: number[] = [];
  private cursor = 0;
  private readonly rng: SeededRandom;

  constructor(seed: number) {
    this.rng = new SeededRandom(seed ^ 0x5eed);
  }

  /** Tokenizes `split` unless it is the split already held with the same limits; true when it did (the order restarts). */
  set(split: DataSplit, limits: TruncationLimits, tokenizer: TextTokenizer): boolean {
    const key = `${limits.maxLength}/${limits.maxPromptLength}`;
    if (split === this.source && key === this.tokenizedWith) return false;
    const train = tokenizeDataset(split.train, limits, tokenizer);
    this.train = train.pairs;
    this.evalPairs = tokenizeDataset(split.eval, limits, tokenizer).pairs;
    this.dropped = train.dropped;
    this.source = split;
    this.tokenizedWith = key;
    this.order = [];
    this.cursor = 0;
    return true;
  }

  /** The indices of the next `count` training pairs; an epoch ends mid-batch when it must. */
  next(count: number): number[] {
    const indices: number[] = [];
    while (indices.length < count) {
      if (this.cursor >= this.order.length) {
        this.order = this.rng.shuffled(this.train.map((_, i) => i));
        this.cursor = 0;
      }
      indices.push(this.order[this.cursor++]);
    }
    return indices;
  }

  snapshot(): TrainerSnapshot['data'] {
    return { order: this.order.slice(), cursor: this.cursor, rng: this.rng.state };
  }

  /** Continues a checkpoint's order; throws when it does not fit the pairs held. */
  restore(data: TrainerSnapshot['data']): void {
    if (data.order.some((i) => i >= this.train.length) || data.cursor > data.order.length) {
      throw new Error(`checkpoint: its data order does not fit the ${this.train.length} training pairs (was the dataset changed?)`);
    }
    this.order = data.order.slice();
    this.cursor = data.cursor;
    this.rng.state = data.rng;
  }
}
