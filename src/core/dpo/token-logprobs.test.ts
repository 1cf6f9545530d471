import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { afterEach, describe, expect, it } from 'vitest';
import golden from '../testing/oracle/logsoftmax-gather-oracle.json';
import { sequenceLogProbs } from './logprobs';
import { TOKEN_LOG_PROBS_GRAD_KERNEL, TOKEN_LOG_PROBS_KERNEL, tokenLogProbs, tokenLogProbsPath } from './token-logprobs';

// Golden values: tools/oracle/logsoftmax_gather_oracle.py (PyTorch float64 autograd from the
// same float32 logits). Tolerance 1e-5, relative above magnitude 1 (a float32 log-prob of −160
// has an ulp of 1.5e-5).
const TOLERANCE = 1e-5;

type GoldenCase = (typeof golden.cases)[number] & {
  logits?: number[][][];
  hashed?: { seed: number; scale: number };
  tokenGrad?: number[];
  sequenceGrad?: number[];
  gradAt?: number[][];
  tokenGradAt?: number[];
  sequenceGradAt?: number[];
};

/** The oracle's exact integer-hash logits (see its GENERATOR): bit-identical in float32. */
function hashedLogits(count: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (((i * 2654435761 + seed * 40503 + 12345) % 4294967296) / 2147483648 - 1) * scale;
  return out;
}

function inputs(c: GoldenCase) {
  const [n, t, v] = c.shape;
  const values = c.logits ? Float32Array.from(c.logits.flat(2)) : hashedLogits(n * t * v, c.hashed!.seed, c.hashed!.scale);
  return {
    logits: tf.tensor3d(values, [n, t, v]),
    labels: tf.tensor2d(c.labels.flat(), [n, t], 'int32'),
    mask: tf.tensor2d(c.mask.flat(), [n, t]),
    tokenWeights: tf.tensor2d(c.tokenWeights.flat(), [n, t]),
    rowWeights: tf.tensor1d(c.rowWeights),
  };
}

/** Largest |got − want| / max(1, |want|). */
function maxError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  return worst;
}

/** Forward and both gradients of one case on the active backend, as plain arrays. */
function evaluate(c: GoldenCase) {
  const x = inputs(c);
  const before = tf.memory().numTensors;
  const tokenLogp = tokenLogProbs(x.logits, x.labels);
  const seq = sequenceLogProbs(x.logits, x.labels, x.mask);
  const tokenGrad = tf.grad((l: tf.Tensor) => tf.sum(tf.mul(tokenLogProbs(l, x.labels), x.tokenWeights)))(x.logits);
  const seqGrad = tf.grad((l: tf.Tensor) => tf.sum(tf.mul(sequenceLogProbs(l as tf.Tensor3D, x.labels, x.mask), x.rowWeights)))(x.logits);
  const created = tf.memory().numTensors - before; // the four results, nothing else
  const out = {
    created,
    tokenLogp: tokenLogp.dataSync(),
    seq: seq.dataSync(),
    tokenGrad: tokenGrad.dataSync(),
    seqGrad: seqGrad.dataSync(),
    tokenGradAbsSum: tf.tidy(() => tf.sum(tf.abs(tokenGrad), -1).dataSync()),
    seqGradAbsSum: tf.tidy(() => tf.sum(tf.abs(seqGrad), -1).dataSync()),
  };
  tf.dispose([tokenLogp, seq, tokenGrad, seqGrad, ...Object.values(x)]);
  return out;
}

function expectMatchesGolden(c: GoldenCase, got: ReturnType<typeof evaluate>) {
  const v = c.shape[2];
  const pick = (flat: ArrayLike<number>, at: number[][]) => at.map(([n, t, col]) => flat[(n * c.shape[1] + t) * v + col]);
  const errors = {
    tokenLogProbs: maxError(got.tokenLogp, c.tokenLogProbs.flat()),
    sequenceLogProbs: maxError(got.seq, c.sequenceLogProbs),
    tokenGrad: c.tokenGrad ? maxError(got.tokenGrad, c.tokenGrad) : maxError(pick(got.tokenGrad, c.gradAt!), c.tokenGradAt!),
    sequenceGrad: c.sequenceGrad ? maxError(got.seqGrad, c.sequenceGrad) : maxError(pick(got.seqGrad, c.gradAt!), c.sequenceGradAt!),
    tokenGradAbsSum: maxError(got.tokenGradAbsSum, c.tokenGradAbsSum.flat()),
    sequenceGradAbsSum: maxError(got.seqGradAbsSum, c.sequenceGradAbsSum.flat()),
  };
  for (const [name, error] of Object.entries(errors)) expect(error, `${c.name}: ${name}`).toBeLessThanOrEqual(TOLERANCE);
  expect(got.created).toBe(4);
}

