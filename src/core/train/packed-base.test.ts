import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequenceLogProbs } from '../dpo/logprobs';
import { hfModelSafetensors } from '../export/hf-folder';
import { loadHfModel } from '../io/hf-model';
import { readSafetensors } from '../io/safetensors';
import { createDecoder, modelForward } from '../model/causal-lm';
import { causalMask, type ForwardOptions, type NamedWeights } from '../model/forward-options';
import type { GptConfig } from '../model/config';
import { initGptWeights, uploadWeights, type HostWeights } from '../model/gpt-weights';
import { SeededRandom } from '../random';
import { initLoraWeights, type LoraConfig } from '../model/lora';
import { estimateTrainingMemory } from '../model/memory-estimate';
import { isPackedWeight, packedWeightInfo } from '../ops/packed-weights';
import { registerPackedCpuKernels } from '../testing/packed-cpu-kernels';
import { tinyLlamaFiles, tinyLlamaGolden, TINY_LLAMA_VARIANTS } from '../testing/tiny-llama';
import { readHost, TrainableWeights } from './trainable-weights';

/**
 * A LoRA run's frozen base packed two BF16 values to a word, as on WebGPU: the packed kernels
 * are registered for the cpu backend here (packed-cpu-kernels.ts), so TrainableWeights packs
 * the base the way the worker does. Checked against tools/oracle/llama_reference.py (PyTorch,
 * float64 on the same BF16 weights) and against the float32 base, and exported bit for bit.
 */
const golden = tinyLlamaGolden();

function maxRelDiff(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / scale);
  return worst;
}

describe.each(TINY_LLAMA_VARIANTS)('%s with a packed LoRA base', (variant) => {
  const g = golden[variant];
  const model = loadHfModel(tinyLlamaFiles(variant), variant, { copy: true });
  const lora: LoraConfig = { rank: g.lora.rank, alpha: g.lora.alpha, dropout: 0, targets: g.lora.targets };
  const adapters: HostWeights = new Map(Object.entries(g.lora.adapters).map(([name, t]) => [name, { shape: t.shape, data: Float32Array.from(t.data) }]));
  const [rows, length] = [g.input_ids.length, g.input_ids[0].length];
  const logps = (weights: NamedWeights, options?: ForwardOptions) =>
    tf.tidy(() => {
      const logits = modelForward(weights, model.config, tf.tensor2d(g.input_ids, [rows, length], 'int32'), causalMask(length), options);
      return sequenceLogProbs(logits, tf.tensor2d(g.labels, [rows, length], 'int32'), tf.tensor2d(g.completion_mask, [rows, length]));
    });
  let kernels: ReturnType<typeof registerPackedCpuKernels>;
  beforeAll(() => {
    kernels = registerPackedCpuKernels();
  });
  afterAll(() => {
    kernels.unregister();
  });

  it('packs every matrix at half the bytes and keeps norms and adapters float32', () => {
    const before = tf.memory().numBytes;
    const trainable = new TrainableWeights(model.config, model.weights, lora, 0, adapters);
    const base = trainable.base!;
    for (const [name, { shape }] of model.weights) {
      expect(isPackedWeight(base[name]), name).toBe(shape.length === 2);
      if (shape.length === 2) expect(packedWeightInfo(base[name])?.format).toBe('bf16');
    }
    expect(Object.values(trainable.variables).every((v) => v.dtype === 'float32' && !isPackedWeight(v))).toBe(true);
    const baseBytes = Object.values(base).reduce((sum, t) => sum + 4 * t.size, 0); // int32 words and float32 values: 4 bytes each
    const float32Bytes = [...model.weights.values()].reduce((sum, t) => sum + 4 * t.data.length, 0);
    const matrixValues = [...model.weights.values()].filter((t) => t.shape.length === 2).reduce((sum, t) => sum + t.data.length, 0);
    expect(baseBytes).toBe(float32Bytes - 2 * matrixValues); // the fixture's widths are even: no pads
    const adapterBytes = Object.values(trainable.variables).reduce((sum, v) => sum + 4 * v.size, 0);
    expect(tf.memory().numBytes - before).toBe(baseBytes + adapterBytes);
    // The memory estimate counts what was measured.
    const estimate = estimateTrainingMemory({ config: model.config, lora, packedBase: true, batchSize: 1, maxLength: 8, stage: 'dpo', referenceCopy: false, optimizerSlots: 2, fusedLogProbs: false });
    expect(estimate.weightBytes).toBe(baseBytes + adapterBytes);
    trainable.dispose();
    expect(tf.memory().numBytes).toBe(before);
  });

  it('gives the LoRA log-probs and adapter gradients PyTorch gives, with the kernels doing the base', async () => {
    const trainable = new TrainableWeights(model.config, model.weights, lora, 0, adapters);
    kernels.calls.length = 0;
    const options = trainable.inferenceOptions();
    const { grads } = tf.variableGrads(() => tf.tidy(() => tf.sum(tf.mul(logps(trainable.forward, options), tf.tensor1d(g.coefficients))) as tf.Scalar), Object.values(trainable.variables));
    expect(new Set(kernels.calls)).toEqual(new Set(['PackedGather', 'PackedLinear', 'PackedLinearGradInput']));
    const got = logps(trainable.forward, options);
    expect(maxRelDiff(await got.data(), g.lora.logps)).toBeLessThan(1e-5);
    const byName = Object.fromEntries(Object.entries(trainable.variables).map(([name, v]) => [v.name, name]));
    for (const [id, grad] of Object.entries(grads)) expect(maxRelDiff(await grad.data(), g.lora.grads[byName[id]].data), byName[id]).toBeLessThan(1e-4);
    tf.dispose([got, ...Object.values(grads)]);
    trainable.dispose();
  });

  it('exports the base as the checkpoint wrote it, BF16 bit for bit, and samples from the merged weights', async () => {
    const trainable = new TrainableWeights(model.config, model.weights, lora, 0); // B = 0: merged = base
    const merged = await trainable.merged();
    const original = readSafetensors(tinyLlamaFiles(variant).get('model.safetensors')!).tensors;
    const exported = readSafetensors(hfModelSafetensors(model.config, merged, 'BF16')).tensors;
    for (const [name, entry] of exported) expect(Array.from(entry.bytes), name).toEqual(Array.from(original.get(name)!.bytes));
    // On the device, the merge widens the packed base; the decoder's logits match the float32 base's forward.
    const logits = await trainable.withMerged(async (weights) => {
      const decoder = createDecoder(weights, model.config, rows);
      const step = decoder.step(Int32Array.from(g.input_ids, (row) => row[0]));
      decoder.dispose();
      return step;
    });
    const head = tf.slice(logits, [0, 0], [rows, 8]);
    expect(maxRelDiff(await head.data(), g.logits_head.flatMap((row) => row[0]))).toBeLessThan(1e-5);
    tf.dispose([logits, head]);
    trainable.dispose();
  });
});

