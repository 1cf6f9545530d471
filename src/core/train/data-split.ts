import type { PreferencePair } from '../data/preference-pairs';
import { SeededRandom } from '../random';

export interface DataSplit {
  train: PreferencePair[];
  eval: PreferencePair[];
}

/**
 * A seeded held-out split: round(fraction·n) pairs (at least one when fraction > 0) go to
 * evaluation, as long as at least one pair is left to train on.
 */
export function splitDataset(pairs: readonly PreferencePair[], fraction: number, seed: number): DataSplit {
  const wanted = fraction > 0 ? Math.max(1, Math.round(pairs.length * fraction)) : 0;
  const evalCount = pairs.length - wanted >= 1 ? wanted : 0;
  if (evalCount === 0) return { train: pairs.slice(), eval: [] };
  const order = new SeededRandom(seed ^ 0xe7a1).shuffled(pairs.map((_, i) => i));
  const held = new Set(order.slice(0, evalCount));
  return { train: pairs.filter((_, i) => !held.has(i)), eval: pairs.filter((_, i) => held.has(i)) };
}
