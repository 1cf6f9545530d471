// `npm run bench -- --attention [--models gpt2-small,smollm2-lora,qwen2.5-0.5b-lora] [--node cpu]
//  [--browser webgpu] [--attention-lengths 256,512,1024] [--out docs/bench-attention.json]`: one causal attention
// forward + backward at B = 1 with each case's heads and head size, peak bytes with the
// backend's kernels and with the portable ops, without training the whole model (the step
// bench reports the same per case, but a step of these shapes takes minutes on a CPU).
import { BENCH_CASES, QUICK_BENCH } from '../src/core/bench/step-bench';
import { benchAttentionRun, type AttentionBenchRun } from '../src/core/bench/attention-bench';
import { useNodeBackend, type NodeBackend } from '../src/cli/node-backend';

import { benchPages, pageRows } from './bench-page';

export type AttentionRow = AttentionBenchRun & { where: string; note?: string };

/** Not the other benches' ports. */
const PORT = 4184;

export async function attentionNode(backends: string[], models: string[], lengths: number[]): Promise<AttentionRow[]> {
  const rows: AttentionRow[] = [];
  for (const backend of backends) {
    const used = await useNodeBackend(backend as NodeBackend, (line) => process.stderr.write(line));
    for (const model of models) {
      process.stderr.write(`node ${used}: attention of ${model} at T = ${lengths.join(', ')}…\n`);
      rows.push({ ...(await benchAttentionRun(BENCH_CASES[model], lengths)), where: 'node' });
    }
  }
  return rows;
}

/** The app's worker in Chromium: one page per backend and model (its WebGPU has the fused attention kernels). */
export async function attentionBrowser(backends: string[], models: string[], lengths: number[]): Promise<AttentionRow[]> {
  const options = { ...QUICK_BENCH, attentionOnly: true, attentionLengths: lengths };
  const jobs = backends.flatMap((backend) => models.map((model) => ({ label: `attention of ${model} at T = ${lengths.join(', ')}`, backend, models: [model], options })));
  return pageRows(await benchPages<AttentionBenchRun>(PORT, jobs));
}

export function attentionRowsTable(rows: AttentionRow[]): string {
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  const header = ['where', 'backend', 'model', 'heads × head dim', 'T', 'path', 'attention peak MB', 'portable peak MB', 'portable ÷ [H, T, T] float32'];
  const lines = rows.flatMap((r) =>
    r.peaks.map((p) => [
      r.where,
      r.backend,
      r.model,
      `${r.heads} (${r.kv_heads} KV) × ${r.head_dim}`,
      String(p.length),
      p.path,
      mb(p.peak_bytes),
      mb(p.peak_bytes_portable),
      (p.peak_bytes_portable / (r.heads * p.length * p.length * 4)).toFixed(2),
    ]),
  );
  return [header, header.map(() => '---'), ...lines].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
