// The fused causal attention WebGPU kernels (src/kernels/webgpu/causal-attention.ts) in Chromium:
// forward and gradients against PyTorch's golden values and against the portable TF.js ops on
// the same backend, on GPT-2 and Llama-family shapes with odd sizes (T not a multiple of a tile,
// one K/V head, head_dim 64 and 128); their memory beside the portable ops'. That the app's
// worker trains on them is checked with the other kernels in e2e/fused-kernels.spec.ts.
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
import { registerWebGpuKernels } from './src/kernels/webgpu';
import { causalAttention, CAUSAL_ATTENTION_KERNELS } from './src/core/ops/attention';
import golden from './src/core/testing/oracle/attention-oracle.json';

function hashed(count, seed, scale) {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (((i * 2654435761 + seed * 40503 + 12345) % 4294967296) / 2147483648 - 1) * scale;
  return out;
}

// Largest |got - want| / max(1, |want|).
function maxError(got, want) {
  if (got.length !== want.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  return Number.isFinite(worst) ? worst : Infinity;
}

function inputs(c) {
  const qShape = [c.batch, c.heads, c.length, c.headDim];
  const kvShape = [c.batch, c.kvHeads, c.length, c.headDim];
  const size = (s) => s.reduce((a, b) => a * b, 1);
  return {
    q: tf.tensor4d(hashed(size(qShape), golden.seeds.q, c.scales.q), qShape),
    k: tf.tensor4d(hashed(size(kvShape), golden.seeds.k, c.scales.k), kvShape),
    v: tf.tensor4d(hashed(size(kvShape), golden.seeds.v, c.scales.v), kvShape),
    w: tf.tensor4d(hashed(size(qShape), golden.seeds.w, c.scales.w), qShape),
  };
}

async function evaluate(c, implementation) {
  const x = inputs(c);
  const options = { scale: 1 / Math.sqrt(c.headDim), implementation };
  const all = () => {
    const output = causalAttention(x.q, x.k, x.v, options);
    const grads = tf.grads((q, k, v) => tf.sum(tf.mul(causalAttention(q, k, v, options), x.w)))([x.q, x.k, x.v]);
    return [output, ...grads];
  };
  // Which kernels ran and the peak beyond what was alive, from a profiled run; values and the tensor count from a plain one.
  const profile = await tf.profile(all);
  tf.dispose(profile.result);
  const before = tf.memory().numTensors;
  const [output, dq, dk, dv] = all();
  const out = { output: await output.data(), dq: await dq.data(), dk: await dk.data(), dv: await dv.data() };
  tf.dispose([output, dq, dk, dv]);
  out.leaked = tf.memory().numTensors - before;
  out.kernels = [...new Set(profile.kernels.map((k) => k.name))];
  out.peakBytes = profile.peakBytes;
  tf.dispose(Object.values(x));
  return out;
}

const scales = { unit: { q: 1, k: 1, v: 1, w: 1 }, peaked: { q: 4, k: 2, v: 1, w: 1 } };
// Beyond the golden cases: several query and key tiles, none of them full.
const EXTRA = [
  { name: 'GPT-2 head_dim 64, H = KV = 2, T 37, B 2', batch: 2, heads: 2, kvHeads: 2, length: 37, headDim: 64, scales: scales.unit },
  { name: 'SmolLM2-like grouped K/V (H 6, KV 2), head_dim 64, T 33', batch: 1, heads: 6, kvHeads: 2, length: 33, headDim: 64, scales: scales.peaked },
  { name: 'Qwen-like head_dim 128, one K/V head (H 2), T 47', batch: 1, heads: 2, kvHeads: 1, length: 47, headDim: 128, scales: scales.unit },
  { name: 'head_dim 16, H 2, KV 1, T 70 (three query tiles)', batch: 1, heads: 2, kvHeads: 1, length: 70, headDim: 16, scales: scales.peaked },
];

window.fusedAttentionCheck = async () => {
  registerWebGpuKernels();
  if (!(await tf.setBackend('webgpu'))) throw new Error('webgpu did not initialise');
  await tf.ready();
  const registered = Object.fromEntries(CAUSAL_ATTENTION_KERNELS.map((name) => [name, !!tf.getKernel(name, 'webgpu')]));
  const cases = [];
  for (const c of [...golden.cases, ...EXTRA]) {
    const fused = await evaluate(c, 'fused');
    const portable = await evaluate(c, 'portable');
    const summary = (r) => ({ kernels: r.kernels, leaked: r.leaked, peakBytes: r.peakBytes });
    const vsGolden = (r) => c.output ? { output: maxError(r.output, c.output), dq: maxError(r.dq, c.dq), dk: maxError(r.dk, c.dk), dv: maxError(r.dv, c.dv) } : null;
    cases.push({
      name: c.name,
      shape: { batch: c.batch, heads: c.heads, length: c.length },
      fused: { ...summary(fused), vsGolden: vsGolden(fused) },
      portable: { ...summary(portable), vsGolden: vsGolden(portable) },
      fusedVsPortable: ['output', 'dq', 'dk', 'dv'].reduce((m, n) => ({ ...m, [n]: maxError(fused[n], portable[n]) }), {}),
    });
  }
  // Memory at a longer T: the portable ops hold [B, H, T, T] scores; the kernels never make one.
  const long = { name: 'memory, T 256', batch: 1, heads: 2, kvHeads: 1, length: 256, headDim: 16, scales: scales.unit };
  const memory = { fused: (await evaluate(long, 'fused')).peakBytes, portable: (await evaluate(long, 'portable')).peakBytes, scoreBytes: 4 * 2 * 256 * 256 };
  return { backend: tf.getBackend(), registered, cases, memory };
};
`;

const FORWARD_TOLERANCE = 1e-5;
const GRAD_TOLERANCE = 1e-4;

test('fused causal attention kernels on WebGPU match PyTorch and the portable ops, without [T, T] scores', async ({ page, baseURL }) => {
  const bundle = await build({
    stdin: { contents: HARNESS, resolveDir: process.cwd(), loader: 'ts', sourcefile: 'fused-attention-harness.ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
  });
  await page.route('**/__fused-attention/*', (route) =>
    route.request().url().endsWith('.js')
      ? route.fulfill({ contentType: 'text/javascript', body: bundle.outputFiles[0].text })
      : route.fulfill({ contentType: 'text/html', body: '<!doctype html><script type="module" src="harness.js"></script>' }),
  );
  page.on('console', (m) => m.type() === 'error' && console.log(`page: ${m.text()}`));
  await page.goto(new URL('/__fused-attention/index.html', baseURL).href);
  await logWebGpuAdapter(page);
  await page.waitForFunction(() => 'fusedAttentionCheck' in window);
  const result = await page.evaluate(() => (window as unknown as { fusedAttentionCheck(): Promise<CheckResult> }).fusedAttentionCheck());
  console.log(JSON.stringify(result, null, 1));

  expect(result.backend).toBe('webgpu');
  expect(result.registered).toEqual({ CausalAttention: true, CausalAttentionGrad: true });
  expect(result.cases.length).toBeGreaterThanOrEqual(10);
  for (const c of result.cases) {
    for (const [name, error] of Object.entries(c.fusedVsPortable)) expect(error, `${c.name}, fused vs portable: ${name}`).toBeLessThanOrEqual(GRAD_TOLERANCE);
    for (const which of ['fused', 'portable'] as const)
      for (const [name, error] of Object.entries(c[which].vsGolden ?? {}))
        expect(error, `${c.name}, ${which} vs PyTorch: ${name}`).toBeLessThanOrEqual(name === 'output' ? FORWARD_TOLERANCE : GRAD_TOLERANCE);
    // The fused run really ran the kernels and no softmax; the portable run did not.
    expect(c.fused.kernels).toEqual(expect.arrayContaining(['CausalAttention', 'CausalAttentionGrad']));
    expect(c.fused.kernels.filter((k) => /Softmax|BatchMatMul/.test(k))).toEqual([]);
    expect(c.portable.kernels).not.toContain('CausalAttention');
    expect([c.fused.leaked, c.portable.leaked]).toEqual([0, 0]);
  }
  // At T = 256 the portable forward + backward holds several [B, H, T, T] score tensors; the fused one less than one.
  expect(result.memory.portable).toBeGreaterThan(3 * result.memory.scoreBytes);
  expect(result.memory.fused).toBeLessThan(result.memory.scoreBytes);
});

interface Errors {
  [name: string]: number;
}
interface Run {
  kernels: string[];
  leaked: number;
  peakBytes: number;
  vsGolden: Errors | null;
}
interface CheckResult {
  backend: string;
  registered: Record<string, boolean>;
  cases: { name: string; fused: Run; portable: Run; fusedVsPortable: Errors }[];
  memory: { fused: number; portable: number; scoreBytes: number };
}
