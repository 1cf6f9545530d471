// The fused log-softmax-and-gather WebGPU kernels (src/kernels/webgpu/) in Chromium: forward and
// gradient against PyTorch's golden values and against the portable TF.js ops on the same
// backend, then through the app's own worker (the ?bench= path), where backend.ts registers
// them, checking that they hold less memory than the portable ops.
//
// The kernel checks run in a page of their own: the spec bundles a small harness with esbuild
// and serves it through page.route on the app's origin, so it needs no route in the app.
import { expect, test } from '@playwright/test';
import { build } from 'esbuild';
import { logWebGpuAdapter } from './webgpu-info';

const HARNESS = `
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import { registerWebGpuKernels, WEBGPU_KERNEL_NAMES } from './src/kernels/webgpu';
import { tokenLogProbs } from './src/core/dpo/token-logprobs';
import golden from './src/core/testing/oracle/logsoftmax-gather-oracle.json';

function hashedLogits(count, seed, scale) {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (((i * 2654435761 + seed * 40503 + 12345) % 4294967296) / 2147483648 - 1) * scale;
  return out;
}

// Largest |got - want| / max(1, |want|).
function maxError(got, want) {
  if (got.length !== want.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  return worst;
}

async function evaluate(c, implementation) {
  const [n, t, v] = c.shape;
  const values = c.logits ? Float32Array.from(c.logits.flat(2)) : hashedLogits(n * t * v, c.hashed.seed, c.hashed.scale);
  const logits = tf.tensor3d(values, [n, t, v]);
  const labels = tf.tensor2d(c.labels.flat(), [n, t], 'int32');
  const mask = tf.tensor2d(c.mask.flat(), [n, t]);
  const tokenWeights = tf.tensor2d(c.tokenWeights.flat(), [n, t]);
  const rowWeights = tf.tensor1d(c.rowWeights);
  const seqOf = (l) => tf.tidy(() => tf.sum(tf.mul(tokenLogProbs(l, labels, implementation), mask), -1));
  const all = () => [
    tokenLogProbs(logits, labels, implementation),
    seqOf(logits),
    tf.grad((l) => tf.sum(tf.mul(tokenLogProbs(l, labels, implementation), tokenWeights)))(logits),
    tf.grad((l) => tf.sum(tf.mul(seqOf(l), rowWeights)))(logits),
  ];
  // Which kernels ran, from a profiled run; values and the tensor count from a plain one.
  const profile = await tf.profile(all);
  tf.dispose(profile.result);
  const before = tf.memory().numTensors;
  const [tokenLogp, seq, tokenGrad, seqGrad] = all();
  const absSums = tf.tidy(() => [tf.sum(tf.abs(tokenGrad), -1), tf.sum(tf.abs(seqGrad), -1)]);
  const out = {
    tokenLogp: Array.from(await tokenLogp.data()),
    seq: Array.from(await seq.data()),
    tokenGrad: await tokenGrad.data(),
    seqGrad: await seqGrad.data(),
    tokenGradAbsSum: Array.from(await absSums[0].data()),
    seqGradAbsSum: Array.from(await absSums[1].data()),
    kernels: [...new Set(profile.kernels.map((k) => k.name))],
  };
  tf.dispose([tokenLogp, seq, tokenGrad, seqGrad, ...absSums]);
  out.leaked = tf.memory().numTensors - before;
  tf.dispose([logits, labels, mask, tokenWeights, rowWeights]);
  return out;
}

function errorsAgainstGolden(c, got) {
  const pick = (flat, at) => at.map(([i, j, col]) => flat[(i * c.shape[1] + j) * c.shape[2] + col]);
  return {
    tokenLogProbs: maxError(got.tokenLogp, c.tokenLogProbs.flat()),
    sequenceLogProbs: maxError(got.seq, c.sequenceLogProbs),
    tokenGrad: c.tokenGrad ? maxError(got.tokenGrad, c.tokenGrad) : maxError(pick(got.tokenGrad, c.gradAt), c.tokenGradAt),
    sequenceGrad: c.sequenceGrad ? maxError(got.seqGrad, c.sequenceGrad) : maxError(pick(got.seqGrad, c.gradAt), c.sequenceGradAt),
    tokenGradAbsSum: maxError(got.tokenGradAbsSum, c.tokenGradAbsSum.flat()),
    sequenceGradAbsSum: maxError(got.seqGradAbsSum, c.sequenceGradAbsSum.flat()),
  };
}

window.fusedLogProbsCheck = async () => {
  registerWebGpuKernels();
  if (!(await tf.setBackend('webgpu'))) throw new Error('webgpu did not initialise');
  await tf.ready();
  const registered = Object.fromEntries(WEBGPU_KERNEL_NAMES.map((name) => [name, !!tf.getKernel(name, 'webgpu')]));
  const cases = [];
  for (const c of golden.cases) {
    const fused = await evaluate(c, 'fused');
    const portable = await evaluate(c, 'portable');
    cases.push({
      name: c.name,
      fused: { errors: errorsAgainstGolden(c, fused), kernels: fused.kernels, leaked: fused.leaked },
      portable: { errors: errorsAgainstGolden(c, portable), kernels: portable.kernels, leaked: portable.leaked },
      fusedVsPortable: {
        tokenLogProbs: maxError(fused.tokenLogp, portable.tokenLogp),
        tokenGrad: maxError(fused.tokenGrad, portable.tokenGrad),
        sequenceGrad: maxError(fused.seqGrad, portable.seqGrad),
      },
    });
  }
  return { backend: tf.getBackend(), registered, cases };
};
`;

