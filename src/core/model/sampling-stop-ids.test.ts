import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { pickToken, sampleCompletions } from './sampling';
import type { NamedWeights } from './gpt';
import { initGptWeights } from './gpt-weights';
import { SeededRandom } from '../random';
import { MICRO_CONFIG } from '../testing/tiny-model';
import { EOS_ID, PAD_ID } from '../tokenizer/byte-tokenizer';

// A model with several end tokens (Llama 3's <|eot_id|> and <|end_of_text|>, Qwen's <|im_end|>
// and <|endoftext|>) stops at whichever of its stop ids it samples first.
const weights: NamedWeights = {};
for (const [name, { shape, data }] of initGptWeights(MICRO_CONFIG, new SeededRandom(5))) weights[name] = tf.tensor(data, shape);
const greedy = { maxNewTokens: 8, temperature: 0, topK: 0, topP: 1 };
const prompt = [[72, 105]];

describe('stop ids', () => {
  it('ends a completion at any stop id, keeping it only with keepEos', async () => {
    const [free] = await sampleCompletions(weights, MICRO_CONFIG, prompt, greedy, new SeededRandom(1));
    const k = free.findIndex((token, i) => i > 0 && !free.slice(0, i).includes(token));
    expect(k, 'the greedy run has a token not seen before it').toBeGreaterThan(0);
    const special = { eosId: EOS_ID, padId: PAD_ID, stopIds: [EOS_ID, free[k]] };
    expect(await sampleCompletions(weights, MICRO_CONFIG, prompt, greedy, new SeededRandom(1), false, special)).toEqual([free.slice(0, k)]);
    expect(await sampleCompletions(weights, MICRO_CONFIG, prompt, greedy, new SeededRandom(1), true, special)).toEqual([
      free.slice(0, k + 1),
    ]);
  });

  it('never samples the pad, unless the pad is itself a stop id (Qwen pads with <|endoftext|>)', () => {
    const logits = [0, 1, 9, 2]; // id 2 is the pad and the most likely token
    expect(pickToken(logits, greedy, new SeededRandom(1), { eosId: 1, padId: 2 })).toBe(3);
    expect(pickToken(logits, greedy, new SeededRandom(1), { eosId: 1, padId: 2, stopIds: [1, 2] })).toBe(2);
  });
});
