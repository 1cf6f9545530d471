/**
 * Writes the built-in demo dataset (public/demo/preferences.jsonl) and the small e2e fixture
 * (e2e/fixtures/small-pairs.jsonl): short movie-review prompts whose chosen completion is
 * warm and specific and whose rejected one is dismissive. Seeded, so the files are
 * reproducible: `npm run make:demo-data`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { SeededRandom } from '../src/core/random';
import type { PreferencePair } from '../src/core/data/preference-pairs';

const TITLES = ['Night Train', 'Blue Harbor', 'The Long Road', 'Paper Moon', 'Iron Garden', 'Quiet Storm', 'Red Canyon', 'Glass City', 'Last Summer', 'Wild Hearts'];
const OPENERS = ['Review of', 'My take on', 'Thoughts on'];
const PRAISE = ['a moving story', 'a warm, funny film', 'great acting', 'a lovely score', 'a clever plot', 'a joy to watch', 'brilliant and kind'];
const SCORN = ['boring mess', 'a waste of time', 'dull and slow', 'awful acting', 'a total bore', 'pointless', 'just bad'];
const PRAISE_END = ['Loved it.', 'See it!', 'Wonderful.', 'Highly recommended.'];
const SCORN_END = ['Skip it.', 'Meh.', 'Avoid.', 'No thanks.'];

export function makePairs(count: number, seed: number): PreferencePair[] {
  const rng = new SeededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[rng.int(items.length)];
  return Array.from({ length: count }, () => ({
    prompt: `${pick(OPENERS)} ${pick(TITLES)}:`,
    chosen: ` ${pick(PRAISE)}. ${pick(PRAISE_END)}`,
    rejected: ` ${pick(SCORN)}. ${pick(SCORN_END)}`,
  }));
}

function write(path: string, pairs: PreferencePair[]) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, pairs.map((p) => JSON.stringify(p)).join('\n') + '\n');
  process.stderr.write(`wrote ${pairs.length} pairs to ${path}\n`);
}

write('public/demo/preferences.jsonl', makePairs(400, 2023));
write('e2e/fixtures/small-pairs.jsonl', makePairs(8, 7));
