import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { pickToken, sampleCompletions } from './sampling';
import { causalMask, gptForward, type NamedWeights } from './gpt';
import { initGptWeights } from './gpt-weights';
import { KvCacheDecoder } from './kv-cache-decoder';
import { SeededRandom } from '../random';
import { MICRO_CONFIG } from '../testing/tiny-model';

const weights: NamedWeights = {};
for (const [name, { shape, data }] of initGptWeights(MICRO_CONFIG, new SeededRandom(5))) weights[name] = tf.tensor(data, shape);

function fullForwardLogits(ids: number[]): number[][] {
  const logits = gptForward(weights, MICRO_CONFIG, tf.tensor2d([ids], [1, ids.length], 'int32'), causalMask(ids.length));
  return (logits.arraySync() as number[][][])[0];
}

describe('KV-cache decoding', () => {
  it('gives the logits of the full forward at every position', async () => {
    const ids = [72, 105, 33, 10, 200, 7];
    const expected = fullForwardLogits(ids);
    const decoder = new KvCacheDecoder(weights, MICRO_CONFIG, 1);
    for (let t = 0; t < ids.length; t++) {
      const logits = decoder.step(Int32Array.from([ids[t]]));
      const got = await logits.data();
      logits.dispose();
      expected[t].forEach((x, v) => expect(got[v]).toBeCloseTo(x, 4));
    }
    decoder.dispose();
  });

  it('greedy sampling of prompts of different lengths follows the full-forward argmax, leaking nothing', async () => {
    const prompts = [[72, 105], [10, 20, 30, 40]];
    const before = tf.memory().numTensors;
    const out = await sampleCompletions(weights, MICRO_CONFIG, prompts, { maxNewTokens: 5, temperature: 0, topK: 0, topP: 1 }, new SeededRandom(1));
    expect(tf.memory().numTensors).toBe(before);
    out.forEach((generated, r) => {
      const ids = [...prompts[r]];
      for (const token of generated) {
        const last = fullForwardLogits(ids).at(-1)!.slice(0, 257);
        expect(token).toBe(last.indexOf(Math.max(...last)));
        ids.push(token);
      }
      expect(generated.length).toBeGreaterThan(0);
    });
  });
});

describe('pickToken', () => {
  const logits = [0, 5, 4.9, 1, -2];
  it('temperature 0 is the argmax; top-k 1 always the best; seeded draws repeat', () => {
    expect(pickToken(logits, { maxNewTokens: 1, temperature: 0, topK: 0, topP: 1 }, new SeededRandom(1))).toBe(1);
    const rng = new SeededRandom(3);
    for (let i = 0; i < 20; i++) expect(pickToken(logits, { maxNewTokens: 1, temperature: 1, topK: 1, topP: 1 }, rng)).toBe(1);
    const draw = (seed: number) => Array.from({ length: 30 }, ((r) => () => pickToken(logits, { maxNewTokens: 1, temperature: 1, topK: 0, topP: 1 }, r))(new SeededRandom(seed)));
    expect(draw(9)).toEqual(draw(9));
  });

  it('top-p keeps only the nucleus', () => {
    const rng = new SeededRandom(4);
    const seen = new Set(Array.from({ length: 200 }, () => pickToken(logits, { maxNewTokens: 1, temperature: 1, topK: 0, topP: 0.9 }, rng)));
    expect([...seen].sort()).toEqual([1, 2]); // e^5 and e^4.9 hold > 90% of the mass
  });
});
