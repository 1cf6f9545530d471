// The app's worker as a benchmark (the ?bench= path): the production build served by vite
// preview, one fresh page — a fresh worker, no compiled shader — per job, in headless Chromium.
// Every browser benchmark of `npm run bench` goes through here.
import { execFileSync, spawn } from 'node:child_process';
import { chromium } from '@playwright/test';
import type { BenchOptions } from '../src/core/bench/step-bench';
import { CHROMIUM_LAUNCH } from './chromium-launch';

export interface PageJob {
  /** What stderr says while it runs. */
  label: string;
  backend: string;
  models: string[];
  options: BenchOptions;
}

export interface PageResult<R> {
  job: PageJob;
  runs: R[];
  /** The app's backend badge, adapter included (e.g. "webgpu · google swiftshader"). */
  badge: string;
  /** Set when the page's WebGPU is SwiftShader: bytes and kernel counts hold, milliseconds are not GPU speed. */
  note?: string;
}

export const SOFTWARE_WEBGPU = 'software WebGPU (SwiftShader on the CPU): bytes and kernel counts hold, ms are not GPU speed';

/** A comma-separated flag as a list; `fallback` when the flag is absent ('' is an empty list). */
export const listArg = (text: string | undefined, fallback: string[]) => (text === undefined ? fallback : text.split(',').filter(Boolean));

/** Runs each job in its own page on `port`, in order; a failed job reports its error and yields no runs. */
export async function benchPages<R>(port: number, jobs: PageJob[]): Promise<PageResult<R>[]> {
  if (jobs.length === 0) return [];
  execFileSync('npm', ['run', '-s', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(port), '--strictPort'], { stdio: 'ignore', detached: true });
  const results: PageResult<R>[] = [];
  const browser = await chromium.launch(CHROMIUM_LAUNCH);
  try {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    for (const job of jobs) {
      process.stderr.write(`chromium ${job.backend}: ${job.label}…\n`);
      const page = await browser.newPage();
      const bench = encodeURIComponent(JSON.stringify({ models: job.models, options: job.options }));
      await page.goto(`http://127.0.0.1:${port}/?view=studio&backend=${job.backend}&bench=${bench}`);
      const text = await page.getByTestId('bench-result').textContent({ timeout: 30 * 60_000 });
      const badge = (await page.getByTestId('backend').textContent()) ?? '';
      const result = JSON.parse(text ?? '{}') as { runs?: R[]; error?: string };
      if (!result.runs) process.stderr.write(`chromium ${job.backend}: ${result.error}\n`);
      const note = /swiftshader/i.test(badge) && job.backend === 'webgpu' ? SOFTWARE_WEBGPU : undefined;
      results.push({ job, runs: result.runs ?? [], badge, ...(note ? { note } : {}) });
      for (const run of result.runs ?? []) process.stderr.write(`  ${JSON.stringify(run)}\n`);
      await page.close();
    }
  } finally {
    await browser.close();
    if (server.pid) process.kill(-server.pid);
  }
  return results;
}

/** Each run of each page as a row, with where it ran and the page's note. */
export function pageRows<R extends object>(results: PageResult<R>[]): (R & { where: string; note?: string })[] {
  return results.flatMap((r) => r.runs.map((run) => ({ ...run, where: 'chromium', ...(r.note ? { note: r.note } : {}) })));
}