const TOLERANCE = 1e-5;

test('fused log-softmax-and-gather kernels on WebGPU match PyTorch and the portable ops', async ({ page, baseURL }) => {
  const bundle = await build({
    stdin: { contents: HARNESS, resolveDir: process.cwd(), loader: 'ts', sourcefile: 'fused-logprobs-harness.ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
  });
  await page.route('**/__fused-logprobs/*', (route) =>
    route.request().url().endsWith('.js')
      ? route.fulfill({ contentType: 'text/javascript', body: bundle.outputFiles[0].text })
      : route.fulfill({ contentType: 'text/html', body: '<!doctype html><script type="module" src="harness.js"></script>' }),
  );
  page.on('console', (m) => m.type() === 'error' && console.log(`page: ${m.text()}`));
  await page.goto(new URL('/__fused-logprobs/index.html', baseURL).href);
  await logWebGpuAdapter(page);
  await page.waitForFunction(() => 'fusedLogProbsCheck' in window);
  const result = await page.evaluate(() => (window as unknown as { fusedLogProbsCheck(): Promise<CheckResult> }).fusedLogProbsCheck());
  console.log(JSON.stringify(result, null, 1));

  expect(result.backend).toBe('webgpu');
  expect(result.registered).toEqual(expect.objectContaining({ TokenLogProbs: true, TokenLogProbsGrad: true }));
  expect(result.cases.map((c) => c.name)).toContain('hashed V=50257 (GPT-2)');
  for (const c of result.cases) {
    for (const which of ['fused', 'portable'] as const)
      for (const [name, error] of Object.entries(c[which].errors))
        expect(error, `${c.name}, ${which} vs PyTorch: ${name}`).toBeLessThanOrEqual(TOLERANCE);
    for (const [name, error] of Object.entries(c.fusedVsPortable)) expect(error, `${c.name}, fused vs portable: ${name}`).toBeLessThanOrEqual(TOLERANCE);
    // The fused run really ran the kernels, and no log-softmax; the portable run did not.
    expect(c.fused.kernels).toEqual(expect.arrayContaining(['TokenLogProbs', 'TokenLogProbsGrad']));
    expect(c.fused.kernels.filter((k) => /Softmax|OneHot|ScatterNd/.test(k))).toEqual([]);
    expect(c.portable.kernels).not.toContain('TokenLogProbs');
    expect([c.fused.leaked, c.portable.leaked]).toEqual([0, 0]);
  }
});

test("the app's worker uses the fused kernels on WebGPU, with less memory than the portable ops", async ({ page }) => {
  const [rows, length, vocab] = [2, 16, 50257];
  const options = { warmup: 0, measure: 1, block: 1, growthSteps: 0, logprobs: { rows, length, vocab, variants: ['portable', 'fused'] } };
  await page.goto(`/?view=studio&backend=webgpu&bench=${encodeURIComponent(JSON.stringify({ models: [], options }))}`);
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  const text = await page.getByTestId('bench-result').textContent({ timeout: 5 * 60_000 });
  const { runs } = JSON.parse(text ?? '{}') as { runs: { variant: string; peak_bytes: number; checksum: { logp: number; gradAbs: number } }[] };
  console.log(JSON.stringify(runs));
  const [portable, fused] = runs;
  expect([portable?.variant, fused?.variant]).toEqual(['portable', 'fused']);
  const gradientBytes = rows * length * vocab * 4; // the one [N, T, V] tensor the backward must make
  expect(fused.peak_bytes).toBeLessThan(1.1 * gradientBytes);
  expect(portable.peak_bytes).toBeGreaterThan(2 * gradientBytes);
  expect(Math.abs(fused.checksum.logp - portable.checksum.logp)).toBeLessThan(1e-5 * Math.abs(portable.checksum.logp));
  expect(Math.abs(fused.checksum.gradAbs - portable.checksum.gradAbs)).toBeLessThan(1e-5 * portable.checksum.gradAbs);
});

interface Errors {
  [name: string]: number;
}
interface CheckResult {
  backend: string;
  registered: Record<string, boolean>;
  cases: {
    name: string;
    fused: { errors: Errors; kernels: string[]; leaked: number };
    portable: { errors: Errors; kernels: string[]; leaked: number };
    fusedVsPortable: Errors;
  }[];
}
