import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCaptured as cli } from './run-captured';
import { readSafetensors } from '../core/io/safetensors';

const DATA = 'e2e/fixtures/small-pairs.jsonl';
const MODEL = 'src/core/testing/fixtures/tiny-gpt2';

describe('cli train --model (a Hugging Face GPT-2 folder)', () => {
  it('--lora trains adapters on the BPE-tokenized data and writes the merged folder, a model card and the PEFT adapter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpo-cli-hf-'));
    const args = ['train', '--model', MODEL, '--lora', 'r=2,alpha=8,targets=c_attn+c_proj', '--data', DATA, '--steps', '2'];
    const { code, stdout, stderr } = await cli(...args, '--max-length', '32', '--lr', '0.01', '--out', dir);
    expect(stderr).toContain('step 2/2');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ step: 2, status: 'completed' });
    expect(readdirSync(dir).sort()).toEqual(
      ['README.md', 'adapter', 'config.json', 'eval_metrics.jsonl', 'generation_config.json', 'metrics.jsonl', 'model.safetensors', 'run.json', 'tokenizer.json', 'tokenizer_config.json'].sort(),
    );
    expect(readdirSync(join(dir, 'adapter')).sort()).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors']);
    const adapter = readSafetensors(new Uint8Array(readFileSync(join(dir, 'adapter', 'adapter_model.safetensors'))));
    // c_proj targets both projections; 2 layers × 3 modules × (A, B)
    expect(adapter.tensors.size).toBe(12);
    expect(JSON.parse(readFileSync(join(dir, 'adapter', 'adapter_config.json'), 'utf8'))).toMatchObject({ r: 2, lora_alpha: 8 });
    // config.json is the model's own, carried over.
    expect(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))).toMatchObject({ vocab_size: 50257, n_embd: 8 });
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('tiny-gpt2');
    const [first] = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(first.loss).toBeCloseTo(Math.LN2, 5); // zero-initialised B: the policy starts as the reference
  });

  it('names what is wrong: a missing folder, a bad --lora spec', async () => {
    const missing = await cli('train', '--model', 'no/such/folder', '--data', DATA, '--out', mkdtempSync(join(tmpdir(), 'x-')));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--model: no\/such\/folder does not exist/);
    const bad = await cli('train', '--model', MODEL, '--lora', 'r=0', '--data', DATA, '--out', mkdtempSync(join(tmpdir(), 'x-')));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--lora: rank/);
  });
});
