import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCaptured } from './run-captured';
import { loadModelFile } from '../core/io/run-bundle';

const cli = runCaptured;

const DATA = 'e2e/fixtures/small-pairs.jsonl';

describe('cli train', () => {
  it('writes the export bundle and prints one JSON object on stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpo-cli-'));
    const { code, stdout, stderr } = await cli('train', '--data', DATA, '--steps', '3', '--seed', '5', '--out', dir);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({ out: dir, step: 3, trainPairs: 7, evalPairs: 1 });
    expect(summary.eval.eval_loss).toBeGreaterThan(0);
    expect(stderr).toContain('step 3/3');
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'eval_metrics.jsonl', 'metrics.jsonl', 'model.safetensors', 'run.json', 'tokenizer.json', 'tokenizer_config.json']);
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.map((m) => m.step)).toEqual([1, 2, 3]);
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))).toMatchObject({ step: 3, settings: { seed: 5, steps: 3 }, preset: 'tiny' });
    expect(loadModelFile('model.safetensors', readFileSync(join(dir, 'model.safetensors'))).config.nLayer).toBe(2);
  });

  it('--steps 0 exports the starting model with the step-0 metrics of the first batch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpo-cli-'));
    expect((await cli('train', '--data', DATA, '--steps', '0', '--out', dir)).code).toBe(0);
    const [row, ...rest] = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rest).toHaveLength(0);
    expect(row.step).toBe(0);
    expect(row.loss).toBeCloseTo(Math.LN2, 6);
    expect(row['rewards/margins']).toBe(0);
  });

  it('--sft-steps runs SFT first, then DPO against the SFT model; --dump-batches shows what was trained on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpo-cli-'));
    const dump = join(dir, 'batches.jsonl');
    const args = ['train', '--data', DATA, '--out', dir, '--sft-steps', '4', '--steps', '2', '--lr', '0.01', '--loss', 'sigmoid,sft', '--loss-weights', '1,0.2'];
    const { code } = await cli(...args, '--dump-batches', dump, '--eval-fraction', '0', '--sample-every', '2', '--max-new-tokens', '4', '--temperature', '0');
    expect(code).toBe(0);
    const samples = readFileSync(join(dir, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(samples.map((r) => `${r.stage}${r.step}`)).toEqual(['sft2', 'sft2', 'sft2', 'sft4', 'sft4', 'sft4', 'dpo2', 'dpo2', 'dpo2']);
    expect(samples[0].reference).toBeNull(); // SFT has no reference model
    expect(typeof samples[6].reference).toBe('string');
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.map((m) => `${m.stage}${m.step}`)).toEqual(['sft1', 'sft2', 'sft3', 'sft4', 'dpo1', 'dpo2']);
    expect(metrics[0]['rewards/margins']).toBeNull(); // DPO-only metrics are absent in SFT
    // DPO starts from the SFT model, which is also its reference: zero rewards at its first step.
    expect([metrics[4]['rewards/chosen'], metrics[4]['rewards/margins']]).toEqual([0, 0]);
    expect(metrics[3].loss).toBeLessThan(metrics[0].loss); // SFT learned something
    const rows = readFileSync(dump, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(2 * 2); // 2 steps × 2 pairs
    const first = rows[0];
    expect(first.step).toBe(1);
    expect(first.chosen.logp).toBeCloseTo(first.chosen.ref_logp, 3); // policy = reference at step 1
    expect(first.chosen.input_ids.length).toBe(first.chosen.completion_mask.length);
    expect(first.chosen.completion_mask.at(-1)).toBe(1); // the EOS ends the completion
    expect(first.chosen.input_ids.at(-1)).toBe(256);
  });

  it('a diverging run stops, exits 3 with one line, and run.json says where', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dpo-cli-'));
    const { code, stdout, stderr } = await cli('train', '--data', DATA, '--out', dir, '--steps', '30', '--lr', '1e30', '--max-grad-norm', '0', '--eval-fraction', '0');
    expect(code).toBe(3);
    expect(JSON.parse(stdout).status).toBe('diverged');
    expect(stderr.trim().split('\n').at(-1)).toMatch(/^error: training diverged at step 2: loss became NaN\. Lower the learning rate/);
    expect(JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'))).toMatchObject({ status: 'diverged', diverged: { step: 2, metric: 'loss' } });
    // It stopped at the first metrics read-back after step 2, not at step 30.
    expect(readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(10);
  });

  it('exits 2 with one line naming the problem', async () => {
    const missing = await cli('train', '--data', 'no-such-file.jsonl', '--out', '/tmp/x');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error: --data: cannot read no-such-file.jsonl/);
    const beta = await cli('train', '--data', DATA, '--out', '/tmp/x', '--beta', '0');
    expect(beta).toMatchObject({ code: 2, stdout: '' });
    expect(beta.stderr).toContain('beta: must be a positive number');
  });

  it('--help lists every setting', async () => {
    const { code, stdout } = await cli('train', '--help');
    expect(code).toBe(0);
    for (const flag of ['--beta', '--lr', '--batch-size', '--max-length', '--steps', '--seed', '--preset']) expect(stdout).toContain(flag);
  });
});
