/**
 * The exports the GPU run checks with the libraries users load them with (transformers,
 * peft: tools/gpu/export_checks.py), written by the app's own exporters, with the logits and
 * token ids the app computes for them, so that Python compares its reading against ours:
 *
 *   builtin/          a built-in preset model (tiny, randomized) with the byte tokenizer
 *   builtin-merged/   the same model with a LoRA adapter merged in
 *   builtin-adapter/  that adapter as a PEFT folder (base: ../builtin)
 *   llama/, llama-merged/, llama-adapter/   the same for a tiny Llama-family model
 *   hf/               a Hugging Face GPT-2 folder (the tiny-gpt2 fixture) read, changed, written back
 *   <name>-ts.json    tools/oracle/check_exports.py's input (merged and base + adapter logits)
 *   logits.json       every folder's input ids, logits [B, T, V] and tokenizer ids
 *
 * Logits come from TF.js's cpu backend (the reference every backend is tested against).
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hfModelFolderFiles, byteTokenizerFiles } from '../../src/core/export/hf-folder';
import { peftAdapterFiles } from '../../src/core/export/peft-adapter';
import { loadHfModel } from '../../src/core/io/hf-model';
import { familyOf, initModelWeights, type ModelConfig } from '../../src/core/model/causal-lm';
import type { GptConfig } from '../../src/core/model/config';
import { causalMask } from '../../src/core/model/forward-options';
import { uploadWeights, type HostWeights } from '../../src/core/model/gpt-weights';
import type { LlamaConfig } from '../../src/core/model/llama/config';
import { initLoraWeights, loraScale, mergeLoraWeights, type LoraConfig } from '../../src/core/model/lora';
import { SeededRandom } from '../../src/core/random';
import { BYTE_TOKENIZER } from '../../src/core/tokenizer/tokenizer';
import { BYTE_VOCAB_SIZE } from '../../src/core/tokenizer/byte-tokenizer';

export const HF_FIXTURE = join('src', 'core', 'testing', 'fixtures', 'tiny-gpt2');

const BUILTIN: GptConfig = { vocabSize: BYTE_VOCAB_SIZE, nPositions: 64, nEmbd: 32, nLayer: 2, nHead: 2, layerNormEpsilon: 1e-5 };
const LORA: LoraConfig = { rank: 4, alpha: 8, dropout: 0, targets: ['c_attn', 'c_proj', 'c_fc'] };
/** A tiny Llama with grouped K/V (SmolLM2's layout) and LoRA on every projection. */
const LLAMA: LlamaConfig = {
  family: 'llama',
  modelType: 'llama',
  vocabSize: BYTE_VOCAB_SIZE,
  nPositions: 64,
  nEmbd: 32,
  nLayer: 2,
  nHead: 4,
  nKvHead: 2,
  headDim: 8,
  intermediateSize: 48,
  layerNormEpsilon: 1e-5,
  ropeTheta: 10000,
  ropeScaling: null,
  qkvBias: false,
  outputBias: false,
  mlpBias: false,
  qkNorm: false,
  tieWordEmbeddings: true,
};
const LLAMA_LORA: LoraConfig = {
  rank: 4,
  alpha: 8,
  dropout: 0,
  targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'],
};
const TEXTS = ['Hello world, this is DPO Studio.', 'Preference pairs train the policy!'];
const CARD = '# DPO Studio export check\n\nWritten by tools/gpu/write-exports.ts for tools/gpu/export_checks.py.\n';

export interface ExportsWritten {
  dir: string;
  folders: Record<string, string[]>;
  /** max |logit| per folder: a check whose difference is small next to this means something. */
  logitScale: Record<string, number>;
}

/** Perturbs every tensor, so nonzero biases and LayerNorms catch a misplaced or dropped one. */
function perturbed(weights: HostWeights, rng: SeededRandom, std: number): HostWeights {
  const out: HostWeights = new Map();
  for (const [name, t] of weights) out.set(name, { shape: t.shape, data: t.data.map((v) => v + rng.normal() * std) });
  return out;
}

/** inputIds [B, T] → logits [B, T, V] on the current backend, as plain arrays. */
async function logits(config: ModelConfig, weights: HostWeights, ids: number[][], lora?: LoraConfig): Promise<number[][][]> {
  const device = uploadWeights(weights);
  const input = tf.tensor2d(ids, [ids.length, ids[0].length], 'int32');
  const mask = causalMask(ids[0].length);
  const options = lora ? { lora: { scale: loraScale(lora), dropout: 0 } } : {};
  const out = familyOf(config).forward(device, config, input, mask, options);
  const values = (await out.array()) as number[][][];
  tf.dispose([...Object.values(device), input, mask, out]);
  return values;
}

/** Each text's ids cut (or padded with `pad`) to the shortest length, so rows stack into [B, T]. */
function rows(encoded: number[][], length: number, pad: number): number[][] {
  return encoded.map((ids) => Array.from({ length }, (_, i) => ids[i] ?? pad));
}

