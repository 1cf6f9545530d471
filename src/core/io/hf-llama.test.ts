import { describe, expect, it } from 'vitest';
import { byteTokenizerFiles, hfModelFolderFiles } from '../export/hf-folder';
import { peftAdapterFiles, readPeftAdapter } from '../export/peft-adapter';
import { familyOf, type ModelConfig } from '../model/causal-lm';
import type { LlamaConfig } from '../model/llama/config';
import { initLoraWeights, loraForModel, parseLoraSpec } from '../model/lora';
import { SeededRandom } from '../random';
import { tinyLlamaFiles } from '../testing/tiny-llama';
import { loadHfModel } from './hf-model';
import { entryToFloat32, floatEntry, readSafetensors, writeSafetensors } from './safetensors';

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const parse = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;

/** A tiny fixture folder with config.json edited. */
function withConfig(variant: Parameters<typeof tinyLlamaFiles>[0], edit: Record<string, unknown>, drop: string[] = []) {
  const files = tinyLlamaFiles(variant);
  const config = { ...parse(files.get('config.json')), ...edit };
  for (const key of drop) delete config[key];
  files.set('config.json', json(config));
  return files;
}

describe('loadHfModel on Llama-family folders', () => {
  it('reads each model_type into its shape', () => {
    const shapes = Object.fromEntries(
      (['llama-gqa', 'llama3-rope', 'qwen2', 'qwen3'] as const).map((v) => {
        const c = loadHfModel(tinyLlamaFiles(v), v).config as LlamaConfig;
        return [v, [c.modelType, c.nHead, c.nKvHead, c.headDim, c.qkvBias, c.outputBias, c.mlpBias, c.qkNorm, c.tieWordEmbeddings, c.ropeScaling?.factor ?? null]];
      }),
    );
    expect(shapes).toEqual({
      'llama-gqa': ['llama', 4, 2, 4, false, false, false, false, false, null],
      'llama3-rope': ['llama', 4, 1, 4, true, true, true, false, true, 8],
      qwen2: ['qwen2', 4, 2, 4, true, false, false, false, true, null],
      qwen3: ['qwen3', 4, 2, 8, false, false, false, true, false, null],
    });
  });

  it('refuses what it does not implement, naming the field, before reading weights', () => {
    const cases: [Parameters<typeof tinyLlamaFiles>[0], Record<string, unknown>, string][] = [
      ['qwen2', { use_sliding_window: true }, 'config.json: use_sliding_window true is not supported'],
      ['llama-gqa', { rope_scaling: { rope_type: 'yarn', factor: 4 } }, 'config.json: rope_scaling.rope_type "yarn" is not supported'],
      ['llama-gqa', { rope_scaling: { rope_type: 'llama3', factor: 8 } }, 'config.json: rope_scaling.low_freq_factor must be a positive number'],
      ['qwen3', { num_experts: 8 }, 'config.json: num_experts 8: mixture-of-experts models are not supported'],
      ['llama-gqa', { hidden_act: 'gelu' }, 'config.json: hidden_act "gelu" is not supported (only silu)'],
      ['llama-gqa', { num_key_value_heads: 3 }, 'config.json: num_attention_heads (4) must be a multiple of num_key_value_heads (3)'],
      ['qwen3', { architectures: ['Qwen3MoeForCausalLM'] }, 'config.json: architecture Qwen3MoeForCausalLM is not supported for model_type qwen3'],
    ];
    for (const [variant, edit, message] of cases) expect(() => loadHfModel(withConfig(variant, edit), variant), message).toThrow(message);
    expect(() => loadHfModel(withConfig('qwen2', {}, ['hidden_size']), 'q')).toThrow('config.json: hidden_size is missing or not a number');
  });

  it('refuses a checkpoint that contradicts config.json, naming the tensor', () => {
    const untied = withConfig('llama3-rope', { tie_word_embeddings: false });
    expect(() => loadHfModel(untied, 'x')).toThrow('model.safetensors: tensor lm_head.weight is missing');
    const files = tinyLlamaFiles('qwen2');
    const tensors = new Map(readSafetensors(files.get('model.safetensors')!).tensors);
    const embed = entryToFloat32('e', tensors.get('model.embed_tokens.weight')!);
    tensors.set('lm_head.weight', floatEntry([64, 16], embed.map((v) => v + 1), 'BF16'));
    files.set('model.safetensors', writeSafetensors(tensors));
    expect(() => loadHfModel(files, 'x')).toThrow("lm_head.weight differs from model.embed_tokens.weight, but config.json's tie_word_embeddings is true");
    tensors.set('lm_head.weight', tensors.get('model.embed_tokens.weight')!); // the same table saved twice is fine
    tensors.delete('model.layers.1.self_attn.q_proj.bias');
    files.set('model.safetensors', writeSafetensors(tensors));
    expect(() => loadHfModel(files, 'x')).toThrow('tensor model.layers.1.self_attn.q_proj.bias is missing');
    expect(() => loadHfModel(withConfig('qwen3', { head_dim: 4 }), 'x')).toThrow(
      'model.safetensors: tensor model.layers.0.self_attn.q_proj.weight has shape [32,16], config.json implies [16,16]',
    );
  });

  it('accepts a vocabulary padded beyond the tokenizer (ids below vocab_size)', () => {
    const model = loadHfModel(tinyLlamaFiles('qwen3'), 'q');
    expect(model.tokenizer.vocabSize).toBeLessThanOrEqual(model.config.vocabSize);
  });
});

