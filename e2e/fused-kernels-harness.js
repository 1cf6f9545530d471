// Bundled by e2e/fused-kernels.spec.ts with esbuild and served on the app's origin: the fused
// normalisation, RoPE, SwiGLU, GELU and AdamW kernels on WebGPU against the portable TF.js ops
// on the same backend, and against PyTorch's golden values (tools/oracle/fused_ops_oracle.py).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import { registerWebGpuKernels, WEBGPU_KERNEL_NAMES } from '../src/kernels/webgpu';
import { rmsNorm } from '../src/core/ops/rms-norm';
import { layerNorm } from '../src/core/ops/layer-norm';
import { applyRotary } from '../src/core/ops/rotary';
import { swiGluGate } from '../src/core/ops/swiglu';
import { geluTanh } from '../src/core/ops/gelu';
import { withPortableOps } from '../src/core/ops/kernel-path';
import { Optimizer } from '../src/core/train/optimizers';
import { hashed } from '../src/core/testing/hashed-inputs';
import golden from '../src/core/testing/oracle/fused-ops-oracle.json';

const OURS = ['RmsNorm', 'RmsNormGrad', 'LayerNorm', 'LayerNormGrad', 'Rotary', 'RotaryGrad', 'SwiGlu', 'SwiGluGrad', 'GeluTanh', 'GeluTanhGrad', 'AdamWUpdate'];

// Largest |got - want| / max(floor, |want|).
function maxError(got, want, floor = 1) {
  if (got.length !== want.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(floor, Math.abs(want[i])));
  return worst;
}

function tables(start, length, hd, theta = 10000) {
  const cos = new Float32Array(length * hd);
  const sin = new Float32Array(length * hd);
  for (let t = 0; t < length; t++)
    for (let j = 0; j < hd; j++) {
      const angle = (start + t) / Math.pow(theta, (2 * (j % (hd / 2))) / hd);
      cos[t * hd + j] = Math.cos(angle);
      sin[t * hd + j] = Math.sin(angle);
    }
  return { cos: tf.tensor2d(cos, [length, hd]), sin: tf.tensor2d(sin, [length, hd]) };
}

let seed = 1;
const random = (shape, scale = 1, offset = 0) => tf.tidy(() => tf.add(tf.mul(tf.randomNormal(shape, 0, 1, 'float32', seed++), scale), offset));

// name, differentiable inputs, run(inputs, path)
function modelShapedCases() {
  const rot = (shape, start) => {
    const { cos, sin } = tables(start, shape[2], shape[3]);
    return [`rotary ${JSON.stringify(shape)} from ${start}`, [random(shape, 2)], ([x], p) => applyRotary(x, cos, sin, p)];
  };
  return [
    ['rmsNorm Llama [14, 64]', [random([14, 64], 2), random([64], 0.1, 1)], ([x, g], p) => rmsNorm(x, g, 1e-6, p)],
    ['rmsNorm SmolLM2 width [13, 576]', [random([13, 576], 2), random([576], 0.1, 1)], ([x, g], p) => rmsNorm(x, g, 1e-5, p)],
    ['rmsNorm Qwen3 q-norm [1, 5, 3, 128]', [random([1, 5, 3, 128], 2), random([128], 0.1, 1)], ([x, g], p) => rmsNorm(x, g, 1e-6, p)],
    ['rmsNorm wide [3, 2048]', [random([3, 2048], 2), random([2048], 0.1, 1)], ([x, g], p) => rmsNorm(x, g, 1e-6, p)],
    ['layerNorm GPT-2 [14, 768]', [random([14, 768], 2, 0.5), random([768], 0.1, 1), random([768], 0.1)], ([x, g, b], p) => layerNorm(x, g, b, 1e-5, p)],
    ['layerNorm [5, 1024]', [random([5, 1024], 2), random([1024], 0.1, 1), random([1024], 0.1)], ([x, g, b], p) => layerNorm(x, g, b, 1e-5, p)],
    ['layerNorm [7, 64]', [random([7, 64], 2), random([64], 0.1, 1), random([64], 0.1)], ([x, g, b], p) => layerNorm(x, g, b, 1e-5, p)],
    rot([1, 4, 7, 64], 0),
    rot([1, 1, 7, 64], 0),
    rot([1, 2, 5, 128], 3),
    rot([2, 1, 1, 64], 9),
    ['swiGlu [14, 1536]', [random([14, 1536], 3), random([14, 1536], 2)], ([g, u], p) => swiGluGate(g, u, p)],
    ['swiGlu [5, 11]', [random([5, 11], 3), random([5, 11], 2)], ([g, u], p) => swiGluGate(g, u, p)],
    ['gelu GPT-2 [14, 3072]', [random([14, 3072], 3)], ([x], p) => geluTanh(x, p)],
    ['gelu [5, 13] up to ±60', [random([5, 13], 20)], ([x], p) => geluTanh(x, p)],
  ];
}

