import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { familyOf } from '../model/causal-lm';
import { isHfModelFolder, loadHfModel } from './hf-model';
import { entryToFloat32, float32Entry, readSafetensors, writeSafetensors, type SafetensorsEntry } from './safetensors';

const ROOT = 'src/core/testing/fixtures/tiny-gpt2';
const read = (path: string) => new Uint8Array(readFileSync(join(ROOT, path)));
const TOKENIZER = ['tokenizer.json', 'tokenizer_config.json'];

/** A variant's files by base name, with the tokenizer files from the fixture's root. */
function folder(variant = ''): Map<string, Uint8Array> {
  const dir = join(ROOT, variant);
  const own = readdirSync(dir).filter((n) => n !== 'golden.json' && n.includes('.')); // files, not the variant folders
  const files = new Map(own.map((n) => [n, read(join(variant, n))]));
  for (const name of TOKENIZER) if (!files.has(name)) files.set(name, read(name));
  return files;
}

/** Index of the first difference, or -1 (vitest's deep equality is slow on 400k floats). */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const config = () => JSON.parse(readFileSync(join(ROOT, 'config.json'), 'utf8')) as Record<string, unknown>;

/** The F32 checkpoint with its tensors edited. */
function editedWeights(edit: (tensors: Map<string, SafetensorsEntry>) => void): Map<string, Uint8Array> {
  const files = folder();
  const tensors = new Map(readSafetensors(files.get('model.safetensors')!).tensors);
  edit(tensors);
  files.set('model.safetensors', writeSafetensors(tensors, { format: 'pt' }));
  return files;
}

describe('loadHfModel on a GPT2LMHeadModel folder', () => {
  const files = folder();
  const model = loadHfModel(files, 'tiny-gpt2');

  it('reads config.json into the model shape and keeps it verbatim', () => {
    expect(model.config).toEqual({ vocabSize: 50257, nPositions: 32, nEmbd: 8, nLayer: 2, nHead: 2, layerNormEpsilon: 1e-5 });
    expect(model.configJson).toEqual(config());
    expect(model.generationConfigJson).toMatchObject({ eos_token_id: 50256 });
  });

  it('strips the transformer. prefix, drops the attn.bias buffers and keeps every parameter', () => {
    expect([...model.weights.keys()]).toEqual(familyOf(model.config).parameterShapes(model.config).map(([n]) => n));
    const stored = readSafetensors(files.get('model.safetensors')!).tensors;
    expect(stored.has('transformer.h.0.attn.bias')).toBe(true);
    expect(stored.has('transformer.h.0.attn.masked_bias')).toBe(true);
    expect(firstDifference(model.weights.get('h.1.mlp.c_fc.weight')!.data, entryToFloat32('x', stored.get('transformer.h.1.mlp.c_fc.weight')!))).toBe(-1);
  });

  it('shares the file buffer for F32 weights unless asked to copy', () => {
    const buffer = files.get('model.safetensors')!.buffer;
    expect(model.weights.get('wte.weight')!.data.buffer).toBe(buffer);
    const copied = loadHfModel(files, 'tiny-gpt2', { copy: true });
    expect(copied.weights.get('wte.weight')!.data.buffer).not.toBe(buffer);
    expect(firstDifference(copied.weights.get('wte.weight')!.data, model.weights.get('wte.weight')!.data)).toBe(-1);
  });

  it('builds the tokenizer and keeps its files verbatim for export', () => {
    expect(model.tokenizer.name).toBe('tiny-gpt2 BPE (50,257 tokens)');
    expect(model.tokenizer.eosId).toBe(50256);
    expect(model.tokenizer.encode(' Hello world')).toEqual([18435, 995]);
    expect([...model.tokenizerFiles.keys()]).toEqual(TOKENIZER);
    expect(model.tokenizerFiles.get('tokenizer.json')).toBe(files.get('tokenizer.json'));
  });

  it('accepts paths as keys', () => {
    const nested = new Map([...files].map(([n, b]) => [`tiny-gpt2/${n}`, b]));
    expect(loadHfModel(nested, 'tiny-gpt2').config.nEmbd).toBe(8);
  });
});

describe('checkpoint layouts', () => {
  const f32 = loadHfModel(folder(), 'tiny-gpt2').weights;

  it('reads a sharded checkpoint through its index to the same weights', () => {
    const sharded = loadHfModel(folder('sharded'), 'tiny-gpt2').weights;
    for (const [name, { data }] of f32) expect(firstDifference(sharded.get(name)!.data, data), name).toBe(-1);
  });

  for (const [variant, relative] of [['f16', 2 ** -11], ['bf16', 2 ** -8]] as const) {
    it(`widens ${variant} weights stored without the prefix`, () => {
      const half = loadHfModel(folder(variant), 'tiny-gpt2').weights;
      const exact = f32.get('h.0.attn.c_attn.weight')!.data;
      const rounded = half.get('h.0.attn.c_attn.weight')!.data;
      expect(rounded).not.toEqual(exact);
      rounded.forEach((v, i) => expect(Math.abs(v - exact[i])).toBeLessThanOrEqual(relative * Math.abs(exact[i]) + 1e-7));
    });
  }

  it('names a shard the index lists but the files lack', () => {
    const files = folder('sharded');
    files.delete('model-00002-of-00002.safetensors');
    expect(() => loadHfModel(files, 'x')).toThrow('shard model-00002-of-00002.safetensors is not among the files given');
  });

  it('asks for the index when only shards are given', () => {
    const files = folder('sharded');
    files.delete('model.safetensors.index.json');
    expect(() => loadHfModel(files, 'x')).toThrow('model.safetensors.index.json is missing');
  });

  it('accepts an lm_head.weight equal to wte (a tied head saved twice)', () => {
    const files = editedWeights((t) => t.set('lm_head.weight', t.get('transformer.wte.weight')!));
    expect(loadHfModel(files, 'x').weights.has('lm_head.weight')).toBe(false);
  });

  it('refuses an untied lm_head', () => {
    const files = editedWeights((t) => {
      const wte = entryToFloat32('wte', t.get('transformer.wte.weight')!);
      wte[12345] += 0.5;
      t.set('lm_head.weight', float32Entry([50257, 8], wte));
    });
    expect(() => loadHfModel(files, 'x')).toThrow('lm_head.weight differs from wte.weight; an untied LM head is not supported');
  });
});

