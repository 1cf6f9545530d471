import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCaptured as cli } from './run-captured';

interface SweepOutput {
  sft: { reward: number };
  pairs: { count: number; ties: number };
  runs: { beta: number; points: { step: number; reward: number; kl: number; accuracy: number }[] }[];
}

describe('cli sentiment', () => {
  // A short version of the demo from the shipped SFT checkpoint (public/demo/sentiment).
  // The full β sweep is `npm run sweep:sentiment`, a benchmark-style script, not a test.
  it("raises the mean ground-truth reward above the SFT model's and writes the documented JSON", async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sentiment-')), 'result.json');
    const args = ['sentiment', '--betas', '0.1', '--steps', '40', '--eval-every', '40', '--lr', '1e-3', '--pair-prompts', '384', '--eval-prompts', '32', '--seed', '3', '--out', out];
    const { code, stdout, stderr } = await cli(...args);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as SweepOutput;
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(result);
    expect(result.runs).toHaveLength(1);
    const points = result.runs[0].points;
    expect(points.map((p) => p.step)).toEqual([0, 40]);
    expect(points[0]).toMatchObject({ reward: result.sft.reward, kl: 0 });
    expect(result.sft.reward).toBeGreaterThan(0.2);
    expect(result.sft.reward).toBeLessThan(0.8);
    expect(points[1].reward).toBeGreaterThan(result.sft.reward + 0.1);
    expect(points[1].kl).toBeGreaterThan(0);
    expect(points[1].accuracy).toBeGreaterThan(0.5); // implicit reward agrees with the ground truth on held-out pairs
    expect(result.pairs.count + result.pairs.ties).toBe(384);
  }, 180_000);

  it('refuses bad flags and a missing model with one line and exit 2', async () => {
    const badBeta = await cli('sentiment', '--betas', '0.1,-1');
    expect(badBeta.code).toBe(2);
    expect(badBeta.stderr).toMatch(/^error: --betas: "-1"/);
    const missing = await cli('sentiment', '--model', '/nonexistent-dir', '--steps', '1');
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n').at(-1)).toMatch(/^error: \/nonexistent-dir\/model.safetensors: not found/);
  });
});
