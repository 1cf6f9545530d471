// A Hugging Face GPT-2 through the worker: load the fixture folder, train with LoRA, export
// the merged folder, the PEFT adapter and the TRL hand-off; refuse what cannot fit.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { harness, jsonl } from '../testing/handler-harness';
import { DEFAULT_SETTINGS, type DpoSettings } from '../../core/train/settings';
import { loadHfModel } from '../../core/io/hf-model';
import { readPeftAdapter } from '../../core/export/peft-adapter';
import { readSafetensors } from '../../core/io/safetensors';
import type { ModelInfo, RunList } from '../../protocol/messages';
import { MemoryStorage } from '../datasets/dataset-storage';
import { MemoryRunStorage } from '../runs/run-storage';

const FIXTURE = 'src/core/testing/fixtures/tiny-gpt2';
const folder = () =>
  readdirSync(FIXTURE)
    .filter((n) => n.endsWith('.json') || n.endsWith('.safetensors'))
    .filter((n) => n !== 'golden.json')
    .map((name) => ({ name: `tiny-gpt2/${name}`, bytes: new Uint8Array(readFileSync(join(FIXTURE, name))).buffer as ArrayBuffer }));

const rows = Array.from({ length: 4 }, (_, i) => ({ prompt: `Question ${i}: is it good?`, chosen: ' Yes, it is great.', rejected: ' No.' }));
const settings: DpoSettings = {
  ...DEFAULT_SETTINGS,
  batchSize: 2,
  maxLength: 16,
  maxPromptLength: 8,
  steps: 2,
  evalFraction: 0,
  learningRate: 1e-2,
  lora: { rank: 2, alpha: 4, dropout: 0, targets: ['c_attn', 'c_fc'] },
};

