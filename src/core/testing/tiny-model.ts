import type { GptConfig } from '../model/config';
import { BYTE_VOCAB_SIZE } from '../tokenizer/byte-tokenizer';
import { DEFAULT_SETTINGS, type DpoSettings } from '../train/settings';
import type { PreferencePair } from '../data/preference-pairs';
import type { Trainer } from '../train/trainer';

/** A model small enough for finite differences on the cpu backend. */
export const MICRO_CONFIG: GptConfig = {
  vocabSize: BYTE_VOCAB_SIZE,
  nPositions: 24,
  nEmbd: 8,
  nLayer: 1,
  nHead: 2,
  layerNormEpsilon: 1e-5,
};

export const MICRO_SETTINGS: DpoSettings = { ...DEFAULT_SETTINGS, batchSize: 2, maxLength: 24, maxPromptLength: 8, steps: 10, seed: 7 };

export const SAMPLE_PAIRS: PreferencePair[] = [
  { prompt: 'Q: hi', chosen: ' hello!', rejected: ' go away' },
  { prompt: 'Q: 2+2', chosen: ' 4', rejected: ' 5' },
  { prompt: 'Q: sky', chosen: ' blue', rejected: ' green?' },
  { prompt: 'Q: ok?', chosen: ' yes, fine', rejected: ' no' },
];

/** Takes `n` optimizer steps, reading each step's metric row back (tests compare them exactly). */
export async function stepMetrics(trainer: Trainer, n: number): Promise<number[][]> {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const { metrics } = trainer.trainStep();
    rows.push(Array.from(await metrics.data()));
    metrics.dispose();
  }
  return rows;
}
