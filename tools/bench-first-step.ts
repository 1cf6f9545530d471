// `npm run bench -- --first-step [--first-step-pairs 40,3000] [--models tiny] [--node cpu]
//  [--browser webgpu] [--out docs/bench-first-step.json]`: the time from "start" to the first
// step's metrics with cached reference log-probs, at each dataset size, side by side in one
// run: Node on the CLI's backends, and headless Chromium driving the app's worker (?bench=)
// — its WebGPU is SwiftShader on the CPU here, which says nothing about GPU speed. The sizes
// must give the same time: the first step computes its own batch's reference, not the dataset's.
import { BENCH_CASES, QUICK_BENCH } from '../src/core/bench/step-bench';
import { benchFirstStep, type FirstStepBenchRun } from '../src/core/bench/first-step-bench';
import { useNodeBackend, type NodeBackend } from '../src/cli/node-backend';
import { benchPages, pageRows } from './bench-page';

/** Not the step bench's nor the charts bench's port. */
const PORT = 4183;

export type FirstStepRow = FirstStepBenchRun & { where: string; note?: string };

export async function firstStepNode(backends: string[], models: string[], pairs: number[]): Promise<FirstStepRow[]> {
  const rows: FirstStepRow[] = [];
  for (const backend of backends) {
    const used = await useNodeBackend(backend as NodeBackend, (line) => process.stderr.write(line));
    for (const model of models) {
      process.stderr.write(`node ${used}: first step of ${model} at ${pairs.join(', ')} pairs…\n`);
      // An untimed first run: the process's first trainer also pays for the JIT and TF.js's
      // one-time setup, which would land on whichever size came first. (Each browser size
      // gets a fresh page instead: all of them cold alike.)
      const [, ...runs] = await benchFirstStep(BENCH_CASES[model], { pairs: [pairs[0], ...pairs] }, () => performance.now());
      for (const run of runs) rows.push({ ...run, where: 'node' });
    }
  }
  return rows;
}

/** One fresh page (a fresh worker, no compiled shader) per backend, model and size. */
export async function firstStepBrowser(backends: string[], models: string[], pairs: number[]): Promise<FirstStepRow[]> {
  const jobs = backends.flatMap((backend) =>
    models.flatMap((model) =>
      pairs.map((size) => ({ label: `first step of ${model} at ${size} pairs`, backend, models: [model], options: { ...QUICK_BENCH, firstStep: { pairs: [size] } } })),
    ),
  );
  return pageRows(await benchPages<FirstStepBenchRun>(PORT, jobs));
}

/** One line per backend and model, a column per dataset size. */
export function firstStepTable(rows: FirstStepRow[], pairs: number[]): string {
  const key = (r: FirstStepRow) => `${r.where}|${r.backend}|${r.model}`;
  const groups = [...new Set(rows.map(key))];
  const header = ['where', 'backend', 'model', ...pairs.map((p) => `first step ms at ${p} pairs`), 'reference rows cached'];
  const lines = groups.map((g) => {
    const of = rows.filter((r) => key(r) === g);
    const at = (p: number) => of.find((r) => r.pairs === p);
    const ms = (r: FirstStepRow | undefined) =>
      r ? `${r.first_step_ms.toFixed(0)}${r.warmup_ms !== null ? ` (warm-up ${r.warmup_ms.toFixed(0)})` : ''}` : '—';
    return [of[0].where, of[0].backend + (of[0].note ? ' *' : ''), of[0].model, ...pairs.map((p) => ms(at(p))), of.map((r) => `${r.reference_rows_cached}/${r.pairs}`).join(', ')];
  });
  const notes = [...new Set(rows.filter((r) => r.note).map((r) => `* ${r.note}`))];
  return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).concat(notes).join('\n');
}
