import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initGptWeights, type HostWeights } from '../model/gpt-weights';
import { KvCacheDecoder } from '../model/kv-cache-decoder';
import type { NamedWeights } from '../model/gpt';
import { SeededRandom } from '../random';
import { MICRO_CONFIG } from '../testing/tiny-model';
import { decodeIds, encodeText } from '../tokenizer/byte-tokenizer';
import { completionLogProbs, evaluatePolicy, sampleMany } from './scoring';
import { sentimentReward } from './reward';

const upload = (w: HostWeights): NamedWeights => Object.fromEntries([...w].map(([n, { shape, data }]) => [n, tf.tensor(data, shape)]));
const policy = upload(initGptWeights(MICRO_CONFIG, new SeededRandom(1)));
const reference = upload(initGptWeights(MICRO_CONFIG, new SeededRandom(2)));
afterAll(() => tf.dispose([...Object.values(policy), ...Object.values(reference)]));

/** Σ log softmax at each completion token, one position at a time through the KV-cache decoder (a second code path). */
async function stepwiseLogProb(weights: NamedWeights, prompt: number[], completion: number[]): Promise<number> {
  const decoder = new KvCacheDecoder(weights, MICRO_CONFIG, 1);
  const ids = [...prompt, ...completion];
  let total = 0;
  try {
    for (let t = 0; t + 1 < ids.length; t++) {
      const logits = decoder.step(Int32Array.of(ids[t]));
      const row = Array.from(await logits.data());
      logits.dispose();
      if (t + 1 < prompt.length) continue;
      const max = Math.max(...row);
      const logZ = max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
      total += row[ids[t + 1]] - logZ;
    }
  } finally {
    decoder.dispose();
  }
  return total;
}

describe('demo scoring', () => {
  const prompts = ['the plot', 'i liked', 'what a'];

  it('scores sampled completions (EOS included) as the step-by-step decoder does', async () => {
    const completions = await sampleMany(policy, MICRO_CONFIG, prompts, 3);
    expect(completions.some((c) => c.length > 0)).toBe(true);
    const batched = await completionLogProbs(policy, MICRO_CONFIG, prompts, completions);
    for (let i = 0; i < prompts.length; i++) {
      expect(batched[i]).toBeCloseTo(await stepwiseLogProb(policy, encodeText(prompts[i]), completions[i]), 3);
    }
  });

  it("estimates KL as the mean log-ratio of the policy's own samples, 0 against itself", async () => {
    const self = await evaluatePolicy(policy, policy, MICRO_CONFIG, prompts, 2, 9);
    expect(self.kl).toBe(0);
    const other = await evaluatePolicy(policy, reference, MICRO_CONFIG, prompts, 2, 9);
    const completions = await sampleMany(
      policy,
      MICRO_CONFIG,
      prompts.flatMap((p) => [p, p]),
      9,
    );
    expect(other.samples.map((s) => s.completion)).toEqual(completions.map(decodeIds)); // same seed, same draws
    let sum = 0;
    for (let i = 0; i < completions.length; i++) {
      const prompt = encodeText(other.samples[i].prompt);
      sum += (await stepwiseLogProb(policy, prompt, completions[i])) - (await stepwiseLogProb(reference, prompt, completions[i]));
    }
    expect(other.kl).toBeCloseTo(sum / completions.length, 3);
    expect(other.reward).toBeCloseTo(
      other.samples.reduce((a, s) => a + sentimentReward(s.completion, s.prompt), 0) / other.samples.length,
      12,
    );
  });
});
