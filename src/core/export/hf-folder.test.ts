import { describe, expect, it } from 'vitest';
import { readGpt2Safetensors } from '../io/hf-gpt2';
import { readSafetensors } from '../io/safetensors';
import { initGptWeights } from '../model/gpt-weights';
import { SeededRandom } from '../random';
import { MICRO_CONFIG } from '../testing/tiny-model';
import { byteTokenizerFiles, hfModelFolderFiles } from './hf-folder';

const weights = initGptWeights(MICRO_CONFIG, new SeededRandom(3));
const json = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes));

describe('hfModelFolderFiles', () => {
  it('writes a GPT2LMHeadModel folder whose weights read back identical', () => {
    const files = hfModelFolderFiles({ config: MICRO_CONFIG, weights, tokenizerFiles: byteTokenizerFiles(24), modelCard: '# card\n' });
    expect([...files.keys()].sort()).toEqual(
      ['README.md', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'].sort(),
    );
    const config = json(files.get('config.json'));
    expect(config).toMatchObject({
      architectures: ['GPT2LMHeadModel'],
      model_type: 'gpt2',
      torch_dtype: 'float32',
      n_embd: 8,
      vocab_size: 258,
    });
    const file = readSafetensors(files.get('model.safetensors')!);
    expect(file.metadata).toEqual({ format: 'pt' });
    const names = [...file.tensors.keys()];
    expect(names.every((n) => n.startsWith('transformer.'))).toBe(true);
    expect(names).not.toContain('lm_head.weight');
    const back = readGpt2Safetensors(files.get('model.safetensors')!, config);
    for (const [name, tensor] of weights) expect(back.weights.get(name)!.data).toEqual(tensor.data);
    expect(json(files.get('generation_config.json'))).toEqual({
      _from_model_config: true,
      bos_token_id: 256,
      eos_token_id: 256,
      pad_token_id: 257,
    });
  });

  it("keeps the loaded model's config.json except sizes and dtype", () => {
    const base = {
      _name_or_path: 'gpt2',
      model_type: 'gpt2',
      n_embd: 768,
      n_ctx: 1024,
      task_specific_params: { x: 1 },
      torch_dtype: 'float16',
      bos_token_id: 50256,
    };
    const files = hfModelFolderFiles({ config: MICRO_CONFIG, baseConfigJson: base, weights, tokenizerFiles: new Map(), modelCard: '' });
    expect(json(files.get('config.json'))).toMatchObject({
      _name_or_path: 'gpt2',
      task_specific_params: { x: 1 },
      n_embd: 8,
      n_ctx: 24,
      torch_dtype: 'float32',
      bos_token_id: 50256,
    });
  });

  it('refuses missing or misshapen weights and clashing tokenizer files', () => {
    const missing = new Map(weights);
    missing.delete('ln_f.bias');
    expect(() => hfModelFolderFiles({ config: MICRO_CONFIG, weights: missing, tokenizerFiles: new Map(), modelCard: '' })).toThrow(
      /ln_f\.bias is missing/,
    );
    const clash = new Map([['config.json', new Uint8Array(1)]]);
    expect(() => hfModelFolderFiles({ config: MICRO_CONFIG, weights, tokenizerFiles: clash, modelCard: '' })).toThrow(/overwrite/);
  });
});
