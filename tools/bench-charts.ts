// `npm run bench -- --charts [N] [--charts-baseline <git ref>]`: the studio's live charts fed
// N metric rows in headless Chromium, the way training feeds them — as the worker's `metrics`
// events, dispatched on the page's real Worker object, so the client, the store, React and
// uPlot all do their real work. Cases: a live run (32 rows per event every 150 ms) and a
// resumed run's catch-up (all N rows in one event). Measured on the main thread: long tasks
// (PerformanceObserver, self-checked with a deliberate 120 ms task), the time from an event to
// the end of the work it causes (store append, React commit, uPlot setData and draw), the
// longest gap between animation frames, and the JS heap. With --charts-baseline, the same
// cases also run on the app as it was at that git ref, built aside, so one run shows before
// and after.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { CHROMIUM_LAUNCH } from './chromium-launch';

/** Not the step bench's port: both may run at once. */
const CHARTS_PORT = 4182;

export interface ChartCaseResult {
  build: string;
  case: 'live' | 'catch-up';
  rows: number;
  events: number;
  rowsPerEvent: number;
  /** Event dispatched → the main thread free again (all microtasks and effects done), ms. */
  updateMedianMs: number;
  updateP95Ms: number;
  updateMaxMs: number;
  /** Mean over the last tenth of the events: the cost of one update at about N points. */
  updateAtEndMs: number;
  /** The renderer's main thread per event (CDP Performance metrics): all its tasks, and JS alone. */
  busyPerEventMs: number;
  scriptPerEventMs: number;
  longTasks: number;
  maxLongTaskMs: number;
  maxFrameGapMs: number;
  /** Points the charts report holding afterwards (data-points of the loss chart). */
  pointsShown: number;
  heapBeforeMB: number | null;
  heapAfterMB: number | null;
}

interface PageCase {
  total: number;
  perEvent: number;
  intervalMs: number;
  evalEvery: number;
}

interface PageMeasure {
  updates: number[];
  longTasks: number[];
  maxFrameGapMs: number;
  heapBefore: number | null;
  heapAfter: number | null;
}

type BenchWindow = Window & { __benchWorkers: Worker[]; __longTasks: number[]; gc?: () => void };

/** Before any app script: keep the Worker the client creates, and watch for long tasks. */
function instrumentPage(): void {
  const w = window as unknown as BenchWindow;
  w.__benchWorkers = [];
  w.__longTasks = [];
  const Native = window.Worker;
  window.Worker = class extends Native {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      w.__benchWorkers.push(this);
    }
  };
  new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
}

/**
 * Runs in the page: clears the charts (a `runStarted` event), then delivers `total` rows in
 * events of `perEvent` rows, `intervalMs` apart, with an eval point every `evalEvery` steps.
 */
