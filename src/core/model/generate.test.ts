import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { greedyComplete } from './generate';
import { causalMask, gptForward, type NamedWeights } from './gpt';
import { initGptWeights } from './gpt-weights';
import { SeededRandom } from '../random';
import { MICRO_CONFIG } from '../testing/tiny-model';

describe('greedyComplete', () => {
  it('picks the argmax of an unpadded forward at each step, and leaks nothing', async () => {
    const weights: NamedWeights = {};
    for (const [name, { shape, data }] of initGptWeights(MICRO_CONFIG, new SeededRandom(5))) weights[name] = tf.tensor(data, shape);
    const prompt = [72, 105];
    const before = tf.memory().numTensors;
    const generated = await greedyComplete(weights, MICRO_CONFIG, prompt, 4);
    expect(tf.memory().numTensors).toBe(before);
    // Independent check: run the exact-length sequence and take the argmax by hand.
    const ids = [...prompt];
    for (const token of generated) {
      const mask = causalMask(ids.length);
      const logits = gptForward(weights, MICRO_CONFIG, tf.tensor2d([ids], [1, ids.length], 'int32'), mask);
      const last = (logits.arraySync() as number[][][])[0][ids.length - 1].slice(0, 257);
      expect(token).toBe(last.indexOf(Math.max(...last)));
      ids.push(token);
    }
    expect(generated.length).toBeGreaterThan(0);
  });
});
