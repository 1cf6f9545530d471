import { collateDpoBatch, collateSftBatch, tokenizeDataset, type DpoBatch, type TokenizedPair, type TruncationLimits } from '../dpo/batch';
import type { TextTokenizer } from '../tokenizer/tokenizer';
import { SeededRandom } from '../random';
import type { DataSplit } from './data-split';
import type { Stage } from './settings';
import type { TrainerSnapshot } from './trainer-snapshot';
import type { KtoBatch } from '../kto/kto-batch';
import { KtoData } from '../kto/kto-data';

export type Split = 'train' | 'eval';

export interface IndexedBatch {
  indices: number[];
  /** The rows the policy trains on: a pair's chosen and rejected rows, or a KTO batch's rows (its KL rows and labels are in `kto`). */
  batch: DpoBatch;
  kto?: KtoBatch;
}

/**
 * A run's rows, tokenized with its length limits — pairs for SFT and DPO, unpaired rows for KTO
 * (KtoData) — and their order: a seeded shuffle per epoch, drawn on as batches are taken. Its
 * state is part of a checkpoint, so a resumed run takes exactly the batches the uninterrupted
 * one would have.
 */
export class TrainingData {
  train: TokenizedPair[] = [];
  evalPairs: TokenizedPair[] = [];
  /** A KTO stage's unpaired rows (null for SFT and DPO). */
  kto: KtoData | null = null;
  /** Rows whose prompt alone fills the max length. */
  dropped = 0;
  source: DataSplit | null = null;
  private tokenizedWith = '';
  private order: number[] = [];
  private cursor = 0;
  private readonly rng: SeededRandom;

  constructor(
    seed: number,
    private readonly stage: Stage,
  ) {
    this.rng = new SeededRandom(seed ^ 0x5eed);
  }

  /** Training rows: pairs, or a KTO stage's unpaired rows. */
  get trainCount(): number {
    return this.kto ? this.kto.train.length : this.train.length;
  }

  get evalCount(): number {
    return this.kto ? this.kto.eval.length : this.evalPairs.length;
  }

  /** Tokenizes `split` unless it is the split already held with the same limits; true when it did (the order restarts). */
  set(split: DataSplit, limits: TruncationLimits, tokenizer: TextTokenizer): boolean {
    const key = `${limits.maxLength}/${limits.maxPromptLength}`;
    if (split === this.source && key === this.tokenizedWith) return false;
    if (this.stage === 'kto') {
      this.kto = new KtoData(split, limits, tokenizer);
      this.dropped = this.kto.dropped;
    } else {
      const train = tokenizeDataset(split.train, limits, tokenizer);
      this.train = train.pairs;
      this.evalPairs = tokenizeDataset(split.eval, limits, tokenizer).pairs;
      this.dropped = train.dropped;
    }
    this.source = split;
    this.tokenizedWith = key;
    this.order = [];
    this.cursor = 0;
    return true;
  }

  /** The indices of the next `count` training rows; an epoch ends mid-batch when it must. */
  next(count: number): number[] {
    const indices: number[] = [];
    while (indices.length < count) {
      if (this.cursor >= this.order.length) {
        this.order = this.rng.shuffled(Array.from({ length: this.trainCount }, (_, i) => i));
        this.cursor = 0;
      }
      indices.push(this.order[this.cursor++]);
    }
    return indices;
  }

  /** Rows `indices` of `split` collated at `length`, as the stage trains on them. */
  collate(indices: number[], split: Split, length: number, padId: number): IndexedBatch {
    if (this.kto) {
      const kto = this.kto.collate(indices, split, length, padId);
      return { indices, batch: kto.rows, kto };
    }
    const pairs = indices.map((i) => (split === 'train' ? this.train : this.evalPairs)[i]);
    const batch = this.stage === 'sft' ? collateSftBatch(pairs, length, padId) : collateDpoBatch(pairs, length, padId);
    return { indices, batch };
  }

  snapshot(): TrainerSnapshot['data'] {
    return { order: this.order.slice(), cursor: this.cursor, rng: this.rng.state };
  }

  /** Continues a checkpoint's order; throws when it does not fit the rows held. */
  restore(data: TrainerSnapshot['data']): void {
    if (data.order.some((i) => i >= this.trainCount) || data.cursor > data.order.length) {
      throw new Error(`checkpoint: its data order does not fit the ${this.trainCount} training pairs (was the dataset changed?)`);
    }
    this.order = data.order.slice();
    this.cursor = data.cursor;
    this.rng.state = data.rng;
  }
}
