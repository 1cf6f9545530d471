import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../io/safetensors';
import { initLoraWeights, loraParameterShapes, type LoraConfig } from '../model/lora';
import { SeededRandom } from '../random';
import { MICRO_CONFIG } from '../testing/tiny-model';
import { peftAdapterFiles, readPeftAdapter } from './peft-adapter';

const lora: LoraConfig = { rank: 2, alpha: 8, dropout: 0.1, targets: ['c_attn', 'c_proj'] };
const adapters = initLoraWeights(MICRO_CONFIG, lora, new SeededRandom(5));
for (const [name, t] of adapters) if (name.endsWith('lora_B.weight')) t.data.forEach((_, i) => (t.data[i] = Math.sin(i + 1) / 10));
const json = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes));

describe('peftAdapterFiles', () => {
  const files = peftAdapterFiles({ lora, config: MICRO_CONFIG, adapters, baseModel: 'my "base"', modelCard: '# card' });

  it("writes PEFT's adapter_config.json for GPT-2's Conv1D layers", () => {
    expect(json(files.get('adapter_config.json'))).toMatchObject({
      peft_type: 'LORA',
      task_type: 'CAUSAL_LM',
      r: 2,
      lora_alpha: 8,
      lora_dropout: 0.1,
      target_modules: ['c_attn', 'c_proj'],
      fan_in_fan_out: true,
      bias: 'none',
      base_model_name_or_path: 'my "base"',
      inference_mode: true,
      modules_to_save: null,
    });
  });

  it('names tensors as PEFT does and reads back identical', () => {
    const names = [...readSafetensors(files.get('adapter_model.safetensors')!).tensors.keys()].sort();
    expect(names).toEqual(
      loraParameterShapes(MICRO_CONFIG, lora)
        .map(([n]) => `base_model.model.transformer.${n}`)
        .sort(),
    );
    expect(names).toContain('base_model.model.transformer.h.0.mlp.c_proj.lora_A.weight');
    const back = readPeftAdapter(files);
    expect(back.lora).toEqual(lora);
    expect([...back.adapters.keys()].sort()).toEqual([...adapters.keys()].sort());
    for (const [name, t] of adapters) {
      expect(back.adapters.get(name)!.shape).toEqual(t.shape);
      expect(back.adapters.get(name)!.data).toEqual(t.data);
    }
  });

  it('refuses adapters it would misread', () => {
    const edit = (patch: Record<string, unknown>) =>
      new Map([
        ...files,
        ['adapter_config.json', new TextEncoder().encode(JSON.stringify({ ...json(files.get('adapter_config.json')), ...patch }))],
      ]);
    expect(() => readPeftAdapter(edit({ use_rslora: true }))).toThrow(/use_rslora/);
    expect(() => readPeftAdapter(edit({ r: 4 }))).toThrow(/r = 4/);
    expect(() => readPeftAdapter(edit({ target_modules: ['c_attn'] }))).toThrow(/does not name/);
    expect(() => readPeftAdapter(edit({ target_modules: 'c_attn|c_proj' }))).toThrow(/list/);
    expect(() => readPeftAdapter(new Map([['adapter_config.json', files.get('adapter_config.json')!]]))).toThrow(/safetensors is missing/);
  });
});
