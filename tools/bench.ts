// `npm run bench -- [--out file.json] [--models small,anchor] [--browser webgpu,webgl,wasm,cpu]
//  [--node wasm,cpu] [--no-torch] [--steps N] [--warmup N] [--growth N] [--browser-models tiny]
//  [--smoothness wasm,webgpu] [--smoothness-steps N] [--logprobs [--logprobs-shape 2,16,50257]]
//  [--charts [N] [--charts-baseline <git ref>]] [--first-step [--first-step-pairs 40,3000]]
//  [--attention [--attention-lengths 256,512,1024]] [--packed [--packed-shape 192,151936,16]]`:
// fixed DPO and SFT steps, side by side in one
// run, on every backend it can get — headless Chromium driving the app's own worker (?bench=),
// Node (the CLI's backends), and PyTorch on the CPU as the anchor — printed as a table and
// written as JSON. Numbers from the software WebGPU adapter (SwiftShader) are labelled as such.
// `--logprobs` instead measures the peak memory of sequence log-probs (forward + backward) with
// the pre-fusion log-softmax × one-hot, the portable token log-probs and the fused kernel.
// `--first-step` instead times "start" to the first step's metrics at each dataset size (see
// bench-first-step.ts), `--attention` the attention's peak memory alone (bench-attention.ts),
// `--packed` a packed 16-bit matmul against float32 (bench-packed-linear.ts).
// `--charts` instead feeds N metric rows (default 10,000) into the studio's live charts (see
// bench-charts.ts).
import { execFileSync, spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import {
  BENCH_CASES,
  QUICK_BENCH,
  benchCase,
  type BenchOptions,
  type StepBenchRun,
} from '../src/core/bench/step-bench';
import { benchLogProbs, type LogProbsBenchRun, type LogProbsVariant } from '../src/core/bench/logprobs-bench';
import { useNodeBackend, type NodeBackend } from '../src/cli/node-backend';
import { CHROMIUM_LAUNCH } from './chromium-launch';
import { BACKEND_NAMES } from '../src/protocol/messages';
import { chartsBench, chartsTable, checkObserver } from './bench-charts';
import { firstStepBrowser, firstStepNode, firstStepTable } from './bench-first-step';
import { attentionBrowser, attentionNode, attentionRowsTable } from './bench-attention';
import { packedLinearMain } from './bench-packed-linear';
import { benchPages, listArg as list, pageRows } from './bench-page';

type Row = StepBenchRun & { where: string; note?: string };

const PORT = 4181;

async function nodeRuns(backends: string[], models: string[], options: BenchOptions): Promise<Row[]> {
  const rows: Row[] = [];
  for (const backend of backends) {
    const used = await useNodeBackend(backend as NodeBackend, (line) => process.stderr.write(line));
    for (const model of models) {
      process.stderr.write(`node ${used}: ${model}…\n`);
      rows.push({ ...(await benchCase(BENCH_CASES[model], options, () => performance.now())), where: 'node' });
      process.stderr.write(`  ${JSON.stringify(rows.at(-1))}\n`);
    }
  }
  return rows;
}

async function browserRuns(backends: string[], models: string[], options: BenchOptions): Promise<{ rows: Row[]; adapter: string }> {
  // One page per backend and model: a fresh worker each time, and progress as each finishes.
  const jobs = backends.flatMap((backend) => models.map((model) => ({ label: model, backend, models: [model], options })));
  const results = await benchPages<StepBenchRun>(PORT, jobs);
  return { rows: pageRows(results), adapter: results.find((r) => r.job.backend === 'webgpu')?.badge ?? '' };
}

/**
 * Main-thread smoothness while the app trains: long tasks (over 50 ms, PerformanceObserver)
 * during a run of `steps` steps of the tiny preset in the studio, with its live charts.
 */
async function smoothness(
  backend: string,
  steps: number,
): Promise<{ backend: string; steps: number; seconds: number; longTasks: number; maxLongTaskMs: number }> {
  const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(PORT), '--strictPort'], {
    stdio: 'ignore',
    detached: true,
  });
  const browser = await chromium.launch(CHROMIUM_LAUNCH);
  try {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const page = await browser.newPage();
    await page.addInitScript(() => {
      const tasks: number[] = [];
      (window as unknown as { __longTasks: number[] }).__longTasks = tasks;
      new PerformanceObserver((list) => list.getEntries().forEach((e) => tasks.push(e.duration))).observe({
        type: 'longtask',
        buffered: true,
      });
    });
    await page.goto(`http://127.0.0.1:${PORT}/?preset=tiny&view=studio&backend=${backend}`);
    await page.getByTestId('dataset-count').filter({ hasText: '400' }).waitFor({ timeout: 120_000 });
    await page.getByTestId('settings-steps').fill(String(steps));
    await page.evaluate(() => ((window as unknown as { __longTasks: number[] }).__longTasks.length = 0));
    const started = Date.now();
    await page.getByTestId('train-start').click();
    await page
      .getByTestId('step-count')
      .filter({ hasText: new RegExp(`^${steps}$`) })
      .waitFor({ timeout: 30 * 60_000 });
    const seconds = (Date.now() - started) / 1000;
    const tasks = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks.slice());
    await checkObserver(page);
    return { backend, steps, seconds: Math.round(seconds), longTasks: tasks.length, maxLongTaskMs: Math.round(Math.max(0, ...tasks)) };
  } finally {
    await browser.close();
    if (server.pid) process.kill(-server.pid);
  }
}