describe('refusals name what is wrong', () => {
  const withConfig = (edit: Record<string, unknown>, drop: string[] = []) => {
    const files = folder();
    const c = { ...config(), ...edit };
    for (const key of drop) delete c[key];
    files.set('config.json', json(c));
    return files;
  };

  it('another architecture or model_type', () => {
    expect(() => loadHfModel(withConfig({ architectures: ['MistralForCausalLM'], model_type: 'mistral' }), 'x')).toThrow(
      'config.json: model_type "mistral" is not supported; DPO Studio trains GPT-2 and Llama-family models (model_type gpt2, llama, qwen2, qwen3)',
    );
    expect(() => loadHfModel(withConfig({ architectures: ['GPT2DoubleHeadsModel'] }), 'x')).toThrow(
      'config.json: architecture GPT2DoubleHeadsModel is not supported',
    );
    expect(() => loadHfModel(withConfig({ model_type: 'gpt_neox' }, ['architectures']), 'x')).toThrow(
      'config.json: model_type "gpt_neox" is not supported',
    );
    expect(() => loadHfModel(withConfig({ scale_attn_by_inverse_layer_idx: true }), 'x')).toThrow('scale_attn_by_inverse_layer_idx');
  });

  it('a tensor shape that disagrees with config.json', () => {
    expect(() => loadHfModel(withConfig({ n_positions: 64 }), 'x')).toThrow(
      'model.safetensors: tensor wpe.weight has shape [32,8], config.json implies [64,8]',
    );
  });

  it('tensors for more layers than config.json has', () => {
    expect(() => loadHfModel(withConfig({ n_layer: 1 }), 'x')).toThrow(
      "model.safetensors: unexpected tensor h.1.ln_1.weight; not part of a GPT-2 with config.json's 1 layers",
    );
  });

  it('a missing tensor', () => {
    const files = editedWeights((t) => t.delete('transformer.h.1.ln_2.bias'));
    expect(() => loadHfModel(files, 'x')).toThrow('model.safetensors: tensor h.1.ln_2.bias is missing');
  });

  it('a NaN in the weights', () => {
    const files = editedWeights((t) => t.set('transformer.ln_f.bias', float32Entry([8], Float32Array.from([0, 0, 0, NaN, 0, 0, 0, 0]))));
    expect(() => loadHfModel(files, 'x')).toThrow('model.safetensors: tensor ln_f.bias holds NaN at index 3');
  });

  it('missing config.json, tokenizer.json or weights', () => {
    for (const [name, message] of [
      ['config.json', 'config.json is missing'],
      ['tokenizer.json', 'tokenizer.json is missing: x needs its tokenizer'],
      ['model.safetensors', 'model.safetensors is missing: no model weights'],
    ]) {
      const files = folder();
      files.delete(name);
      expect(() => loadHfModel(files, 'x'), name).toThrow(message);
    }
    const pickled = folder();
    pickled.delete('model.safetensors');
    pickled.set('pytorch_model.bin', new Uint8Array(8));
    expect(() => loadHfModel(pickled, 'x')).toThrow('only safetensors weights are read');
  });

  it('a tokenizer larger than the model vocabulary', () => {
    const files = folder();
    const tokenizer = JSON.parse(new TextDecoder().decode(files.get('tokenizer.json')));
    tokenizer.added_tokens.push({ ...tokenizer.added_tokens[0], id: 50257, content: '<|pad|>' });
    files.set('tokenizer.json', json(tokenizer));
    expect(() => loadHfModel(files, 'x')).toThrow("tokenizer.json: token ids reach 50257, but config.json's vocab_size is 50257");
  });

  it('a corrupt safetensors file, naming the file', () => {
    const files = folder();
    files.set('model.safetensors', new Uint8Array(4));
    expect(() => loadHfModel(files, 'x')).toThrow(/^model\.safetensors: safetensors: file is 4 bytes/);
  });
});

describe('isHfModelFolder', () => {
  it('wants config.json, tokenizer.json and safetensors weights', () => {
    expect(isHfModelFolder(['gpt2/config.json', 'gpt2/tokenizer.json', 'gpt2/model.safetensors'])).toBe(true);
    expect(isHfModelFolder(['config.json', 'tokenizer.json', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors'])).toBe(true);
    expect(isHfModelFolder(['config.json', 'model.safetensors'])).toBe(false); // DPO Studio's own export
    expect(isHfModelFolder(['config.json', 'tokenizer.json', 'pytorch_model.bin'])).toBe(false);
  });
});