function writeFolder(dir: string, files: Map<string, Uint8Array>): string[] {
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
  return [...files.keys()].sort();
}

function readFolder(dir: string): Map<string, Uint8Array> {
  return new Map(
    readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => [e.name, new Uint8Array(readFileSync(join(dir, e.name)))]),
  );
}

const maxAbs = (values: number[][][]) => values.flat(2).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

type Logits = { input_ids: number[][]; logits: number[][][] };

/**
 * A base model, the same with a LoRA adapter merged in, and the adapter as a PEFT folder
 * (`<name>/`, `<name>-merged/`, `<name>-adapter/`, `<name>-ts.json` for check_exports.py),
 * with the app's logits for each.
 */
async function writeLoraTrio(dir: string, name: string, config: ModelConfig, lora: LoraConfig, rng: SeededRandom, input: number[][]) {
  const base = perturbed(initModelWeights(config, rng), rng, 0.05);
  const adapters = initLoraWeights(config, lora, rng);
  for (const [key, t] of adapters) if (key.endsWith('lora_B.weight')) t.data.forEach((_, i) => (t.data[i] = rng.normal() * 0.2));
  const merged = mergeLoraWeights(base, adapters, lora, familyOf(config).projectionLayout);
  const tokenizerFiles = byteTokenizerFiles(config.nPositions);
  const folders: Record<string, string[]> = {
    [name]: writeFolder(join(dir, name), hfModelFolderFiles({ config, weights: base, tokenizerFiles, modelCard: CARD })),
    [`${name}-merged`]: writeFolder(
      join(dir, `${name}-merged`),
      hfModelFolderFiles({ config, weights: merged, tokenizerFiles, modelCard: CARD }),
    ),
    [`${name}-adapter`]: writeFolder(
      join(dir, `${name}-adapter`),
      peftAdapterFiles({ lora, config, adapters, baseModel: `../${name}`, modelCard: CARD }),
    ),
  };
  const logitsBy: Record<string, Logits> = {
    [name]: { input_ids: input, logits: await logits(config, base, input) },
    [`${name}-merged`]: { input_ids: input, logits: await logits(config, merged, input) },
    [`${name}-adapted`]: { input_ids: input, logits: await logits(config, new Map([...base, ...adapters]), input, lora) },
  };
  const ts = { input_ids: input, merged: logitsBy[`${name}-merged`].logits, adapted: logitsBy[`${name}-adapted`].logits };
  writeFileSync(join(dir, `${name}-ts.json`), JSON.stringify(ts));
  return { folders, logitsBy };
}

/**
 * Writes the export folders and the app's logits under `dir`.
 * @param root the repository root (the Hugging Face fixture is read from there)
 */
export async function writeExports(dir: string, root: string): Promise<ExportsWritten> {
  const rng = new SeededRandom(13);
  const byteIds = TEXTS.map((t) => BYTE_TOKENIZER.encode(t));
  const byteInput = rows(byteIds, 12, BYTE_TOKENIZER.padId);
  const builtin = await writeLoraTrio(dir, 'builtin', BUILTIN, LORA, rng, byteInput);
  const llama = await writeLoraTrio(dir, 'llama', LLAMA, LLAMA_LORA, rng, byteInput);

  const fixture = loadHfModel(readFolder(join(root, HF_FIXTURE)), 'tiny-gpt2', { copy: true });
  const hfWeights = perturbed(fixture.weights, rng, 0.01);
  const hfFiles = hfModelFolderFiles({
    config: fixture.config,
    baseConfigJson: fixture.configJson,
    weights: hfWeights,
    tokenizerFiles: fixture.tokenizerFiles,
    generationConfigJson: fixture.generationConfigJson,
    modelCard: CARD,
  });
  const folders = { ...builtin.folders, ...llama.folders, hf: writeFolder(join(dir, 'hf'), hfFiles) };
  const hfIds = TEXTS.map((t) => fixture.tokenizer.encode(t));
  const hfInput = rows(hfIds, Math.min(8, ...hfIds.map((ids) => ids.length)), fixture.tokenizer.eosId);
  const out: Record<string, unknown> = {
    ...builtin.logitsBy,
    ...llama.logitsBy,
    hf: { input_ids: hfInput, logits: await logits(fixture.config, hfWeights, hfInput) },
    tokenizers: {
      builtin: TEXTS.map((text, i) => ({ text, ids: byteIds[i] })),
      hf: TEXTS.map((text, i) => ({ text, ids: hfIds[i] })),
    },
  };
  writeFileSync(join(dir, 'logits.json'), JSON.stringify(out));
  const logitScale: Record<string, number> = {};
  for (const [key, value] of Object.entries(out)) if (key !== 'tokenizers') logitScale[key] = maxAbs((value as Logits).logits);
  return { dir, folders, logitScale };
}
