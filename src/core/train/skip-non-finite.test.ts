import { describe, expect, it } from 'vitest';
import { Trainer } from './trainer';
import { initGptWeights } from '../model/gpt-weights';
import { SeededRandom } from '../random';
import { MICRO_CONFIG, MICRO_SETTINGS, SAMPLE_PAIRS } from '../testing/tiny-model';

/** Trains with an absurd learning rate: the weights blow up within a couple of steps. */
async function blowUp(skipNonFinite: boolean) {
  const trainer = new Trainer(MICRO_CONFIG, initGptWeights(MICRO_CONFIG, new SeededRandom(4)), {
    ...MICRO_SETTINGS,
    learningRate: 1e30,
    maxGradNorm: 0,
    skipNonFinite,
  });
  trainer.setData({ train: SAMPLE_PAIRS, eval: [] });
  await trainer.prepare();
  const losses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const { metrics } = trainer.trainStep();
    losses.push((await metrics.data())[0]);
    metrics.dispose();
  }
  const weights = await trainer.hostWeights();
  trainer.dispose();
  const allFinite = [...weights.values()].every((t) => t.data.every(Number.isFinite));
  return { losses, allFinite };
}

describe('skipping non-finite steps', () => {
  it('leaves the weights finite when a step goes NaN, where plain training ends with non-finite weights', async () => {
    const plain = await blowUp(false);
    expect(plain.losses.some((l) => !Number.isFinite(l))).toBe(true);
    expect(plain.allFinite).toBe(false);
    const skipping = await blowUp(true);
    expect(skipping.losses.some((l) => !Number.isFinite(l))).toBe(true);
    expect(skipping.allFinite).toBe(true);
  });
});