describe('Hugging Face models in the worker', () => {
  it('loads a GPT-2 folder, trains LoRA adapters on its BPE tokens and exports what transformers and PEFT load', async () => {
    const { call } = harness();
    await call('init', { preset: 'tiny', seed: 1 });
    const model = await call<ModelInfo>('loadHfModel', { name: 'tiny-gpt2', files: folder(), fromFolder: true });
    expect(model).toMatchObject({ hfName: 'tiny-gpt2', vocabSize: 50257, nLayer: 2, nEmbd: 8 });
    expect(model.tokenizer).toMatch(/BPE/);
    await call('loadDataset', { name: 'd.jsonl', file: jsonl(rows) });
    expect((await call<{ step: number }>('start', { settings })).step).toBe(2);

    const merged = unzipSync(new Uint8Array((await call<{ zip: ArrayBuffer }>('exportHfModel', { settings })).zip));
    expect(Object.keys(merged).sort()).toEqual(
      ['README.md', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'].sort(),
    );
    const config = JSON.parse(strFromU8(merged['config.json']));
    expect(config).toMatchObject({ model_type: 'gpt2', vocab_size: 50257, architectures: ['GPT2LMHeadModel'] });
    expect(strFromU8(merged['README.md'])).toContain('tiny-gpt2');
    // The export reloads as a model whose adapted matrices moved and whose embeddings did not.
    const original = loadHfModel(new Map(folder().map((f) => [f.name.split('/')[1], new Uint8Array(f.bytes)])), 'a');
    const reloaded = loadHfModel(new Map(Object.entries(merged)), 'b');
    const differs = (name: string) => reloaded.weights.get(name)!.data.some((v, i) => v !== original.weights.get(name)!.data[i]);
    expect(differs('h.0.attn.c_attn.weight')).toBe(true);
    expect(differs('h.1.mlp.c_fc.weight')).toBe(true);
    expect(differs('wte.weight') || differs('h.0.attn.c_proj.weight') || differs('ln_f.weight')).toBe(false);

    const adapter = unzipSync(new Uint8Array((await call<{ zip: ArrayBuffer }>('exportAdapter', { settings })).zip));
    expect(JSON.parse(strFromU8(adapter['adapter_config.json']))).toMatchObject({ r: 2, lora_alpha: 4, base_model_name_or_path: 'tiny-gpt2' });
    expect(strFromU8(adapter['README.md'])).toContain('`tiny-gpt2` is the name of the folder it was loaded from');
    const names = [...readSafetensors(adapter['adapter_model.safetensors']).tensors.keys()];
    expect(names).toContain('base_model.model.transformer.h.0.attn.c_attn.lora_A.weight');
    expect(readPeftAdapter(new Map(Object.entries(adapter))).lora.targets.sort()).toEqual(['c_attn', 'c_fc']);

    const trl = unzipSync(new Uint8Array((await call<{ zip: ArrayBuffer }>('exportTrl', { settings })).zip));
    expect(strFromU8(trl['data/train.jsonl']).trim().split('\n')).toHaveLength(4);
    expect(strFromU8(trl['train_dpo.py'])).toContain('LoraConfig(');
    // A model that is not on the Hub travels with the script.
    expect(trl['model/model.safetensors']).toBeDefined();
  });

  it("files picked one by one name their base by config.json's _name_or_path, or leave it unset and say so", async () => {
    const adapterOf = async (configPatch: Record<string, unknown>) => {
      const { call } = harness();
      await call('init', { preset: 'tiny', seed: 1 });
      const files = folder().map((f) =>
        f.name.endsWith('config.json') && !f.name.includes('tokenizer') && !f.name.includes('generation')
          ? { ...f, bytes: new TextEncoder().encode(JSON.stringify({ ...JSON.parse(strFromU8(new Uint8Array(f.bytes))), ...configPatch })).buffer as ArrayBuffer }
          : f,
      );
      await call('loadHfModel', { name: 'dropped model', files });
      await call('loadDataset', { name: 'd.jsonl', file: jsonl(rows) });
      await call('start', { settings: { ...settings, steps: 1 } });
      const zip = unzipSync(new Uint8Array((await call<{ zip: ArrayBuffer }>('exportAdapter', { settings })).zip));
      return { config: JSON.parse(strFromU8(zip['adapter_config.json'])), card: strFromU8(zip['README.md']) };
    };
    const named = await adapterOf({ _name_or_path: 'openai-community/gpt2' });
    expect(named.config.base_model_name_or_path).toBe('openai-community/gpt2');
    expect(named.card).toContain('base_model: "openai-community/gpt2"');
    expect(named.card).toContain('is the `_name_or_path` in the loaded config.json');
    const unnamed = await adapterOf({});
    expect(unnamed.config.base_model_name_or_path).toBeNull();
    expect(JSON.stringify(unnamed)).not.toContain('dropped model');
    expect(unnamed.card).toContain('The base model is unknown');
  }, 180_000); // two LoRA runs on a BPE model: slow on a shared 2-core machine

  it('refuses a run that cannot fit, saying what to shrink, and keeps the model', async () => {
    const { call } = harness();
    await call('init', { preset: 'tiny', seed: 1 });
    await call('loadHfModel', { name: 'tiny-gpt2', files: folder() });
    await call('loadDataset', { name: 'd.jsonl', file: jsonl(rows) });
    const tight = { ...settings, memoryBudgetMb: 1 };
    const { problem, estimate } = await call<{ problem: string | null; estimate: { totalBytes: number } }>('estimateMemory', {
      settings: tight,
      budgetBytes: 2 ** 20,
    });
    expect(estimate.totalBytes).toBeGreaterThan(2 ** 20);
    expect(problem).toMatch(/batch|length/i);
    await expect(call('start', { settings: tight })).rejects.toMatchObject({ code: 'bad-setting', message: expect.stringMatching(/batch|length/i) });
    expect((await call<{ step: number }>('start', { settings: { ...settings, steps: 1 } })).step).toBe(1);
  });

  it('names what is wrong with a folder of an unsupported architecture, and keeps the current model', async () => {
    const { call } = harness();
    await call('init', { preset: 'tiny', seed: 1 });
    const files = folder().map((f) =>
      f.name.endsWith('/config.json')
        ? { name: f.name, bytes: new TextEncoder().encode(JSON.stringify({ model_type: 'mistral', architectures: ['MistralForCausalLM'] })).buffer as ArrayBuffer }
        : f,
    );
    await expect(call('loadHfModel', { name: 'not-gpt2', files })).rejects.toMatchObject({
      code: 'bad-file',
      message: expect.stringMatching(/model_type "mistral" is not supported.*the current model is kept/),
    });
  });
  it('a LoRA run on a Hugging Face model checkpoints only its adapters and resumes on the model loaded again', async () => {
    const storage = new MemoryStorage();
    const runStorage = new MemoryRunStorage();
    const before = harness(storage, runStorage);
    await before.call('init', { preset: 'tiny', seed: 1 });
    await before.call('loadHfModel', { name: 'tiny-gpt2', files: folder() });
    await before.call('loadDataset', { name: 'd.jsonl', file: jsonl(rows) });
    await before.call('start', { settings: { ...settings, checkpointEvery: 1 } });
    const [run] = (await before.call<RunList>('listRuns', {})).runs;
    // The model's 1.6 MB of weights are not in the checkpoint: adapters and their Adam moments only.
    expect((await runStorage.checkpoint(run.id))!.byteLength).toBeLessThan(200_000);

    const after = harness(storage, runStorage); // a reload
    await after.call('init', { preset: 'tiny', seed: 1 });
    await after.call('restoreDataset', {});
    await expect(after.call('resumeRun', { id: run.id })).rejects.toMatchObject({ message: expect.stringContaining('load the Hugging Face model "tiny-gpt2"') });
    await after.call('loadHfModel', { name: 'tiny-gpt2', files: folder() });
    await after.call('resumeRun', { id: run.id });
    expect((await after.call<{ step: number }>('start', { settings: { ...settings, steps: 3 } })).step).toBe(3);
  });
});
