// Packed 16-bit frozen weights (src/core/ops/packed-linear.ts, kernels in
// src/kernels/webgpu/packed-linear.ts) in Chromium on WebGPU: the kernels against PyTorch's
// golden values (forward, input gradient, gather, bit-exact unpack of NaN/inf/subnormals), then
// the tiny Llama-family BF16 checkpoints with the LoRA base packed against the same base in
// float32: log-probs, a LoRA training step, and the base's tensor memory.
//
// The harness is bundled with esbuild and served through page.route (pattern of
// fused-logprobs.spec.ts); the fixtures travel in the bundle.
import { expect, test } from '@playwright/test';
import { build } from 'esbuild';
import { logWebGpuAdapter } from './webgpu-info';

const VARIANTS = ['llama-gqa', 'llama3-rope', 'qwen2', 'qwen3'];

const HARNESS = `
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-webgpu';
import { registerWebGpuKernels } from './src/kernels/webgpu';
import { packedGather, packedLinear, packedOpsPath, unpackWeight } from './src/core/ops/packed-linear';
import { isPackedWeight, packWeight, uploadFrozenWeights } from './src/core/ops/packed-weights';
import { unpackHalfWords } from './src/core/ops/half-words';
import { uploadWeights } from './src/core/model/gpt-weights';
import { modelForward } from './src/core/model/causal-lm';
import { causalMask } from './src/core/model/forward-options';
import { loraScale } from './src/core/model/lora';
import { tokenLogProbs } from './src/core/dpo/token-logprobs';
import { readSafetensors, entryToFloat32 } from './src/core/io/safetensors';
import { parseLlamaConfigJson } from './src/core/io/hf-llama';
import { llamaParameterShapes } from './src/core/model/llama/weights';
import oracle from './src/core/testing/oracle/packed-linear-oracle.json';
import golden from './src/core/testing/fixtures/tiny-llama/golden.json';
${VARIANTS.map((v, i) => `import config${i} from './src/core/testing/fixtures/tiny-llama/${v}/config.json';\nimport weights${i} from './src/core/testing/fixtures/tiny-llama/${v}/model.safetensors';`).join('\n')}
const FIXTURES = { ${VARIANTS.map((v, i) => `'${v}': [config${i}, weights${i}]`).join(', ')} };

const maxAbs = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), a.length === b.length ? 0 : Infinity);
const maxRel = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]) / Math.max(1, Math.abs(b[i]))), a.length === b.length ? 0 : Infinity);
const bits = (values) => Array.from(new Uint32Array(Float32Array.from(values).buffer));

async function opCase(c) {
  const { N, M, K } = c.shape;
  const weight = packWeight(Float32Array.from(c.weight), [M, K], c.format);
  const x = tf.tensor2d(c.x, [N, K]);
  const dy = tf.tensor2d(c.dy, [N, M]);
  const ids = tf.tensor1d(c.ids, 'int32');
  const run = () => [
    packedLinear(x, weight),
    tf.grad((input) => tf.sum(tf.mul(packedLinear(input, weight), dy)))(x),
    packedGather(weight, ids),
    unpackWeight(weight),
  ];
  const profile = await tf.profile(run);
  tf.dispose(profile.result);
  const before = tf.memory().numTensors;
  const [y, dx, gathered, dense] = run();
  const out = {
    name: c.name,
    y: maxRel(Array.from(await y.data()), c.y),
    dx: maxRel(Array.from(await dx.data()), c.dx),
    gatherExact: maxAbs(Array.from(await gathered.data()), c.gathered) === 0,
    unpackExact: JSON.stringify(bits(await dense.data())) === JSON.stringify(bits(c.weight)),
    kernels: [...new Set(profile.kernels.map((k) => k.name))],
  };
  tf.dispose([y, dx, gathered, dense]);
  out.leaked = tf.memory().numTensors - before;
  tf.dispose([weight, x, dy, ids]);
  return out;
}

/** The special patterns (NaN payloads, ±inf, subnormals, ±0), one per row (K = 1: every high half is a pad), through the unpack kernel. */
async function specialPatterns(format) {
  const { bits16 } = oracle.special[format];
  const widened = unpackHalfWords(Int32Array.from(bits16), bits16.length, 1, format);
  const weight = packWeight(widened, [bits16.length, 1], format);
  const dense = unpackWeight(weight);
  const got = new Uint32Array((await dense.data()).buffer);
  tf.dispose([weight, dense]);
  const want = new Uint32Array(widened.buffer);
  return { format, exact: JSON.stringify(Array.from(got)) === JSON.stringify(Array.from(want)), got: Array.from(got, (b) => b.toString(16)) };
}

/**
 * packedLinear against TF.js's own float32 matMul on the same (bfloat16) values, at a real
 * model's width (SmolLM2's d = 576, several K tiles): only the summation order differs.
 */
async function againstFloat32MatMul(rows, outs, inFeatures) {
  const values = new Float32Array(outs * inFeatures);
  for (let i = 0; i < values.length; i++) values[i] = Math.fround(Math.sin(i * 12.9898) * 0.05);
  const bf16 = new Float32Array(new Uint32Array(values.buffer).map((b) => b & 0xffff0000).buffer);
  const weight = packWeight(bf16, [outs, inFeatures], 'bf16');
  const dense = tf.tensor2d(bf16, [outs, inFeatures]);
  const x = tf.tensor2d(Float32Array.from({ length: rows * inFeatures }, (_, i) => Math.cos(i * 0.37)), [rows, inFeatures]);
  const dy = tf.tensor2d(Float32Array.from({ length: rows * outs }, (_, i) => Math.sin(i * 0.11)), [rows, outs]);
  const packedY = packedLinear(x, weight);
  const floatY = tf.matMul(x, dense, false, true);
  const packedDx = tf.grad((input) => tf.sum(tf.mul(packedLinear(input, weight), dy)))(x);
  const floatDx = tf.matMul(dy, dense);
  const out = {
    shape: [rows, outs, inFeatures],
    y: maxRel(Array.from(await packedY.data()), Array.from(await floatY.data())),
    dx: maxRel(Array.from(await packedDx.data()), Array.from(await floatDx.data())),
  };
  tf.dispose([weight, dense, x, dy, packedY, floatY, packedDx, floatDx]);
  return out;
}

function loadFixture(variant) {
  const [configJson, bytes] = FIXTURES[variant];
  const config = parseLlamaConfigJson(configJson);
  const tensors = readSafetensors(new Uint8Array(bytes)).tensors;
  const host = new Map(llamaParameterShapes(config).map(([name, shape]) => [name, { shape, data: entryToFloat32(name, tensors.get(name)) }]));
  return { config, host };
}

async function modelCase(variant) {
  const g = golden.variants[variant];
  const { config, host } = loadFixture(variant);
  const [rows, length] = [g.input_ids.length, g.input_ids[0].length];
  const ids = tf.tensor2d(g.input_ids, [rows, length], 'int32');
  const labels = tf.tensor2d(g.labels, [rows, length], 'int32');
  const mask = tf.tensor2d(g.completion_mask, [rows, length]);
  const causal = causalMask(length);
  const lora = { lora: { scale: loraScale({ rank: g.lora.rank, alpha: g.lora.alpha }), dropout: 0 } };
  const tokenLogps = (weights, options) => tf.tidy(() => tf.mul(tokenLogProbs(modelForward(weights, config, ids, causal, options), labels), mask));
  const objective = (weights) => tf.tidy(() => tf.sum(tf.mul(tf.sum(tokenLogps(weights, lora), -1), tf.tensor1d(g.coefficients))));

  const bytes0 = tf.memory().numBytes;
  const float32 = uploadWeights(host);
  const bytes1 = tf.memory().numBytes;
  const packed = uploadFrozenWeights(host, { pack: true, layout: 'out_in' });
  const bytes2 = tf.memory().numBytes;
  const packedNames = Object.keys(packed).filter((n) => isPackedWeight(packed[n]));

  const result = { variant, memory: { float32Base: bytes1 - bytes0, packedBase: bytes2 - bytes1 }, packedNames: packedNames.length, matrices: [...host.values()].filter((t) => t.shape.length === 2).length };
  const want = g.token_logps.flat();
  const logpF32 = Array.from(await tokenLogps(float32).data());
  const profile = await tf.profile(() => tokenLogps(packed));
  const logpPacked = Array.from(await profile.result.data());
  tf.dispose(profile.result);
  result.forwardKernels = [...new Set(profile.kernels.map((k) => k.name))].filter((k) => k.startsWith('Packed'));
  result.logprobs = { packedVsFloat32: maxAbs(logpPacked, logpF32), packedVsTorch: maxAbs(logpPacked, want), float32VsTorch: maxAbs(logpF32, want) };

  // A LoRA step on each base: adapter gradients, then one SGD update and the log-probs after it.
  const step = async (base, tag) => {
    const adapters = Object.fromEntries(Object.entries(g.lora.adapters).map(([n, t]) => [n, tf.tidy(() => tf.variable(tf.tensor(t.data, t.shape), true, variant + tag + n))]));
    const beforeTensor = tokenLogps({ ...base, ...adapters }, lora);
    const before = Array.from(await beforeTensor.data());
    beforeTensor.dispose();
    const { value, grads } = tf.variableGrads(() => objective({ ...base, ...adapters }), Object.values(adapters));
    const byName = {};
    for (const [n, v] of Object.entries(adapters)) byName[n] = Array.from(await grads[v.name].data());
    for (const v of Object.values(adapters)) {
      const next = tf.tidy(() => tf.add(v, tf.mul(grads[v.name], 0.1)));
      v.assign(next);
      next.dispose();
    }
    const afterTensor = tokenLogps({ ...base, ...adapters }, lora);
    const after = Array.from(await afterTensor.data());
    tf.dispose([afterTensor, value, ...Object.values(grads), ...Object.values(adapters)]);
    return { grads: byName, before, after };
  };
  const before = tf.memory().numTensors;
  const stepF32 = await step(float32, '/f32/');
  const stepPacked = await step(packed, '/packed/');
  result.leaked = tf.memory().numTensors - before;
  let gradVsTorch = 0;
  let gradPackedVsF32 = 0;
  for (const [n, want] of Object.entries(g.lora.grads)) {
    gradVsTorch = Math.max(gradVsTorch, maxRel(stepPacked.grads[n], want.data));
    gradPackedVsF32 = Math.max(gradPackedVsF32, maxRel(stepPacked.grads[n], stepF32.grads[n]));
  }
  result.loraStep = { gradPackedVsTorch: gradVsTorch, gradPackedVsFloat32: gradPackedVsF32, logprobsAfterPackedVsFloat32: maxAbs(stepPacked.after, stepF32.after), moved: maxAbs(stepF32.after, stepF32.before) };
  tf.dispose([...Object.values(float32), ...Object.values(packed), ids, labels, mask, causal]);
  return result;
}

window.packedWeightsCheck = async () => {
  registerWebGpuKernels();
  if (!(await tf.setBackend('webgpu'))) throw new Error('webgpu did not initialise');
  await tf.ready();
  const ops = [];
  for (const c of oracle.cases) ops.push(await opCase(c));
  const special = [await specialPatterns('bf16'), await specialPatterns('f16')];
  // SmolLM2's width over several K tiles; a vocabulary-sized M splits dx's reduction into chunks (odd K).
  const wide = [await againstFloat32MatMul(8, 72, 576), await againstFloat32MatMul(6, 2500, 17)];
  const models = [];
  for (const variant of Object.keys(FIXTURES)) models.push(await modelCase(variant));
  return { backend: tf.getBackend(), path: packedOpsPath(), ops, special, wide, models };
};
`;

