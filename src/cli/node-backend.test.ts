import { afterAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Trainer } from '../core/train/trainer';
import { initGptWeights } from '../core/model/gpt-weights';
import { SeededRandom } from '../core/random';
import { MICRO_CONFIG, MICRO_SETTINGS, SAMPLE_PAIRS } from '../core/testing/tiny-model';
import type { Stage } from '../core/train/settings';
import { useNodeBackend } from './node-backend';

async function threeSteps(stage: Stage): Promise<number[][]> {
  const trainer = new Trainer(MICRO_CONFIG, initGptWeights(MICRO_CONFIG, new SeededRandom(3)), {
    ...MICRO_SETTINGS,
    stage,
    evalFraction: 0,
  });
  try {
    trainer.setData({ train: SAMPLE_PAIRS, eval: [] });
    await trainer.prepare();
    const rows: number[][] = [];
    for (let i = 0; i < 3; i++) {
      const { metrics } = trainer.trainStep();
      rows.push(Array.from(await metrics.data()));
      metrics.dispose();
    }
    return rows;
  } finally {
    trainer.dispose();
  }
}

describe('the CLI wasm backend', () => {
  afterAll(() => tf.setBackend('cpu'));

  // TF.js 4.22's wasm OneHot with a float32 dtype returned int bits (every log-prob read 0
  // and training silently did nothing); this is the check that caught it.
  it.each(['sft', 'dpo'] as const)('trains %s exactly as the cpu reference backend does', async (stage) => {
    await tf.setBackend('cpu');
    const reference = await threeSteps(stage);
    expect(await useNodeBackend('wasm', (line) => expect.unreachable(line))).toBe('wasm');
    const wasm = await threeSteps(stage);
    wasm.flat().forEach((value, i) => {
      const want = reference.flat()[i];
      if (Number.isNaN(want)) expect(value).toBeNaN();
      else expect(Math.abs(value - want)).toBeLessThan(1e-4 * Math.max(1, Math.abs(want)));
    });
    expect(reference[0][0]).toBeGreaterThan(stage === 'sft' ? 1 : 0.69); // a real loss, not a zero
  });
});
