import { SeededRandom } from '../random';

/**
 * A grammar of short movie-review-like texts with mixed sentiment, for the controlled-
 * sentiment demo (DPO paper §6.1 at browser scale). Every evaluative word is an AFINN-165
 * entry (or a neutral word it does not list), so the lexicon reward reads what the grammar
 * wrote. Each review draws its own positivity p ~ U(0, 1); every evaluative slot is then
 * positive with probability p, so most reviews mix praise and complaint.
 */

const POSITIVE = [
  'great',
  'good',
  'wonderful',
  'brilliant',
  'fun',
  'beautiful',
  'amazing',
  'excellent',
  'funny',
  'lovely',
  'superb',
  'fantastic',
  'charming',
  'perfect',
  'nice',
  'clever',
];
const NEGATIVE = [
  'bad',
  'boring',
  'awful',
  'terrible',
  'dull',
  'horrible',
  'stupid',
  'poor',
  'weak',
  'ugly',
  'disappointing',
  'annoying',
  'lame',
  'silly',
  'pointless',
  'sad',
];
const NEUTRAL = ['long', 'slow', 'quiet', 'simple', 'short', 'loud', 'old', 'dark'];
const ADVERBS = ['really', 'very', 'quite', 'so', 'a bit', 'rather'];
const SUBJECTS = [
  'this movie',
  'this film',
  'the acting',
  'the plot',
  'the story',
  'the ending',
  'the music',
  'the cast',
  'the script',
  'the dialogue',
  'the director',
  'the camera work',
  'the lead',
  'the pacing',
  'the score',
];
const OBJECTS = ['it', 'this movie', 'this film', 'the ending', 'the story', 'the music', 'the cast', 'every minute'];
const OPENERS = ['', '', '', 'honestly, ', 'i thought ', 'to be fair, ', 'i think ', 'overall, ', 'sadly, ', 'well, '];
const POSITIVE_VERBS = ['loved', 'liked', 'enjoyed'];
const NEGATIVE_VERBS = ['hated', 'disliked'];
const LINKS = ['and', 'but', 'and', 'while'];
const PRESENT_SUBJECTS = ['it', 'this movie', 'this film', 'the story', 'the cast'];

/** Longest review in bytes, so prompt + completion + EOS fits the demo model's 64 positions. */
export const MAX_REVIEW_BYTES = 62;

export interface Review {
  /** The first few words (2-4), as the paper prompted with review prefixes. */
  prompt: string;
  /** The rest, starting with a space. */
  completion: string;
}

class ReviewWriter {
  constructor(
    private readonly rng: SeededRandom,
    private readonly positivity: number,
  ) {}

  pick<T>(items: readonly T[]): T {
    return items[this.rng.int(items.length)];
  }

  /** An evaluative adjective phrase: neutral 15%, negated 10%, with an adverb 30%. */
  adjective(): string {
    if (this.rng.next() < 0.15) return this.pick(NEUTRAL);
    const positive = this.rng.next() < this.positivity;
    if (this.rng.next() < 0.1) return `not ${this.pick(positive ? NEGATIVE : POSITIVE)}`;
    const word = this.pick(positive ? POSITIVE : NEGATIVE);
    return this.rng.next() < 0.3 ? `${this.pick(ADVERBS)} ${word}` : word;
  }

  clause(): string {
    const r = this.rng.next();
    if (r < 0.45) return `${this.pick(SUBJECTS)} was ${this.adjective()}`;
    if (r < 0.6) return `${this.pick(PRESENT_SUBJECTS)} is ${this.adjective()}`;
    if (r < 0.8) return `i ${this.pick(this.rng.next() < this.positivity ? POSITIVE_VERBS : NEGATIVE_VERBS)} ${this.pick(OBJECTS)}`;
    if (r < 0.9) {
      const adjective = this.adjective().replace(/^not /, '');
      return `what ${/^[aeiou]/.test(adjective) ? 'an' : 'a'} ${adjective} film`;
    }
    return `it was ${this.adjective()}`;
  }

  review(): string {
    let text = `${this.pick(OPENERS)}${this.clause()}`;
    if (this.rng.next() < 0.5) text += ` ${this.pick(LINKS)} ${this.clause()}`;
    text += '.';
    if (this.rng.next() < 0.6) text += ` ${this.clause()}.`;
    return text;
  }
}

/** Splits after the first 2-4 words (never the whole text). */
function split(text: string, rng: SeededRandom): Review {
  const words = text.split(' ');
  const cut = Math.min(2 + rng.int(3), words.length - 1);
  return { prompt: words.slice(0, cut).join(' '), completion: ' ' + words.slice(cut).join(' ') };
}

/** `count` seeded reviews, each at most MAX_REVIEW_BYTES long. */
export function generateReviews(count: number, seed: number): Review[] {
  const rng = new SeededRandom(seed);
  const out: Review[] = [];
  while (out.length < count) {
    const text = new ReviewWriter(rng, rng.next()).review();
    if (text.length <= MAX_REVIEW_BYTES) out.push(split(text, rng));
  }
  return out;
}

/**
 * Distinct prompts split into the ones pairs are sampled from and held-out ones for
 * evaluation (never seen while making pairs), seeded.
 */
export function splitPrompts(reviews: readonly Review[], heldOutFraction: number, seed: number): { train: string[]; heldOut: string[] } {
  const distinct = new SeededRandom(seed).shuffled([...new Set(reviews.map((r) => r.prompt))].sort());
  const heldOut = Math.max(1, Math.round(distinct.length * heldOutFraction));
  return { train: distinct.slice(heldOut), heldOut: distinct.slice(0, heldOut) };
}