test('packed 16-bit frozen weights on WebGPU: kernels match PyTorch, a packed LoRA base matches float32 at half the memory', async ({ page, baseURL }) => {
  const bundle = await build({
    stdin: { contents: HARNESS, resolveDir: process.cwd(), loader: 'ts', sourcefile: 'packed-weights-harness.ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
    loader: { '.safetensors': 'binary' },
  });
  await page.route('**/__packed-weights/*', (route) =>
    route.request().url().endsWith('.js')
      ? route.fulfill({ contentType: 'text/javascript', body: bundle.outputFiles[0].text })
      : route.fulfill({ contentType: 'text/html', body: '<!doctype html><script type="module" src="harness.js"></script>' }),
  );
  page.on('console', (m) => m.type() === 'error' && console.log(`page: ${m.text()}`));
  await page.goto(new URL('/__packed-weights/index.html', baseURL).href);
  await logWebGpuAdapter(page);
  await page.waitForFunction(() => 'packedWeightsCheck' in window);
  const result = await page.evaluate(() => (window as unknown as { packedWeightsCheck(): Promise<CheckResult> }).packedWeightsCheck());
  console.log(JSON.stringify(result, null, 1));

  expect(result.backend).toBe('webgpu');
  expect(result.path).toBe('fused');
  for (const c of result.ops) {
    expect(c.y, `${c.name}: y vs PyTorch`).toBeLessThanOrEqual(1e-5);
    expect(c.dx, `${c.name}: dx vs PyTorch`).toBeLessThanOrEqual(1e-5);
    expect([c.gatherExact, c.unpackExact], `${c.name}: gather, unpack bit for bit`).toEqual([true, true]);
    expect(c.kernels).toEqual(expect.arrayContaining(['PackedLinear', 'PackedLinearGradInput', 'PackedGather', 'UnpackHalfWeights']));
    expect(c.leaked).toBe(0);
  }
  for (const w of result.wide) {
    expect(w.y, `packed vs float32 matMul [${w.shape}], y`).toBeLessThanOrEqual(1e-5);
    expect(w.dx, `packed vs float32 matMul [${w.shape}], dx`).toBeLessThanOrEqual(1e-5);
  }
  for (const s of result.special) expect(s.exact, `${s.format} special patterns: ${s.got.join(' ')}`).toBe(true);
  expect(result.models.map((m) => m.variant)).toEqual(VARIANTS);
  for (const m of result.models) {
    expect(m.packedNames, `${m.variant}: every matrix packed`).toBe(m.matrices);
    expect(m.forwardKernels).toEqual(expect.arrayContaining(['PackedGather', 'PackedLinear']));
    // Norm gains stay float32; the matrices take half: well under 0.55× of the float32 base.
    expect(m.memory.packedBase).toBeLessThan(0.55 * m.memory.float32Base);
    expect(m.logprobs.packedVsTorch, m.variant).toBeLessThanOrEqual(1e-4);
    expect(m.logprobs.packedVsFloat32, m.variant).toBeLessThanOrEqual(1e-4);
    expect(m.loraStep.gradPackedVsTorch, m.variant).toBeLessThanOrEqual(1e-4);
    expect(m.loraStep.gradPackedVsFloat32, m.variant).toBeLessThanOrEqual(1e-4);
    // The packed matmuls sum in another order than TF.js's, so the gradients differ by float32
    // rounding, and the step carries that into the weights: the log-probs after it agree to a
    // thousandth of how far the step moved them.
    expect(m.loraStep.logprobsAfterPackedVsFloat32, m.variant).toBeLessThanOrEqual(1e-3 * m.loraStep.moved);
    expect(m.leaked).toBe(0);
  }
  const worst = Math.max(...result.models.map((m) => m.logprobs.packedVsFloat32));
  console.log(`max |Δ token log-prob|, packed vs float32 base: ${worst.toExponential(2)}`);
});


interface CheckResult {
  backend: string;
  path: string;
  ops: { name: string; y: number; dx: number; gatherExact: boolean; unpackExact: boolean; kernels: string[]; leaked: number }[];
  special: { format: string; exact: boolean; got: string[] }[];
  wide: { shape: number[]; y: number; dx: number }[];
  models: {
    variant: string;
    memory: { float32Base: number; packedBase: number };
    packedNames: number;
    matrices: number;
    forwardKernels: string[];
    logprobs: { packedVsFloat32: number; packedVsTorch: number; float32VsTorch: number };
    loraStep: { gradPackedVsTorch: number; gradPackedVsFloat32: number; logprobsAfterPackedVsFloat32: number; moved: number };
    leaked: number;
  }[];
}
