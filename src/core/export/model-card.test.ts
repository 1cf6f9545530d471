import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../train/settings';
import { modelCard } from './model-card';

const info = {
  baseModel: 'gpt2',
  datasetName: 'imdb | "pairs"',
  pairCount: 1200,
  settings: { ...DEFAULT_SETTINGS, lossTypes: ['sigmoid', 'sft'] as ('sigmoid' | 'sft')[], lossWeights: [1, 0.5] },
  finalMetrics: { loss: 0.512345678, 'rewards/margins': 1.25 },
  steps: 300,
  date: '2025-01-02',
  appVersion: '0.1.0',
};

describe('modelCard', () => {
  it('has front matter the Hub reads, the settings, TRL-named metrics and loading code', () => {
    const card = modelCard(info);
    expect(card.startsWith('---\nlibrary_name: transformers\nbase_model: "gpt2"\ntags:\n- dpo\n')).toBe(true);
    expect(card).toContain('1200 preference pairs from "imdb \\| "pairs""');
    expect(card).toContain('| loss | 1·sigmoid + 0.5·sft |');
    expect(card).toContain('| rewards/margins | 1.25 |');
    expect(card).toContain('| loss | 0.512346 |');
    expect(card).toContain('AutoModelForCausalLM.from_pretrained("path/to/this/folder")');
  });

  it('describes a LoRA adapter as a peft library export', () => {
    const card = modelCard({ ...info, lora: { rank: 8, alpha: 16, dropout: 0.05, targets: ['c_attn'] } });
    expect(card).toContain('library_name: peft');
    expect(card).toContain('- lora');
    expect(card).toContain('PeftModel.from_pretrained(base, "path/to/this/folder")');
    expect(card).toContain('r = 8, alpha = 16');
  });
});

describe('modelCard without a base model name', () => {
  it('invents none: no base_model in the front matter, a placeholder path in the loading code, and the note saying why', () => {
    const card = modelCard({ ...info, baseModel: null, baseModelNote: 'The base model is unknown: set it.', lora: { rank: 8, alpha: 16, dropout: 0, targets: ['c_attn'] } });
    expect(card).not.toContain('base_model:');
    expect(card).toContain('A LoRA adapter for a base model of unknown name');
    expect(card).toContain('AutoModelForCausalLM.from_pretrained("path/to/the/base/model")');
    expect(card).toContain('The base model is unknown: set it.');
  });
});
