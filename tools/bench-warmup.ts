// `npm run bench:warmup [-- --model tiny --repeat 2 --out docs/bench-warmup.json]`: the first
// DPO step on WebGPU with and without the shader warm-up, each in a fresh browser (so no
// pipeline is cached from the other run), printed side by side. The app warms up the same way
// before a run's first step (src/worker/training/shader-warmup.ts).
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import type { StepBenchRun } from '../src/core/bench/step-bench';
import { CHROMIUM_LAUNCH } from './chromium-launch';

const PORT = 4182;
const { values } = parseArgs({ options: { model: { type: 'string' }, repeat: { type: 'string' }, out: { type: 'string' }, only: { type: 'string' } } });
const model = values.model ?? 'tiny';
const repeat = Number(values.repeat ?? 2);

async function firstStep(warmUp: boolean): Promise<{ run: StepBenchRun; adapter: string }> {
  const browser = await chromium.launch(CHROMIUM_LAUNCH);
  try {
    const page = await browser.newPage();
    const options = { warmup: 1, measure: 2, block: 1, growthSteps: 0, shaderWarmUp: warmUp };
    const bench = encodeURIComponent(JSON.stringify({ models: [model], options }));
    await page.goto(`http://127.0.0.1:${PORT}/?view=studio&backend=webgpu&bench=${bench}`);
    const text = await page.getByTestId('bench-result').textContent({ timeout: 30 * 60_000 });
    const result = JSON.parse(text ?? '{}') as { runs?: StepBenchRun[]; error?: string };
    if (!result.runs?.[0]) throw new Error(`bench failed: ${result.error}`);
    return { run: result.runs[0], adapter: (await page.getByTestId('backend').textContent()) ?? '' };
  } finally {
    await browser.close();
  }
}

execFileSync('npm', ['run', '-s', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], { stdio: 'ignore', detached: true });
const rows: { warm_up: boolean; warmup_ms: number | null; first_step_ms: number; dpo_ms: number }[] = [];
let adapter = '';
try {
  await new Promise((resolve) => setTimeout(resolve, 3000));
  for (let i = 0; i < repeat; i++)
    for (const warmUp of values.only === 'on' ? [true] : [false, true]) {
      const { run, adapter: a } = await firstStep(warmUp);
      adapter = a;
      rows.push({ warm_up: warmUp, warmup_ms: run.warmup_ms, first_step_ms: run.first_step_ms, dpo_ms: run.dpo_ms });
      process.stderr.write(`${JSON.stringify(rows.at(-1))}\n`);
    }
} finally {
  try {
    if (server.pid) process.kill(-server.pid);
  } catch {
    // already gone
  }
}
const ms = (x: number | null) => (x === null ? '—' : x.toFixed(0));
console.log(`first DPO step of "${model}" on ${adapter.trim()} (each row a fresh browser)`);
console.log('warm-up | warm-up ms | first step ms | warm-up + first step ms');
for (const r of rows) console.log(`${r.warm_up ? 'yes' : 'no '}     | ${ms(r.warmup_ms).padStart(10)} | ${ms(r.first_step_ms).padStart(13)} | ${ms((r.warmup_ms ?? 0) + r.first_step_ms).padStart(23)}`);
if (values.out) writeFileSync(values.out, JSON.stringify({ model, adapter, rows }, null, 2) + '\n');
