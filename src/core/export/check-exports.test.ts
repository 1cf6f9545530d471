import * as tf from '@tensorflow/tfjs-core';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PYTHON, requirePython } from '../../../tools/system-packages';
import type { GptConfig } from '../model/config';
import { modelForward, familyOf, type ModelConfig } from '../model/causal-lm';
import { causalMask } from '../model/gpt';
import { loadHfModel } from '../io/hf-model';
import { tinyLlamaFiles } from '../testing/tiny-llama';
import { initGptWeights, uploadWeights, type HostWeights } from '../model/gpt-weights';
import { initLoraWeights, loraScale, mergeLoraWeights, type LoraConfig } from '../model/lora';
import { SeededRandom } from '../random';
import { BYTE_VOCAB_SIZE } from '../tokenizer/byte-tokenizer';
import { byteTokenizerFiles, hfModelFolderFiles } from './hf-folder';
import { peftAdapterFiles, readPeftAdapter } from './peft-adapter';

/**
 * The exports checked by an independent reader (tools/oracle/check_exports.py, PyTorch):
 * the merged model folder and base + PEFT adapter give the same logits, and both match the
 * TypeScript forward pass.
 */
const config: GptConfig = { vocabSize: BYTE_VOCAB_SIZE, nPositions: 16, nEmbd: 16, nLayer: 2, nHead: 2, layerNormEpsilon: 1e-5 };
const lora: LoraConfig = { rank: 2, alpha: 6, dropout: 0, targets: ['c_attn', 'c_proj', 'c_fc'] };

function randomized(weights: HostWeights, rng: SeededRandom, std: number): HostWeights {
  // Nonzero biases and LayerNorm parameters, so a misplaced tensor cannot go unnoticed.
  for (const tensor of weights.values()) for (let i = 0; i < tensor.data.length; i++) tensor.data[i] += rng.normal() * std;
  return weights;
}

async function logits(model: ModelConfig, weights: HostWeights, ids: number[][], adapter: LoraConfig | null): Promise<number[][][]> {
  const device = uploadWeights(weights);
  const input = tf.tensor2d(ids, [ids.length, ids[0].length], 'int32');
  const mask = causalMask(ids[0].length);
  const out = modelForward(device, model, input, mask, adapter ? { lora: { scale: loraScale(adapter), dropout: 0 } } : {});
  const values = (await out.array()) as number[][][];
  tf.dispose([...Object.values(device), input, mask, out]);
  return values;
}

function writeFolder(dir: string, files: Map<string, Uint8Array>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
}

interface ExportCase {
  name: string;
  config: ModelConfig;
  base: HostWeights;
  lora: LoraConfig;
  tokenizerFiles: Map<string, Uint8Array>;
  baseConfigJson?: Record<string, unknown>;
  ids: number[][];
  modules: number;
}

function withTrainedAdapters(c: ExportCase, rng: SeededRandom) {
  const adapters = initLoraWeights(c.config, c.lora, rng);
  for (const [name, tensor] of adapters) {
    if (name.endsWith('lora_B.weight')) for (let i = 0; i < tensor.data.length; i++) tensor.data[i] = rng.normal() * 0.2;
  }
  return adapters;
}

const gpt2Rng = new SeededRandom(11);
const tinyQwen3 = loadHfModel(tinyLlamaFiles('qwen3'), 'tiny-qwen3');
const CASES: ExportCase[] = [
  {
    name: 'GPT-2 (Conv1D, fan_in_fan_out)',
    config,
    base: randomized(initGptWeights(config, gpt2Rng), gpt2Rng, 0.05),
    lora,
    tokenizerFiles: byteTokenizerFiles(16),
    ids: [
      [72, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100, 256],
      [0, 255, 17, 3, 200, 128, 64, 32, 16, 8, 257, 257],
    ],
    modules: 2 * 4,
  },
  {
    name: 'Qwen3 (nn.Linear, all-linear, q/k norms, untied head)',
    config: tinyQwen3.config,
    base: tinyQwen3.weights,
    lora: { rank: 2, alpha: 6, dropout: 0, targets: [...familyOf(tinyQwen3.config).loraTargets] },
    tokenizerFiles: tinyQwen3.tokenizerFiles,
    baseConfigJson: tinyQwen3.configJson,
    ids: [
      [5, 9, 1, 33, 62, 17, 4, 4, 40, 12],
      [63, 2, 8, 51, 0, 0, 0, 0, 0, 0],
    ],
    modules: 2 * 7,
  },
];

describe.each(CASES)('exports of $name, checked in PyTorch', (c) => {
  const adapters = withTrainedAdapters(c, new SeededRandom(12));
  const layout = familyOf(c.config).projectionLayout;
  const merged = mergeLoraWeights(c.base, adapters, c.lora, layout);
  const card = '# test\n';
  const folder = (weights: HostWeights) =>
    hfModelFolderFiles({ config: c.config, baseConfigJson: c.baseConfigJson, weights, dtype: 'F32', tokenizerFiles: c.tokenizerFiles, modelCard: card });
  const mergedFiles = folder(merged);
  const baseFiles = folder(c.base);
  const adapterFiles = peftAdapterFiles({ lora: c.lora, config: c.config, adapters, baseModel: '../base', modelCard: card });

  it('reads back identical tensors (model folder and PEFT adapter)', () => {
    const model = loadHfModel(mergedFiles, 'merged');
    for (const [name, tensor] of merged) expect(model.weights.get(name)!.data, name).toEqual(tensor.data);
    const adapter = readPeftAdapter(adapterFiles);
    expect(adapter.lora).toEqual(c.lora);
    for (const [name, tensor] of adapters) expect(adapter.adapters.get(name)!.data, name).toEqual(tensor.data);
  });

  it('gives the same logits as base + PEFT adapter and as the TypeScript forward', async () => {
    requirePython(['torch']);
    const dir = mkdtempSync(join(tmpdir(), 'check-exports-'));
    try {
      writeFolder(join(dir, 'merged'), mergedFiles);
      writeFolder(join(dir, 'base'), baseFiles);
      writeFolder(join(dir, 'adapter'), adapterFiles);
      const adaptedWeights: HostWeights = new Map([...c.base, ...adapters]);
      const ts = { input_ids: c.ids, merged: await logits(c.config, merged, c.ids, null), adapted: await logits(c.config, adaptedWeights, c.ids, c.lora) };
      writeFileSync(join(dir, 'ts.json'), JSON.stringify(ts));
      const args = ['tools/oracle/check_exports.py', '--base', join(dir, 'base'), '--merged', join(dir, 'merged')];
      args.push('--adapter', join(dir, 'adapter'), '--ts', join(dir, 'ts.json'));
      let out: string;
      try {
        out = execFileSync(PYTHON, args, { encoding: 'utf8' });
      } catch (error) {
        const e = error as { stdout?: string; stderr?: string };
        throw new Error(`check_exports.py failed:\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
      }
      const result = JSON.parse(out.trim().split('\n').pop()!);
      console.log(`check_exports.py (${c.name}): ${JSON.stringify(result)}`);
      expect(result.failures).toEqual([]);
      expect(result.adapted_modules).toBe(c.modules);
      expect(result.merged_vs_peft).toBeLessThan(1e-5);
      expect(result.ts_merged_vs_reference).toBeLessThan(1e-4);
      expect(result.ts_adapted_vs_reference).toBeLessThan(1e-4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
