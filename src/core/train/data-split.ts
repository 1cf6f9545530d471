import type { PreferencePair } from '../data/preference-pairs';
import type { UnpairedExample } from '../data/unpaired';
import { SeededRandom } from '../random';

export interface DataSplit {
  train: PreferencePair[];
  eval: PreferencePair[];
  /** The dataset's unpaired rows ({prompt, completion, label}), which only a KTO stage trains on. */
  unpairedTrain?: UnpairedExample[];
  unpairedEval?: UnpairedExample[];
}

/** round(fraction·n) rows held out (at least one when fraction > 0), as long as one is left to train on. */
function splitRows<T>(rows: readonly T[], fraction: number, seed: number): { train: T[]; eval: T[] } {
  const wanted = fraction > 0 ? Math.max(1, Math.round(rows.length * fraction)) : 0;
  const evalCount = rows.length - wanted >= 1 ? wanted : 0;
  if (evalCount === 0) return { train: rows.slice(), eval: [] };
  const order = new SeededRandom(seed ^ 0xe7a1).shuffled(rows.map((_, i) => i));
  const held = new Set(order.slice(0, evalCount));
  return { train: rows.filter((_, i) => !held.has(i)), eval: rows.filter((_, i) => held.has(i)) };
}

/**
 * A seeded held-out split: round(fraction·n) pairs (at least one when fraction > 0) go to
 * evaluation, as long as at least one pair is left to train on. Unpaired rows, when given,
 * are split the same way on their own.
 */
export function splitDataset(pairs: readonly PreferencePair[], fraction: number, seed: number, unpaired?: readonly UnpairedExample[]): DataSplit {
  const split: DataSplit = splitRows(pairs, fraction, seed);
  if (unpaired && unpaired.length > 0) {
    const rows = splitRows(unpaired, fraction, seed);
    split.unpairedTrain = rows.train;
    split.unpairedEval = rows.eval;
  }
  return split;
}