describe('tokenLogProbs (portable ops on the cpu backend)', () => {
  it('takes the portable path where no kernel is registered', () => {
    expect(tokenLogProbsPath()).toBe('portable');
  });

  for (const c of golden.cases as GoldenCase[])
    it(`matches PyTorch: ${c.name}`, () => {
      expectMatchesGolden(c, evaluate(c));
    });

  it('is finite and exact at ±80 (the edge case holds log-probs near −160 and exactly 0)', () => {
    const c = golden.cases[0] as GoldenCase;
    const got = evaluate(c);
    expect(got.tokenLogp[1]).toBeCloseTo(-160.69314718, 3);
    expect(got.tokenLogp[3]).toBe(0);
    expect([...got.tokenGrad].every(Number.isFinite)).toBe(true);
  });

  it('agrees with log-softmax gathered the long way, on random logits', () => {
    const logits = tf.randomNormal([3, 5, 11], 0, 4, 'float32', 3);
    const labels = tf.tensor2d([0, 10, 3, 3, 7, 1, 2, 9, 4, 5, 6, 8, 0, 1, 10], [3, 5], 'int32');
    const fast = tokenLogProbs(logits, labels);
    const slow = tf.tidy(() => tf.sum(tf.mul(tf.logSoftmax(logits), tf.cast(tf.oneHot(labels, 11), 'float32')), -1));
    expect(maxError(fast.dataSync(), slow.dataSync())).toBeLessThan(1e-5);
    tf.dispose([logits, labels, fast, slow]);
  });

  it('leaves no tensors behind, forward only or under variableGrads', () => {
    const logits = tf.variable(tf.randomNormal([2, 4, 9], 0, 1, 'float32', 1));
    const labels = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [2, 4], 'int32');
    const mask = tf.ones([2, 4]) as tf.Tensor2D;
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.dispose(sequenceLogProbs(logits as unknown as tf.Tensor3D, labels, mask));
      const { value, grads } = tf.variableGrads(() => tf.sum(sequenceLogProbs(logits as unknown as tf.Tensor3D, labels, mask)));
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([logits, labels, mask]);
  });
});

/**
 * The kernel contract, implemented in plain JS for the cpu backend: lets Node exercise the
 * dispatch-by-name path that the WebGPU kernels (src/kernels/webgpu/) take in the browser.
 */
function registerReferenceKernels(calls: string[]) {
  type Info = tf.TensorInfo;
  const read = (backend: unknown, t: Info | undefined) => Float64Array.from((backend as tf.KernelBackend).readSync(t!.dataId) as Float32Array);
  const make = (backend: unknown, values: Float32Array, shape: number[]): Info => ({
    dataId: (backend as tf.KernelBackend).write(values, shape, 'float32'),
    shape,
    dtype: 'float32',
  });
  tf.registerKernel({
    kernelName: TOKEN_LOG_PROBS_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend }) => {
      calls.push(TOKEN_LOG_PROBS_KERNEL);
      const [rows, vocab] = inputs.logits!.shape;
      const x = read(backend, inputs.logits);
      const labels = read(backend, inputs.labels);
      const logp = new Float32Array(rows);
      const lse = new Float32Array(rows);
      for (let r = 0; r < rows; r++) {
        const row = x.subarray(r * vocab, (r + 1) * vocab);
        const max = row.reduce((a, b) => Math.max(a, b), -Infinity);
        lse[r] = max + Math.log(row.reduce((sum, value) => sum + Math.exp(value - max), 0));
        logp[r] = row[labels[r]] - lse[r];
      }
      return [make(backend, logp, [rows]), make(backend, lse, [rows])];
    },
  });
  tf.registerKernel({
    kernelName: TOKEN_LOG_PROBS_GRAD_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend }) => {
      calls.push(TOKEN_LOG_PROBS_GRAD_KERNEL);
      const [rows, vocab] = inputs.logits!.shape;
      const [x, labels, lse, dy] = [inputs.logits, inputs.labels, inputs.lse, inputs.dy].map((t) => read(backend, t));
      const grad = new Float32Array(rows * vocab);
      for (let i = 0; i < grad.length; i++) {
        const r = Math.floor(i / vocab);
        grad[i] = dy[r] * ((i - r * vocab === labels[r] ? 1 : 0) - Math.exp(x[i] - lse[r]));
      }
      return make(backend, grad, [rows, vocab]);
    },
  });
}

describe('tokenLogProbs through registered kernels (the fused path, contract checked on cpu)', () => {
  afterEach(() => {
    tf.unregisterKernel(TOKEN_LOG_PROBS_KERNEL, 'cpu');
    tf.unregisterKernel(TOKEN_LOG_PROBS_GRAD_KERNEL, 'cpu');
  });

  it('dispatches forward and gradient to the kernels by name and still matches PyTorch', () => {
    const calls: string[] = [];
    registerReferenceKernels(calls);
    expect(tokenLogProbsPath()).toBe('fused');
    const c = golden.cases[0] as GoldenCase;
    expectMatchesGolden(c, evaluate(c));
    // evaluate(): two forwards, then two gradients each with its own forward.
    expect(calls).toEqual([
      TOKEN_LOG_PROBS_KERNEL,
      TOKEN_LOG_PROBS_KERNEL,
      TOKEN_LOG_PROBS_KERNEL,
      TOKEN_LOG_PROBS_GRAD_KERNEL,
      TOKEN_LOG_PROBS_KERNEL,
      TOKEN_LOG_PROBS_GRAD_KERNEL,
    ]);
  });
});