function torchRuns(models: string[], options: BenchOptions): Row[] {
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
  } catch {
    process.stderr.write('PyTorch anchor skipped: /usr/bin/python3 has no torch (apt-get install python3-torch)\n');
    return [];
  }
  process.stderr.write(`pytorch: ${models.join(', ')}…\n`);
  const request = JSON.stringify({ cases: models.map((m) => BENCH_CASES[m]), options });
  const out = execFileSync('/usr/bin/python3', ['tools/bench/torch_bench.py', request], { encoding: 'utf8', maxBuffer: 1 << 24 });
  return (JSON.parse(out) as { runs: StepBenchRun[] }).runs.map((r) => ({ ...r, where: 'python' }));
}

function table(rows: Row[]): string {
  const f = (v: number | null | undefined, digits = 0) => (v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(digits));
  const header = [
    'where',
    'backend',
    'model',
    'tokens',
    'DPO ms',
    'uncached ms',
    'SFT ms',
    'DPO/SFT',
    'uncached/SFT',
    'tok/s (DPO)',
    'first step ms',
    'tensors',
    'peak MB',
    'kernels (portable)',
  ];
  const lines = rows.map((r) => [
    r.where,
    r.backend + (r.note ? ' *' : ''),
    r.model,
    String(r.tokens),
    f(r.dpo_ms),
    f(r.dpo_uncached_ms),
    f(r.sft_ms),
    f(r.dpo_ms / r.sft_ms, 2),
    f(r.dpo_uncached_ms / r.sft_ms, 2),
    f((r.tokens / r.dpo_ms) * 1000),
    f(r.first_step_ms),
    r.tensors_before === undefined ? '—' : `${r.tensors_before}→${r.tensors_after}`,
    r.peak_bytes === undefined ? '—' : f(r.peak_bytes / 1024 / 1024, 1),
    `${f(r.kernels_per_step)}${r.kernels_per_step_portable != null ? ` (${f(r.kernels_per_step_portable)})` : ''}`,
  ]);
  const md = [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`);
  const notes = [...new Set(rows.filter((r) => r.note).map((r) => `* ${r.note}`))];
  return [...md, ...notes, '', attentionTable(rows)].join('\n');
}

/** Attention forward + backward at B = 1, per case and length: peak MB unforced (fused where a kernel exists) and portable. */
function attentionTable(rows: Row[]): string {
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  const header = ['where', 'backend', 'model', 'heads × head dim', 'T', 'path', 'attention peak MB', 'portable peak MB'];
  const lines = rows.flatMap((r) =>
    (r.attention?.peaks ?? []).map((p) => [r.where, r.backend, r.model, `${r.attention!.heads} (${r.attention!.kv_heads} KV) × ${r.attention!.head_dim}`, String(p.length), p.path, mb(p.peak_bytes), mb(p.peak_bytes_portable)]),
  );
  return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

type LogProbsRow = LogProbsBenchRun & { where: string; note?: string };
const LOGPROBS_VARIANTS: LogProbsVariant[] = ['naive', 'portable', 'fused'];

/** Each variant in a fresh page (a fresh worker), so the GPU pool's growth is that variant's own. */
async function logProbsBrowser(backends: string[], shape: number[]): Promise<LogProbsRow[]> {
  const [rows, length, vocab] = shape;
  const jobs = backends.flatMap((backend) =>
    LOGPROBS_VARIANTS.map((variant) => ({
      label: `log-probs ${variant} ${shape.join('×')}`,
      backend,
      models: [],
      options: { ...QUICK_BENCH, logprobs: { rows, length, vocab, variants: [variant] } },
    })),
  );
  return pageRows(await benchPages<LogProbsBenchRun>(PORT, jobs));
}

async function logProbsNode(backends: string[], shape: number[]): Promise<LogProbsRow[]> {
  const rows: LogProbsRow[] = [];
  for (const backend of backends) {
    const used = await useNodeBackend(backend as NodeBackend, (line) => process.stderr.write(line));
    process.stderr.write(`node ${used}: log-probs ${shape.join('×')}…\n`);
    const [r, t, v] = shape;
    for (const run of await benchLogProbs({ rows: r, length: t, vocab: v, variants: LOGPROBS_VARIANTS }, () => performance.now()))
      rows.push({ ...run, where: 'node' });
  }
  return rows;
}

function logProbsTable(rows: LogProbsRow[]): string {
  const mb = (bytes: number | null) => (bytes === null ? '—' : (bytes / 2 ** 20).toFixed(2));
  const header = ['where', 'backend', 'variant', 'N×T×V', 'peak MB', 'peak KB/token', 'per token / V·4 B', 'tf.profile MB', 'GPU pool MB', 'ms', 'Σ logp', 'Σ|grad|'];
  const lines = rows.map((r) => [
    r.where,
    r.backend + (r.note ? ' *' : ''),
    r.variant,
    `${r.rows}×${r.length}×${r.vocab}`,
    mb(r.peak_bytes),
    (r.peak_bytes_per_token / 1024).toFixed(0),
    (r.peak_bytes_per_token / (r.vocab * 4)).toFixed(2),
    mb(r.profile_peak_bytes),
    mb(r.gpu_pool_growth_bytes),
    r.ms.toFixed(0),
    r.checksum.logp.toFixed(3),
    r.checksum.gradAbs.toFixed(3),
  ]);
  const md = [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`);
  const notes = [...new Set(rows.filter((r) => r.note).map((r) => `* ${r.note}`))];
  const legend =
    'peak: distinct tensor buffers (webgpu: GPU bytes in use) beyond the logits, during one forward + backward; ' +
    '"per token / V·4 B" is that peak in [V] float32 rows per token; tf.profile counts views as copies.';
  return [...md, ...notes, legend].join('\n');
}

