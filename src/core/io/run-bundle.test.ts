import { describe, expect, it } from 'vitest';
import { unzipSync } from 'fflate';
import { buildRunBundle, loadModelFile, zipBundle, type RunInfo } from './run-bundle';
import { initGptWeights } from '../model/gpt-weights';
import { SeededRandom } from '../random';
import { MICRO_CONFIG } from '../testing/tiny-model';
import { METRIC_COUNT } from '../train/metric-names';
import { readGpt2Safetensors } from './hf-gpt2';
import { float32Entry, readSafetensors, writeSafetensors } from './safetensors';

const run: RunInfo = {
  app: 'DPO Studio',
  version: 'test',
  preset: 'micro',
  backend: 'cpu',
  step: 3,
  settings: { beta: 0.1 },
  dataset: { name: 't', pairs: 4 },
  createdAt: '2026-01-01T00:00:00Z',
};

describe('run bundle', () => {
  const weights = initGptWeights(MICRO_CONFIG, new SeededRandom(1));
  const history = { steps: [1, 2], values: Float32Array.from({ length: 2 * METRIC_COUNT }, (_, i) => i) };

  it('zips a Hugging Face GPT-2 folder whose tensors match config.json, and reloads it exactly', () => {
    const zip = zipBundle(buildRunBundle(MICRO_CONFIG, weights, history, run));
    const files = unzipSync(zip);
    expect(Object.keys(files).sort()).toEqual([
      'config.json',
      'metrics.jsonl',
      'model.safetensors',
      'run.json',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
    const config = JSON.parse(new TextDecoder().decode(files['config.json']));
    expect(config.model_type).toBe('gpt2');
    const tensors = readSafetensors(files['model.safetensors']).tensors;
    expect(tensors.get('wte.weight')!.shape).toEqual([config.vocab_size, config.n_embd]);
    expect(tensors.get('h.0.attn.c_attn.weight')!.shape).toEqual([config.n_embd, 3 * config.n_embd]);
    const lines = new TextDecoder()
      .decode(files['metrics.jsonl'])
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[1]).toMatchObject({ step: 2, loss: METRIC_COUNT, 'rewards/chosen': METRIC_COUNT + 1 });

    const loaded = loadModelFile('run.zip', zip);
    expect(loaded.run?.step).toBe(3);
    for (const [name, tensor] of weights) expect(loaded.weights.get(name)!.data).toEqual(tensor.data);
  });

  it('reloads a bare model.safetensors through its embedded config', () => {
    const files = buildRunBundle(MICRO_CONFIG, weights, history, run);
    const loaded = loadModelFile('model.safetensors', files['model.safetensors']);
    expect(loaded.config).toEqual(MICRO_CONFIG);
  });

  it('names the missing tensor or the disagreeing shape', () => {
    const files = buildRunBundle(MICRO_CONFIG, weights, history, run);
    const config = JSON.parse(new TextDecoder().decode(files['config.json']));
    const tensors = readSafetensors(files['model.safetensors']).tensors;
    tensors.delete('ln_f.bias');
    expect(() => readGpt2Safetensors(writeSafetensors(tensors), config)).toThrow('tensor ln_f.bias is missing');
    tensors.set('ln_f.bias', float32Entry([3], new Float32Array(3)));
    expect(() => readGpt2Safetensors(writeSafetensors(tensors), config)).toThrow(/ln_f.bias has shape \[3\]/);
  });
});
