import { beforeEach, describe, expect, it } from 'vitest';
import { useStore } from './store';
import { loraTargetChoices } from './settings-slice';
import type { ModelInfo } from '../protocol/messages';

const LLAMA_TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];

function model(family: 'gpt2' | 'llama', modelType: string, hfName?: string): ModelInfo {
  const llama = family === 'llama';
  return {
    preset: llama ? 'custom' : 'tiny',
    parameters: 1000,
    nLayer: 2,
    nEmbd: 16,
    nPositions: 64,
    source: 'test',
    step: 0,
    tokenizer: 'test',
    vocabSize: 64,
    ...(hfName ? { hfName } : {}),
    family,
    modelType,
    dtype: llama ? 'BF16' : 'F32',
    loraTargets: llama ? LLAMA_TARGETS : ['c_attn', 'c_proj', 'c_fc'],
    defaultLoraTargets: llama ? ['q_proj', 'k_proj', 'v_proj', 'o_proj'] : ['c_attn'],
  };
}

const targets = () => useStore.getState().settings.lora?.targets;
const lora = (t: string[]) => useStore.getState().updateSettings({ lora: { rank: 4, alpha: 8, dropout: 0, targets: t } });

beforeEach(() => {
  useStore.getState().setModel(model('gpt2', 'gpt2'));
});

describe('LoRA targets follow the loaded model', () => {
  it("reset to the new family's defaults when a Llama-family model replaces GPT-2, and back", () => {
    lora(['c_attn', 'c_fc']);
    useStore.getState().setModel(model('llama', 'qwen3', 'Qwen/Qwen3-0.6B'));
    expect(targets()).toEqual(['q_proj', 'k_proj', 'v_proj', 'o_proj']);
    expect(useStore.getState().settings.lora).toMatchObject({ rank: 4, alpha: 8 }); // only the targets change

    useStore.getState().setModel(model('gpt2', 'gpt2', 'openai-community/gpt2'));
    expect(targets()).toEqual(['c_attn']);
  });

  it("keep the user's choice within a family, all-linear included", () => {
    useStore.getState().setModel(model('llama', 'llama', 'HuggingFaceTB/SmolLM2-135M-Instruct'));
    lora(['v_proj', 'down_proj']);
    useStore.getState().setModel(model('llama', 'qwen2', 'Qwen/Qwen2.5-0.5B-Instruct'));
    expect(targets()).toEqual(['v_proj', 'down_proj']);
    lora(['all-linear']);
    useStore.getState().setModel(model('llama', 'qwen3', 'Qwen/Qwen3-0.6B'));
    expect(targets()).toEqual(['all-linear']);

    // GPT-2 models keep theirs too.
    useStore.getState().setModel(model('gpt2', 'gpt2'));
    lora(['c_proj']);
    useStore.getState().setModel(model('gpt2', 'gpt2', 'openai-community/gpt2'));
    expect(targets()).toEqual(['c_proj']);
  });

  it('reset targets the model does not have, even in the same family (all-linear on GPT-2, a stale name)', () => {
    lora(['all-linear']);
    useStore.getState().setModel(model('gpt2', 'gpt2', 'distilgpt2'));
    expect(targets()).toEqual(['c_attn']);
    lora(['c_attn', 'q_proj']);
    useStore.getState().setModel(model('gpt2', 'gpt2'));
    expect(targets()).toEqual(['c_attn']);
  });

  it('leave full fine-tuning alone', () => {
    useStore.getState().updateSettings({ lora: null });
    useStore.getState().setModel(model('llama', 'qwen3'));
    expect(useStore.getState().settings.lora).toBeNull();
  });

  it('offer all-linear for the Llama family only', () => {
    expect(loraTargetChoices(model('llama', 'qwen3'))).toEqual([...LLAMA_TARGETS, 'all-linear']);
    expect(loraTargetChoices(model('gpt2', 'gpt2'))).toEqual(['c_attn', 'c_proj', 'c_fc']);
  });
});
