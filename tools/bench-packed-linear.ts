// `npm run bench -- --packed [--packed-shape 192,151936,16] [--browser webgpu] [--node cpu]
//  [--out docs/bench-packed-linear.json]`: a packed 16-bit frozen matrix against the same
// values in float32 through TF.js's matMul (src/core/bench/packed-linear-bench.ts), y = x·Wᵀ and
// its input gradient, side by side in one run. The default shape is the tiny Qwen3 folder's LM
// head in the e2e run (4 rows × 48 tokens, 151,936 outputs, hidden size 16). On Node and the
// other non-WebGPU backends no packed kernels exist, so that column is unpack-then-matMul.
import { writeFileSync } from 'node:fs';
import { QUICK_BENCH } from '../src/core/bench/step-bench';
import { benchPackedLinear, type PackedLinearBenchRun } from '../src/core/bench/packed-linear-bench';
import { useNodeBackend, type NodeBackend } from '../src/cli/node-backend';
import { benchPages, listArg as list, pageRows } from './bench-page';

/** Not the other benches' ports. */
const PORT = 4185;

type Row = PackedLinearBenchRun & { where: string; note?: string };

function table(rows: Row[]): string {
  const header = ['where', 'backend', '[N, M, K]', 'path', 'y = x·Wᵀ ms (float32)', 'dx = dy·W ms (float32)', 'max rel Δ y, dx', 'weight MB (float32)'];
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  const lines = rows.map((r) => [
    r.where,
    r.backend + (r.note ? ' *' : ''),
    `[${r.shape.join(', ')}]`,
    r.path,
    `${r.forward_ms.toFixed(0)} (${r.forward_ms_float32.toFixed(0)})`,
    `${r.grad_ms.toFixed(0)} (${r.grad_ms_float32.toFixed(0)})`,
    `${r.max_rel_y.toExponential(1)}, ${r.max_rel_dx.toExponential(1)}`,
    `${mb(r.weight_bytes)} (${mb(r.weight_bytes_float32)})`,
  ]);
  const notes = [...new Set(rows.filter((r) => r.note).map((r) => `* ${r.note}`))];
  return [[header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n'), ...notes].join('\n');
}

export async function packedLinearMain(values: { browser?: string; node?: string; 'packed-shape'?: string; out?: string }) {
  const [rows, outs, inFeatures] = list(values['packed-shape'], ['192', '151936', '16']).map(Number);
  if (![rows, outs, inFeatures].every((d) => Number.isInteger(d) && d > 0)) throw new Error('--packed-shape: rows,outs,inFeatures (positive integers)');
  const request = { rows, outs, inFeatures };
  const jobs = list(values.browser, ['webgpu']).map((backend) => ({ label: `packed linear [${rows}, ${outs}, ${inFeatures}]`, backend, models: [], options: { ...QUICK_BENCH, packedLinear: request } }));
  const out: Row[] = pageRows(await benchPages<PackedLinearBenchRun>(PORT, jobs));
  for (const backend of list(values.node, [])) {
    await useNodeBackend(backend as NodeBackend, (line) => process.stderr.write(line));
    out.push({ ...(await benchPackedLinear(request, () => performance.now())), where: 'node' });
  }
  if (values.out) writeFileSync(values.out, JSON.stringify({ packedLinear: out }, null, 2) + '\n');
  process.stdout.write(`${table(out)}\n`);
}