describe('exports of a Llama-family model', () => {
  const model = loadHfModel(tinyLlamaFiles('qwen3'), 'tiny-qwen3');
  const folder = (dtype?: 'F32') =>
    hfModelFolderFiles({
      config: model.config,
      baseConfigJson: model.configJson,
      weights: model.weights,
      dtype: dtype ?? model.dtype,
      tokenizerFiles: model.tokenizerFiles,
      generationConfigJson: model.generationConfigJson,
      modelCard: '# card\n',
    });

  it('writes BF16 in BF16 out, in the model class state_dict names, and reloads bit for bit', () => {
    const files = folder();
    const stored = readSafetensors(files.get('model.safetensors')!).tensors;
    expect([...stored.keys()]).toEqual(familyOf(model.config).parameterShapes(model.config).map(([n]) => n));
    expect([...stored.values()].every((e) => e.dtype === 'BF16')).toBe(true);
    expect(parse(files.get('config.json'))).toEqual({ ...model.configJson, torch_dtype: 'bfloat16' });
    const back = loadHfModel(files, 'again');
    for (const [name, t] of model.weights) expect(back.weights.get(name)!.data, name).toEqual(t.data);
  });

  it('writes float32 on request', () => {
    const files = folder('F32');
    expect(parse(files.get('config.json')).torch_dtype).toBe('float32');
    expect([...readSafetensors(files.get('model.safetensors')!).tensors.values()].every((e) => e.dtype === 'F32')).toBe(true);
  });

  it("writes a PEFT adapter with PEFT's names for nn.Linear layers and reads it back", () => {
    const lora = loraForModel(parseLoraSpec('r=2,alpha=4,targets=all-linear'), model.config);
    const adapters = initLoraWeights(model.config, lora, new SeededRandom(1));
    const files = peftAdapterFiles({ lora, config: model.config, adapters, baseModel: 'Qwen/Qwen3-0.6B', modelCard: '# card' });
    const config = parse(files.get('adapter_config.json'));
    expect(config).toMatchObject({ fan_in_fan_out: false, base_model_name_or_path: 'Qwen/Qwen3-0.6B', target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] });
    const names = [...readSafetensors(files.get('adapter_model.safetensors')!).tensors.keys()];
    expect(names).toContain('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight');
    expect(names).toContain('base_model.model.model.layers.1.mlp.down_proj.lora_B.weight');
    expect(names).toHaveLength(2 * 7 * 2);
    const back = readPeftAdapter(files);
    expect(back.family).toBe('llama');
    expect(back.lora).toEqual(lora);
    for (const [name, t] of adapters) expect(back.adapters.get(name)!.data, name).toEqual(t.data);
    // A GPT-2 model's adapter names are refused for a Llama-family model, and the other way round.
    expect(() => peftAdapterFiles({ lora: { ...lora, targets: ['c_attn'] }, config: model.config, adapters, baseModel: 'x', modelCard: '' })).toThrow(/unknown module 'c_attn'/);
  });

  it('refuses to export weights that do not match the model, naming the tensor', () => {
    const config: ModelConfig = model.config;
    expect(() => hfModelFolderFiles({ config, weights: new Map(), tokenizerFiles: byteTokenizerFiles(8), modelCard: '' })).toThrow(
      'export: weight model.embed_tokens.weight is missing',
    );
  });
});