async function logProbsMain(values: { browser?: string; node?: string; 'logprobs-shape'?: string; out?: string }) {
  const shape = list(values['logprobs-shape'], ['2', '16', '50257']).map(Number);
  if (shape.length !== 3 || shape.some((d) => !(d > 0))) throw new Error('--logprobs-shape: rows,length,vocab');
  const rows = [
    ...(await logProbsBrowser(list(values.browser, ['webgpu']), shape)),
    ...(await logProbsNode(list(values.node, ['cpu']), shape)),
  ];
  if (values.out) writeFileSync(values.out, JSON.stringify({ logprobs: rows }, null, 2) + '\n');
  process.stdout.write(`${logProbsTable(rows)}\n`);
}

async function chartsMain(points: number, baseline: string | null, out: string | undefined) {
  if (!(points > 0)) throw new Error('--charts N: a positive number of rows');
  const rows = await chartsBench(points, baseline);
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? '', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  if (out) writeFileSync(out, JSON.stringify({ machine, charts: rows }, null, 2) + '\n');
  process.stdout.write(`${chartsTable(rows)}\nmachine: ${JSON.stringify(machine)}\n`);
}

async function firstStepMain(values: { browser?: string; node?: string; models?: string; 'first-step-pairs'?: string; out?: string }) {
  const pairs = list(values['first-step-pairs'], ['40', '3000']).map(Number);
  const models = list(values.models, ['tiny']);
  for (const m of models) if (!BENCH_CASES[m]) throw new Error(`--models: unknown "${m}" (one of ${Object.keys(BENCH_CASES).join(', ')})`);
  const rows = [
    ...(await firstStepBrowser(list(values.browser, ['webgpu']), models, pairs)),
    ...(await firstStepNode(list(values.node, ['cpu']), models, pairs)),
  ];
  const machine = { cpus: cpus().length, cpu: cpus()[0]?.model ?? '', memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
  if (values.out) writeFileSync(values.out, JSON.stringify({ machine, pairs, firstStep: rows }, null, 2) + '\n');
  process.stdout.write(`${firstStepTable(rows, pairs)}\nmachine: ${JSON.stringify(machine)}\n`);
}

async function attentionMain(values: { node?: string; browser?: string; models?: string; 'attention-lengths'?: string; out?: string }) {
  const lengths = list(values['attention-lengths'], ['256', '512', '1024']).map(Number);
  const models = list(values.models, ['gpt2-small', 'smollm2-lora', 'qwen2.5-0.5b-lora']);
  for (const m of models) if (!BENCH_CASES[m]) throw new Error(`--models: unknown "${m}" (one of ${Object.keys(BENCH_CASES).join(', ')})`);
  const rows = [...(await attentionBrowser(list(values.browser, []), models, lengths)), ...(await attentionNode(list(values.node, ['cpu']), models, lengths))];
  if (values.out) writeFileSync(values.out, JSON.stringify({ lengths, attention: rows }, null, 2) + '\n');
  process.stdout.write(`${attentionRowsTable(rows)}\n`);
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      models: { type: 'string' },
      browser: { type: 'string' },
      node: { type: 'string' },
      'no-torch': { type: 'boolean' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      growth: { type: 'string' },
      'browser-models': { type: 'string' },
      smoothness: { type: 'string' },
      'smoothness-steps': { type: 'string' },
      logprobs: { type: 'boolean' },
      'logprobs-shape': { type: 'string' },
      charts: { type: 'boolean' },
      'charts-baseline': { type: 'string' },
      'first-step': { type: 'boolean' },
      'first-step-pairs': { type: 'string' },
      attention: { type: 'boolean' },
      packed: { type: 'boolean' },
      'packed-shape': { type: 'string' },
      'attention-lengths': { type: 'string' },
    },
  });
  if (values.attention) return attentionMain(values);
  if (values.packed) return packedLinearMain(values);
  if (values['first-step']) return firstStepMain(values);
  if (values.logprobs) return logProbsMain(values);
  if (values.charts) return chartsMain(Number(positionals[0] ?? 10_000), values['charts-baseline'] ?? null, values.out);
  const models = list(values.models, ['small', 'anchor']);
  for (const m of models) if (!BENCH_CASES[m]) throw new Error(`--models: unknown "${m}" (one of ${Object.keys(BENCH_CASES).join(', ')})`);
  const options: BenchOptions = {
    ...QUICK_BENCH,
    ...(values.steps ? { measure: Number(values.steps), block: Math.min(QUICK_BENCH.block, Number(values.steps)) } : {}),
    ...(values.growth ? { growthSteps: Number(values.growth) } : {}),
    ...(values.warmup ? { warmup: Number(values.warmup) } : {}),
  };
  const started = Date.now();
  const browser = list(values.browser, [...BACKEND_NAMES]);
  const { rows: chromiumRows, adapter } =
    browser.length > 0 ? await browserRuns(browser, list(values['browser-models'], models), options) : { rows: [], adapter: '' };
  const rows: Row[] = [
    ...chromiumRows,
    ...(await nodeRuns(list(values.node, ['wasm', 'cpu']), models, options)),
    ...(values['no-torch'] ? [] : torchRuns(models, options)),
  ];
  const smooth = [];
  for (const backend of list(values.smoothness, browser.length > 0 ? ['wasm'] : [])) {
    process.stderr.write(`smoothness: training ${values['smoothness-steps'] ?? 300} steps on ${backend} in the app…\n`);
    smooth.push(await smoothness(backend, Number(values['smoothness-steps'] ?? 300)));
  }
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model ?? '',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    webgpuAdapter: adapter,
  };
  const result = { machine, options, seconds: Math.round((Date.now() - started) / 1000), runs: rows, smoothness: smooth };
  if (values.out) writeFileSync(values.out, JSON.stringify(result, null, 2) + '\n');
  const smoothLines = smooth.map(
    (m) =>
      `main thread while training ${m.steps} steps on ${m.backend} (${m.seconds} s): ${m.longTasks} long tasks over 50 ms, longest ${m.maxLongTaskMs} ms`,
  );
  process.stdout.write(`${table(rows)}\n\n${smoothLines.join('\n')}${smoothLines.length ? '\n' : ''}machine: ${JSON.stringify(machine)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`error: ${error.message}\n`);
  process.exitCode = 1;
});