async function feedCharts(c: PageCase): Promise<PageMeasure> {
  const w = window as unknown as BenchWindow;
  const worker = w.__benchWorkers.at(-1)!;
  const metricCount = 11;
  const emit = (event: unknown) => worker.dispatchEvent(new MessageEvent('message', { data: { v: 1, kind: 'event', event } }));
  // A macrotask after everything the event queued (React's commit and effects, uPlot's draw).
  const idle = () =>
    new Promise<void>((done) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => done();
      channel.port2.postMessage(0);
    });
  const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
  const heap = () => {
    w.gc?.();
    const memory = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
    return memory ? memory.usedJSHeapSize : null;
  };
  // Plausible DPO curves: a loss falling from ln 2, margins rising, noise on everything.
  let seed = 1;
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 0.2;
  const row = (step: number, out: Float32Array, at: number) => {
    const progress = step / c.total;
    const margin = 3 * progress + noise();
    out[at] = Math.log(2) * (1 - 0.8 * progress) + noise();
    out[at + 1] = margin / 2 + noise();
    out[at + 2] = -margin / 2 + noise();
    out[at + 3] = margin;
    out[at + 4] = Math.min(1, 0.5 + progress / 2 + noise());
    out[at + 5] = -40 + noise();
    out[at + 6] = -40 - margin * 10 + noise();
    out[at + 7] = noise();
    out[at + 8] = noise();
    out[at + 9] = 1 + noise();
    out[at + 10] = 1e-4;
  };

  emit({ type: 'runStarted', stage: 'dpo' });
  await sleep(300);
  const heapBefore = heap();
  let frames = true;
  let maxFrameGapMs = 0;
  let lastFrame = performance.now();
  const frame = (now: number) => {
    maxFrameGapMs = Math.max(maxFrameGapMs, now - lastFrame);
    lastFrame = now;
    if (frames) requestAnimationFrame(frame);
  };
  requestAnimationFrame((now) => ((lastFrame = now), requestAnimationFrame(frame)));
  await sleep(100);
  w.__longTasks.length = 0;
  const updates: number[] = [];
  for (let first = 1; first <= c.total; first += c.perEvent) {
    const n = Math.min(c.perEvent, c.total - first + 1);
    const steps = new Int32Array(n);
    const values = new Float32Array(n * metricCount);
    for (let i = 0; i < n; i++) {
      steps[i] = first + i;
      row(first + i, values, i * metricCount);
    }
    const started = performance.now();
    emit({ type: 'metrics', steps, values, stepsPerSecond: 6.7, tokensPerSecond: 860 });
    const last = first + n - 1;
    if (Math.floor(last / c.evalEvery) > Math.floor((first - 1) / c.evalEvery)) {
      const evalValues = new Float32Array(metricCount);
      row(last, evalValues, 0);
      emit({ type: 'evalMetrics', step: last, values: evalValues.slice(0, 9) });
    }
    await idle();
    updates.push(performance.now() - started);
    if (c.intervalMs > 0) await sleep(Math.max(0, c.intervalMs - (performance.now() - started)));
  }
  await sleep(200);
  frames = false;
  const longTasks = w.__longTasks.slice();
  return { updates, longTasks, maxFrameGapMs, heapBefore, heapAfter: heap() };
}

/** The observer must see a deliberate long task, or "0 long tasks" would mean nothing. */
export async function checkObserver(page: Page): Promise<void> {
  const before = await page.evaluate(() => (window as unknown as BenchWindow).__longTasks.length);
  await page.evaluate(() =>
    setTimeout(() => {
      const until = performance.now() + 120;
      while (performance.now() < until);
    }, 0),
  );
  await page.waitForTimeout(500);
  const seen = await page.evaluate(() => (window as unknown as BenchWindow).__longTasks.length);
  if (seen <= before) throw new Error('the long-task observer did not see a deliberate 120 ms task; the long-task figures would mean nothing');
}

const CASES: { name: ChartCaseResult['case']; make: (n: number) => PageCase }[] = [
  { name: 'live', make: (n) => ({ total: n, perEvent: 32, intervalMs: 150, evalEvery: 256 }) },
  { name: 'catch-up', make: (n) => ({ total: n, perEvent: n, intervalMs: 0, evalEvery: 256 }) },
];

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
};
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const round = (x: number, digits = 1) => Number(x.toFixed(digits));
const mb = (bytes: number | null) => (bytes === null ? null : round(bytes / 2 ** 20));

