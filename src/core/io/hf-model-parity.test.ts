import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelForward } from '../model/causal-lm';
import { causalMask } from '../model/gpt';
import { uploadWeights } from '../model/gpt-weights';
import { loadHfModel } from './hf-model';

/**
 * The loader and the forward pass together against tools/oracle/gpt2_reference.py: each
 * fixture layout (F32 with prefix and buffers, F16, BF16, sharded) must give the oracle's
 * logits for its own stored weights. The goldens hold the first and last 16 vocabulary
 * entries at every position and the logsumexp over all 50,257, so the whole row counts.
 */

const ROOT = 'src/core/testing/fixtures/tiny-gpt2';
const TOLERANCE = 1e-4;

interface GoldenRow {
  ids: number[];
  head: number[][];
  tail: number[][];
  logsumexp: number[];
  argmax: number[];
}

const golden = JSON.parse(readFileSync(join(ROOT, 'golden.json'), 'utf8')) as { variants: Record<string, GoldenRow[]> };

function folder(variant: string, names: string[]): Map<string, Uint8Array> {
  const files = new Map(names.map((n) => [n, new Uint8Array(readFileSync(join(ROOT, variant, n)))]));
  for (const n of ['tokenizer.json', 'tokenizer_config.json']) files.set(n, new Uint8Array(readFileSync(join(ROOT, n))));
  return files;
}

const VARIANTS: [label: string, variant: string, goldenKey: string, files: string[]][] = [
  ['F32, transformer. prefix, attn.bias buffers', '', 'f32', ['config.json', 'model.safetensors']],
  ['F16, no prefix', 'f16', 'f16', ['config.json', 'model.safetensors']],
  ['BF16, no prefix', 'bf16', 'bf16', ['config.json', 'model.safetensors']],
  [
    'F32 sharded',
    'sharded',
    'f32',
    ['config.json', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors'],
  ],
];

/** Max |ours − oracle| over the stored slices and logsumexp of every position of every row. */
async function worstDifference(variant: string, goldenKey: string, files: string[]): Promise<{ worst: number; argmaxAgree: boolean }> {
  const model = loadHfModel(folder(variant, files), 'tiny-gpt2');
  const weights = uploadWeights(model.weights);
  let worst = 0;
  let argmaxAgree = true;
  try {
    for (const row of golden.variants[goldenKey]) {
      const length = row.ids.length;
      const [logits, lse, argmax] = tf.tidy(() => {
        const mask = causalMask(length);
        const out = tf.reshape(modelForward(weights, model.config, tf.tensor2d([row.ids], [1, length], 'int32'), mask), [length, -1]);
        return [out, tf.logSumExp(out, -1), tf.argMax(out, -1)];
      });
      const [values, lseValues, argmaxValues] = await Promise.all([logits.data(), lse.data(), argmax.data()]);
      tf.dispose([logits, lse, argmax]);
      const vocab = model.config.vocabSize;
      for (let t = 0; t < length; t++) {
        for (let j = 0; j < 16; j++) {
          worst = Math.max(worst, Math.abs(values[t * vocab + j] - row.head[t][j]));
          worst = Math.max(worst, Math.abs(values[t * vocab + vocab - 16 + j] - row.tail[t][j]));
        }
        worst = Math.max(worst, Math.abs(lseValues[t] - row.logsumexp[t]));
        if (argmaxValues[t] !== row.argmax[t]) argmaxAgree = false;
      }
    }
  } finally {
    tf.dispose(Object.values(weights));
  }
  return { worst, argmaxAgree };
}

describe('HF GPT-2 checkpoints: gptForward logits equal the PyTorch oracle', () => {
  let tensorsBefore = 0;
  beforeAll(() => {
    tensorsBefore = tf.memory().numTensors;
  });
  afterAll(() => {
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });

  it.each(VARIANTS)('%s', async (_, variant, goldenKey, files) => {
    const { worst, argmaxAgree } = await worstDifference(variant, goldenKey, files);
    console.log(`max |Δlogit| ${variant || 'f32'}: ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(TOLERANCE);
    expect(argmaxAgree).toBe(true);
  });

  it('F16 and BF16 goldens differ from F32 by far more than the tolerance (each variant is tested against its own weights)', () => {
    const gap = (key: string) =>
      Math.max(
        ...golden.variants[key].flatMap((row, r) =>
          row.head.flatMap((values, t) => values.map((v, j) => Math.abs(v - golden.variants.f32[r].head[t][j]))),
        ),
      );
    expect(gap('f16')).toBeGreaterThan(10 * TOLERANCE);
    expect(gap('bf16')).toBeGreaterThan(10 * TOLERANCE);
  });
});