function goldenCases() {
  const cases = [];
  for (const c of golden.rmsNorm) cases.push([`golden rmsNorm ${c.name}`, [hashed(c.x), hashed(c.gain)], hashed(c.dy), ([x, g], p) => rmsNorm(x, g, c.epsilon, p), c.y, [c.dx, c.dgain]]);
  for (const c of golden.layerNorm)
    cases.push([`golden layerNorm ${c.name}`, [hashed(c.x), hashed(c.gain), hashed(c.bias)], hashed(c.dy), ([x, g, b], p) => layerNorm(x, g, b, c.epsilon, p), c.y, [c.dx, c.dgain, c.dbias]]);
  for (const c of golden.rotary) {
    const { cos, sin } = tables(c.start, c.x.shape[1], c.x.shape[2], c.theta);
    cases.push([`golden rotary ${c.name}`, [hashed(c.x)], hashed(c.dy), ([x], p) => applyRotary(x, cos, sin, p), c.y, [c.dx]]);
  }
  for (const c of golden.swiGlu) cases.push([`golden swiGlu ${c.name}`, [hashed(c.gate), hashed(c.up)], hashed(c.dy), ([g, u], p) => swiGluGate(g, u, p), c.y, [c.dgate, c.dup]]);
  for (const c of golden.gelu) cases.push([`golden gelu ${c.name}`, [hashed(c.x)], hashed(c.dy), ([x], p) => geluTanh(x, p), c.y, [c.dx]]);
  return cases;
}

async function evaluate(inputs, dy, run, path) {
  const all = () => {
    const y = tf.tidy(() => run(inputs, path));
    const grads = tf.grads((...xs) => tf.sum(tf.mul(run(xs, path), dy)))(inputs);
    return [y, ...grads];
  };
  const profile = await tf.profile(all);
  tf.dispose(profile.result);
  const before = tf.memory().numTensors;
  const outs = all();
  const values = [];
  for (const t of outs) values.push(await t.data());
  tf.dispose(outs);
  return { y: values[0], grads: values.slice(1), kernels: [...new Set(profile.kernels.map((k) => k.name))], leaked: tf.memory().numTensors - before };
}

async function adamwCase() {
  const shapes = { a: [64, 48], b: [48], c: [7] };
  const grads = Object.fromEntries(Object.entries(shapes).map(([n, s]) => [n, random(s, 0.5)]));
  const initial = Object.fromEntries(Object.entries(shapes).map(([n, s]) => [n, random(s)]));
  const run = async (portable) => {
    const params = Object.fromEntries(Object.entries(initial).map(([n, t]) => [n, tf.variable(t.clone())]));
    const optimizer = new Optimizer('adamw', params, { weightDecay: 0.1, beta1: 0.9, beta2: 0.999, rmsAlpha: 0.99, epsilon: 1e-8 });
    const step = async (guard) => {
      const profile = await tf.profile(() => optimizer.apply(grads, 0.01, 1.0, guard));
      tf.dispose(profile.result);
      return [...new Set(profile.kernels.map((k) => k.name))];
    };
    const go = async () => {
      const kernels = await step();
      await step();
      const nan = tf.scalar(NaN);
      const before = await params.a.data();
      await step(nan); // non-finite: weights stay
      nan.dispose();
      const after = await params.a.data();
      const state = await optimizer.exportState();
      return { kernels, unchangedOnNaN: maxError(after, before), weights: await Promise.all(Object.values(params).map((p) => p.data())), m: state.m.get('a').data, v: state.v.get('a').data };
    };
    const out = portable ? await withPortableOps(go) : await go();
    optimizer.dispose();
    tf.dispose(Object.values(params));
    return out;
  };
  const fused = await run(false);
  const portable = await run(true);
  return {
    name: 'adamw [64, 48], [48], [7], clipped, weight decay',
    fusedKernels: fused.kernels,
    portableKernels: portable.kernels,
    unchangedOnNaN: fused.unchangedOnNaN,
    errors: {
      // Weights are of scale 1 (N(0, 1)): absolute below magnitude 1, relative above, as the ops.
      weights: Math.max(...fused.weights.map((w, i) => maxError(w, portable.weights[i]))),
      m: maxError(fused.m, portable.m, 1e-6),
      v: maxError(fused.v, portable.v, 1e-9),
    },
  };
}

window.fusedKernelsCheck = async () => {
  registerWebGpuKernels();
  if (!(await tf.setBackend('webgpu'))) throw new Error('webgpu did not initialise');
  await tf.ready();
  const registered = Object.fromEntries(OURS.map((name) => [name, WEBGPU_KERNEL_NAMES.includes(name) && !!tf.getKernel(name, 'webgpu')]));
  const cases = [];
  for (const [name, inputs, run] of modelShapedCases()) {
    const dy = random(inputs[0].shape);
    const fused = await evaluate(inputs, dy, run, 'fused');
    const portable = await evaluate(inputs, dy, run, 'portable');
    cases.push({
      name,
      fusedKernels: fused.kernels,
      portableKernels: portable.kernels,
      leaked: [fused.leaked, portable.leaked],
      errors: { forward: maxError(fused.y, portable.y), ...Object.fromEntries(fused.grads.map((g, i) => [`grad ${i}`, maxError(g, portable.grads[i])])) },
    });
  }
  for (const [name, inputs, dy, run, y, grads] of goldenCases()) {
    const fused = await evaluate(inputs, dy, run, 'fused');
    cases.push({
      name,
      fusedKernels: fused.kernels,
      leaked: [fused.leaked],
      errors: { forward: maxError(fused.y, y), ...Object.fromEntries(fused.grads.map((g, i) => [`grad ${i}`, maxError(g, grads[i])])) },
    });
  }
  return { backend: tf.getBackend(), registered, cases, adamw: await adamwCase() };
};