async function runBuild(dir: string, build: string, points: number): Promise<ChartCaseResult[]> {
  const server = spawn('npx', ['vite', 'preview', '--host', '127.0.0.1', '--port', String(CHARTS_PORT), '--strictPort', '--outDir', dir], {
    stdio: 'ignore',
    detached: true,
  });
  const browser = await chromium.launch({
    ...CHROMIUM_LAUNCH,
    args: [...CHROMIUM_LAUNCH.args, '--enable-precise-memory-info', '--js-flags=--expose-gc'],
  });
  const results: ChartCaseResult[] = [];
  try {
    await new Promise((done) => setTimeout(done, 3000));
    for (const { name, make } of CASES) {
      process.stderr.write(`charts (${build}): ${name}, ${points} rows…\n`);
      // A fresh page per case, on the wasm backend: the worker only sits idle here.
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.addInitScript(instrumentPage);
      await page.goto(`http://127.0.0.1:${CHARTS_PORT}/?view=studio&preset=tiny&backend=wasm`);
      await page.getByTestId('dataset-count').filter({ hasText: '400' }).waitFor({ timeout: 120_000 });
      await page.waitForTimeout(1000);
      const c = make(points);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Performance.enable');
      const threadTimes = async () => {
        const { metrics } = await cdp.send('Performance.getMetrics');
        const get = (name: string) => (metrics.find((x) => x.name === name)?.value ?? 0) * 1000;
        return { busy: get('TaskDuration'), script: get('ScriptDuration') };
      };
      const before = await threadTimes();
      const m = await page.evaluate(feedCharts, c);
      const after = await threadTimes();
      await checkObserver(page);
      if (errors.length > 0) throw new Error(`the page failed while its charts were fed (${build}): ${errors.join('; ')}`);
      const tail = m.updates.slice(-Math.max(1, Math.floor(m.updates.length / 10)));
      results.push({
        build,
        case: name,
        rows: points,
        events: m.updates.length,
        rowsPerEvent: c.perEvent,
        updateMedianMs: round(quantile(m.updates, 0.5)),
        updateP95Ms: round(quantile(m.updates, 0.95)),
        updateMaxMs: round(Math.max(...m.updates)),
        updateAtEndMs: round(mean(tail)),
        busyPerEventMs: round((after.busy - before.busy) / m.updates.length),
        scriptPerEventMs: round((after.script - before.script) / m.updates.length),
        longTasks: m.longTasks.length,
        maxLongTaskMs: Math.round(Math.max(0, ...m.longTasks)),
        maxFrameGapMs: Math.round(m.maxFrameGapMs),
        pointsShown: Number(await page.getByTestId('chart-loss').getAttribute('data-points')),
        heapBeforeMB: mb(m.heapBefore),
        heapAfterMB: mb(m.heapAfter),
      });
      process.stderr.write(`  ${JSON.stringify(results.at(-1))}\n`);
      await page.close();
    }
  } finally {
    await browser.close();
    if (server.pid) process.kill(-server.pid);
  }
  return results;
}

/** The app as it is at `ref`, built in a scratch folder (the working tree is not touched). */
function buildAt(ref: string | null, outDir: string): string {
  if (ref === null) {
    execFileSync('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'] });
    return 'working tree';
  }
  const commit = execFileSync('git', ['rev-parse', '--short', ref], { encoding: 'utf8' }).trim();
  const source = mkdtempSync(join(tmpdir(), 'dpo-charts-src-'));
  try {
    execFileSync('bash', ['-c', `git archive ${commit} | tar -x -C ${source}`]);
    symlinkSync(resolve('node_modules'), join(source, 'node_modules'));
    execFileSync('npx', ['vite', 'build', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: source,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } finally {
    rmSync(source, { recursive: true, force: true });
  }
  return commit;
}

export async function chartsBench(points: number, baseline: string | null): Promise<ChartCaseResult[]> {
  const scratch = mkdtempSync(join(tmpdir(), 'dpo-charts-'));
  try {
    const results: ChartCaseResult[] = [];
    for (const ref of baseline === null ? [null] : [baseline, null]) {
      const dir = join(scratch, ref === null ? 'current' : 'baseline');
      const build = buildAt(ref, dir);
      if (!existsSync(join(dir, 'index.html'))) throw new Error(`the build of ${build} has no index.html`);
      results.push(...(await runBuild(dir, build, points)));
    }
    return results;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function chartsTable(rows: ChartCaseResult[]): string {
  const header = ['build', 'case', 'rows', 'events × rows', 'update median ms', 'p95 ms', 'max ms', 'at N ms', 'main thread ms/event', 'JS ms/event', 'long tasks', 'longest ms', 'max frame gap ms', 'points shown', 'heap MB'];
  const lines = rows.map((r) => [
    r.build,
    r.case,
    String(r.rows),
    `${r.events} × ${r.rowsPerEvent}`,
    String(r.updateMedianMs),
    String(r.updateP95Ms),
    String(r.updateMaxMs),
    String(r.updateAtEndMs),
    String(r.busyPerEventMs),
    String(r.scriptPerEventMs),
    String(r.longTasks),
    String(r.maxLongTaskMs),
    String(r.maxFrameGapMs),
    String(r.pointsShown),
    r.heapBeforeMB === null ? '—' : `${r.heapBeforeMB}→${r.heapAfterMB}`,
  ]);
  const legend =
    'update: a metrics event dispatched → the main thread free again (store append, React commit, uPlot setData and draw); ' +
    '"at N": mean over the last tenth of the events; ms/event: the main thread\'s busy time (all tasks: JS, style, layout, paint) ' +
    'and its JS alone over the feed (timers and the frame loop included), per event; long tasks: over 50 ms (PerformanceObserver), during the feed.';
  return [[...header], header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).concat(legend).join('\n');
}