describe("GPT-2 with a packed LoRA base (Conv1D weights packed transposed)", () => {
  // An odd width (nEmbd 18, 3 heads) leaves a pad value in every packed row.
  const config: GptConfig = { vocabSize: 40, nPositions: 16, nEmbd: 18, nLayer: 2, nHead: 3, layerNormEpsilon: 1e-5 };
  const lora: LoraConfig = { rank: 2, alpha: 4, dropout: 0, targets: ['c_attn', 'c_proj', 'c_fc'] };
  // GPT-2's own checkpoints are float32 (and would stay so); a BF16-rounded copy packs.
  const host: HostWeights = new Map(
    [...initGptWeights(config, new SeededRandom(3))].map(([name, t]) => [name, { shape: t.shape, data: new Float32Array(new Uint32Array(t.data.buffer).map((b) => b & 0xffff0000).buffer) }]),
  );
  const ids = [[1, 5, 9, 2, 7, 3], [4, 4, 8, 0, 1, 6]];
  const logits = (weights: NamedWeights, options?: ForwardOptions) =>
    tf.tidy(() => modelForward(weights, config, tf.tensor2d(ids, [2, 6], 'int32'), causalMask(6), options));
  let kernels: ReturnType<typeof registerPackedCpuKernels>;
  beforeAll(() => {
    kernels = registerPackedCpuKernels();
  });
  afterAll(() => {
    kernels.unregister();
  });

  it('gives the float32 base forward and gradients, and reads back every weight bit for bit', async () => {
    // Adapters with B ≠ 0, so the LoRA terms count.
    const adapters: HostWeights = new Map([...initLoraWeights(config, lora, new SeededRandom(4))].map(([name, t]) => [name, { shape: t.shape, data: t.data.map((v, i) => v || 0.01 * Math.sin(i + 1)) }]));
    const packed = new TrainableWeights(config, host, lora, 0, adapters);
    expect(packedWeightInfo(packed.base!['h.0.attn.c_attn.weight'])).toMatchObject({ transposed: true, shape: [18, 54] });
    expect(packedWeightInfo(packed.base!['wte.weight'])).toMatchObject({ transposed: false });
    expect(isPackedWeight(packed.base!['wpe.weight'])).toBe(false);
    const float32 = { ...uploadWeights(host), ...Object.fromEntries([...adapters].map(([n, t]) => [n, tf.variable(tf.tensor(t.data, t.shape), true, `gpt2-f32/${n}`)])) };
    const options = packed.inferenceOptions();
    const [got, want] = [logits(packed.forward, options), logits(float32, options)];
    expect(maxRelDiff(await got.data(), await want.data())).toBeLessThan(1e-5);
    const objective = (w: NamedWeights) => () => tf.tidy(() => tf.sum(tf.mul(logits(w, options), tf.reshape(tf.sin(tf.range(0, 2 * 6 * 40)), [2, 6, 40])))) as tf.Scalar;
    const gPacked = tf.variableGrads(objective(packed.forward), Object.values(packed.variables)).grads;
    const gFloat = tf.variableGrads(objective(float32), [...adapters.keys()].map((n) => float32[n] as tf.Variable)).grads;
    for (const name of adapters.keys()) expect(maxRelDiff(await gPacked[packed.variables[name].name].data(), await gFloat[`gpt2-f32/${name}`].data()), name).toBeLessThan(1e-4);
    const back = await readHost(packed.base!);
    for (const [name, t] of host) expect(new Uint32Array(back.get(name)!.data.buffer), name).toEqual(new Uint32Array(t.data.buffer));
    tf.dispose([got, want, ...Object.values(gPacked), ...Object.values(gFloat), ...Object.values(float32)]);
    packed.dispose();
  });
});
