import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { useNodeBackend } from '../../cli/node-backend';
import { SeededRandom } from '../random';
import { MICRO_CONFIG } from '../testing/tiny-model';
import { embeddingGradientPath, embedTokens, scatterAddRows, type EmbeddingGradientPath } from './embedding';
import { causalMask, gptForward, type NamedWeights } from './gpt';
import { initGptWeights } from './gpt-weights';

const random = (rng: SeededRandom, shape: number[]) =>
  tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal()),
    shape,
  );

/** d/dtable of sum(lookup(table, ids) · weights), with ids that repeat. */
function tableGradient(lookup: (table: tf.Tensor2D, ids: tf.Tensor1D) => tf.Tensor2D, vocab: number, rows: number, dim: number) {
  return tf.tidy(() => {
    const rng = new SeededRandom(11);
    const table = random(rng, [vocab, dim]) as tf.Tensor2D;
    const ids = tf.tensor1d(
      Int32Array.from({ length: rows }, (_, i) => (i % 3 === 0 ? 2 : rng.int(vocab))),
      'int32',
    );
    const weights = random(rng, [rows, dim]);
    const { value, grads } = tf.valueAndGrads((t: tf.Tensor) => tf.sum(tf.mul(lookup(t as tf.Tensor2D, ids), weights)))([table]);
    return { value: value.dataSync()[0], grad: grads[0].dataSync() as Float32Array };
  });
}

/** The formulation this replaces: a one-hot [N, V] matMul (int32 oneHot, then cast). */
const oneHotLookup = (table: tf.Tensor2D, ids: tf.Tensor1D) =>
  tf.matMul(tf.cast(tf.oneHot(ids, table.shape[0]), 'float32') as tf.Tensor2D, table) as tf.Tensor2D;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe.each(['cpu', 'wasm'] as const)('embedTokens on the %s backend', (backend) => {
  afterAll(() => tf.setBackend('cpu'));

  it('gives the one-hot formulation value and table gradient, repeated ids summed', async () => {
    expect(await useNodeBackend(backend, (line) => expect.unreachable(line))).toBe(backend);
    expect(embeddingGradientPath()).toBe('scatterNd');
    const want = tableGradient(oneHotLookup, 40, 30, 5);
    const got = tableGradient(embedTokens, 40, 30, 5);
    expect(Math.abs(got.value - want.value)).toBeLessThan(1e-4);
    expect(maxAbsDiff(got.grad, want.grad)).toBeLessThan(1e-5);
    expect(got.grad.slice(2 * 5, 3 * 5).some((g) => g !== 0)).toBe(true);
  });

  it.each([40, 50_257])('scatter-adds rows with every kernel path the backend has, vocabulary %i', async (vocab) => {
    await useNodeBackend(backend, (line) => expect.unreachable(line));
    // cpu's UnsortedSegmentSum loops over the vocabulary: only at the small one.
    const paths: EmbeddingGradientPath[] = [
      'scatterNd',
      'oneHotChunks',
      ...(backend === 'cpu' && vocab < 100 ? (['unsortedSegmentSum'] as const) : []),
    ];
    const rows = 200; // more rows than one chunk of the one-hot path holds at 50,257 (83)
    const rng = new SeededRandom(5);
    const ids = Int32Array.from({ length: rows }, (_, i) => (i % 7 === 0 ? vocab - 1 : rng.int(vocab)));
    const dy = Float32Array.from({ length: rows * 3 }, () => rng.normal());
    const want = new Float64Array(vocab * 3);
    ids.forEach((id, r) => [0, 1, 2].forEach((c) => (want[id * 3 + c] += dy[r * 3 + c])));
    for (const path of paths) {
      const got = tf.tidy(() => scatterAddRows(tf.tensor2d(dy, [rows, 3]), tf.tensor1d(ids, 'int32'), vocab, path).dataSync());
      expect(maxAbsDiff(got, want), path).toBeLessThan(1e-5);
    }
  });
});

describe('the GPT token-embedding gradient', () => {
  afterAll(() => tf.setBackend('cpu'));

  /** d/dwte of a loss on a MICRO GPT's logits: embedding and tied head together. */
  function wteGradient(): Float32Array {
    const host = initGptWeights(MICRO_CONFIG, new SeededRandom(3));
    const weights: NamedWeights = Object.fromEntries([...host].map(([name, { shape, data }]) => [name, tf.tensor(data, shape)]));
    const ids = tf.tensor2d(
      Int32Array.from({ length: 2 * 6 }, (_, i) => (i * 37) % 50),
      [2, 6],
      'int32',
    );
    const mask = causalMask(6);
    const before = tf.memory().numTensors;
    const grad = tf.tidy(() => {
      const loss = (wte: tf.Tensor) => tf.sum(tf.square(gptForward({ ...weights, 'wte.weight': wte }, MICRO_CONFIG, ids, mask)));
      return tf.valueAndGrads(loss)([weights['wte.weight']]).grads[0].dataSync() as Float32Array;
    });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([...Object.values(weights), ids, mask]);
    return grad;
  }

  it('is the same on wasm as on the cpu reference backend', async () => {
    await tf.setBackend('cpu');
    const reference = wteGradient();
    expect(await useNodeBackend('wasm', (line) => expect.unreachable(line))).toBe('wasm');
    const wasm = wteGradient();
    expect(reference.some((g) => Math.abs(g) > 1e-3)).toBe(true);
    expect(maxAbsDiff(wasm, reference)).toBeLessThan(1e-4);
  });
});
