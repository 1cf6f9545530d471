import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BENCH_CASES } from '../../src/core/bench/step-bench';
import { PYTHON, requirePython } from '../system-packages';
import { writeExports } from './write-exports';

/**
 * The GPU run (tools/gpu/run.sh) on this machine: no GPU, and tools/gpu/prepare not run (the
 * test points GPU_PAYLOAD at an empty folder, so it behaves the same where it has been). Each
 * piece that cannot run must say why in its JSON, while the pieces that need no GPU — PyTorch
 * on the CPU and the export checks that need only torch — still produce their figures.
 */
interface Piece {
  status: 'ok' | 'failed' | 'skipped';
  reason?: string;
  runs?: { status: string; model: string; tokens: number; dpo_ms: number; dpo_uncached_ms: number; sft_ms: number }[];
  checks?: { name: string; ok: boolean }[];
}

const PIECES = [
  'node',
  'dawn',
  'torch',
  'exports',
  'export-safetensors',
  'export-transformers',
  'export-peft',
  'torch-cuda-fp32',
  'torch-cuda-bf16',
  'webgpu-tiny',
  'packed-linear',
  'torch-cpu',
];
const NOT_PREPARED = 'not prepared: run tools/gpu/prepare';

const importable = (module: string) => spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;

describe('tools/gpu/run.sh without a GPU and without tools/gpu/prepare', () => {
  it('fails each piece it cannot run with the reason, and still measures PyTorch on the CPU and checks the exports', async () => {
    requirePython(['torch']);
    const dir = mkdtempSync(join(tmpdir(), 'gpu-run-'));
    try {
      const exportsDir = join(dir, 'exports');
      const out = join(dir, 'out');
      await writeExports(exportsDir, process.cwd());
      const env = { ...process.env, PYTHON, GPU_PAYLOAD: join(dir, 'no-payload') };
      execFileSync('bash', ['tools/gpu/run.sh', '--smoke', '--out', out, '--exports', exportsDir, '--budget', '150'], {
        env,
        encoding: 'utf8',
        stdio: 'pipe',
      });
      const piece = (name: string) => JSON.parse(readFileSync(join(out, `${name}.json`), 'utf8')) as Piece;

      for (const name of PIECES) {
        const p = piece(name);
        expect(['ok', 'failed', 'skipped'], name).toContain(p.status);
        if (p.status !== 'ok') expect(p.reason, name).toMatch(/\S/);
      }
      expect(piece('node').reason).toContain(NOT_PREPARED);
      for (const name of ['dawn', 'exports', 'webgpu-tiny', 'packed-linear'])
        expect(piece(name)).toMatchObject({ status: 'failed', reason: expect.stringContaining(NOT_PREPARED) });

      const cpu = piece('torch-cpu');
      expect(cpu.status).toBe('ok');
      expect(cpu.runs![0]).toMatchObject({
        status: 'ok',
        model: BENCH_CASES.tiny.model,
        tokens: 2 * BENCH_CASES.tiny.pairs * BENCH_CASES.tiny.length,
      });
      for (const key of ['dpo_ms', 'dpo_uncached_ms', 'sft_ms'] as const) expect(cpu.runs![0][key], key).toBeGreaterThan(0);
      const cuda = piece('torch-cuda-fp32');
      if (cuda.status !== 'ok') expect(cuda.reason).toMatch(/CUDA/);

      const safetensors = piece('export-safetensors');
      expect(safetensors.status, safetensors.reason).toBe('ok');
      // The built-in GPT-2 and the tiny Llama (model, merged model, PEFT adapter), and the Hugging Face-layout export.
      expect(safetensors.checks!.map((c) => [c.name.split(' ')[0], c.ok])).toEqual([
        ['builtin', true],
        ['llama', true],
        ['hf', true],
      ]);
      if (!importable('transformers')) {
        expect(piece('export-transformers')).toMatchObject({ status: 'failed', reason: 'transformers not installed' });
        expect(piece('export-peft')).toMatchObject({ status: 'failed', reason: 'transformers not installed' });
      }

      // The summary is written, and refuses to become docs/bench-gpu.json from a run without a GPU.
      expect(existsSync(join(out, 'bench-gpu.json'))).toBe(true);
      expect(readFileSync(join(out, 'run.log'), 'utf8')).toContain(`webgpu-tiny: failed: needs a WebGPU adapter`);
      if (cuda.status !== 'ok') {
        const docs = spawnSync(PYTHON, ['tools/gpu/summarize', out, '--docs', join(dir, 'bench-gpu.json')], { encoding: 'utf8' });
        expect(docs.status).not.toBe(0);
        expect(docs.stderr).toContain('not a GPU run');
        expect(existsSync(join(dir, 'bench-gpu.json'))).toBe(false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);

  it('gives PyTorch the TypeScript bench cases (tools/gpu/cases.json mirrors BENCH_CASES)', () => {
    const cases = JSON.parse(readFileSync(join(__dirname, 'cases.json'), 'utf8')) as Record<string, unknown>;
    for (const [name, c] of Object.entries(cases)) expect(c, name).toEqual(BENCH_CASES[name]);
    expect(Object.keys(cases)).toEqual(expect.arrayContaining(['tiny', 'anchor', 'base', 'base-lora', 'smollm2-lora']));
  });
});
