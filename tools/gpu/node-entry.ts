// The Node side of the GPU run (tools/gpu/run.sh), bundled by tools/gpu/prepare into one file
// that the travelling Node runs:
//   probe-dawn --out FILE                  Dawn's adapter: vendor, architecture, limits, features
//   webgpu-case NAME --out FILE [--smoke]  one step-benchmark case on TF.js webgpu over Dawn
//   packed-linear --out FILE [--smoke]     packed 16-bit matmuls against float32 ones, real shapes
//   exports DIR --root REPO --out FILE     the export folders and the app's logits (cpu backend)
// Every command writes FILE as {status: "ok", ...} or {status: "failed", reason}; run.sh
// writes the reason itself when a command dies before it can (a crash, a timeout).
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { QUICK_BENCH, type BenchOptions } from '../../src/core/bench/step-bench';
import { dawnFlags, describeAdapter, installGpu } from './dawn';
import { writeExports } from './write-exports';

/**
 * The GPU run's options: the app's quick benchmark with fewer growth steps, since the run has
 * minutes and the Llama case's step is ~20,000 kernels (647 a layer, counted on cpu).
 */
export const GPU_BENCH: BenchOptions = { ...QUICK_BENCH, growthSteps: 8 };
/** run.sh --smoke (the test on CPUs): a few steps, to show the path works end to end. */
export const SMOKE_BENCH: BenchOptions = { warmup: 1, measure: 2, block: 1, growthSteps: 4 };

type Result = Record<string, unknown>;

async function probeDawn(): Promise<Result> {
  const flags = dawnFlags();
  const gpu = await installGpu(process.env.DAWN_NODE_DIR, flags);
  const adapter = await describeAdapter(gpu, flags);
  const vulkan = { loader: process.env.GPU_VULKAN_LOADER_USED ?? null, driverFiles: process.env.VK_DRIVER_FILES ?? null };
  const l = adapter.limits;
  process.stdout.write(
    `probe: ${adapter.vendor} ${adapter.architecture} (${adapter.description})${adapter.software ? ', software' : ''}; ` +
      `${adapter.features.length} features; maxBufferSize ${l.maxBufferSize}, maxStorageBufferBindingSize ${l.maxStorageBufferBindingSize}, ` +
      `maxComputeInvocationsPerWorkgroup ${l.maxComputeInvocationsPerWorkgroup}\n`,
  );
  return { adapter, vulkan };
}

async function webgpuCase(name: string, smoke: boolean): Promise<Result> {
  const flags = dawnFlags();
  const gpu = await installGpu(process.env.DAWN_NODE_DIR, flags);
  const adapter = await describeAdapter(gpu, flags);
  // Only now: TF.js registers its webgpu backend at import time, if navigator.gpu is there.
  const { startWebGpu, watchGpuErrors, webgpuCase: run } = await import('./webgpu-bench');
  await startWebGpu();
  const gpuErrors = watchGpuErrors();
  const options = smoke ? SMOKE_BENCH : GPU_BENCH;
  const started = performance.now();
  const bench = await run(name, options);
  const result = {
    adapter: `${adapter.vendor} ${adapter.architecture}`.trim(),
    software: adapter.software,
    options,
    seconds: (performance.now() - started) / 1000,
    gpu_errors: gpuErrors.length,
    run: bench,
  };
  // An invalid pipeline returns garbage without throwing: such figures are kept, not trusted.
  if (gpuErrors.length > 0) return { status: 'failed', reason: `${gpuErrors.length} WebGPU errors, the first: ${gpuErrors[0]}`, ...result };
  return result;
}

/**
 * The packed 16-bit base's matmuls against TF.js's float32 matMul on the GPU
 * (src/core/bench/packed-linear-bench.ts): Qwen2.5-0.5B's head over 512 tokens and its MLP's
 * up projection over 2,048 (--smoke: one small odd shape, to prove the path).
 */
async function packedLinear(smoke: boolean): Promise<Result> {
  const flags = dawnFlags();
  const gpu = await installGpu(process.env.DAWN_NODE_DIR, flags);
  const adapter = await describeAdapter(gpu, flags);
  const { startWebGpu, watchGpuErrors } = await import('./webgpu-bench');
  const { benchPackedLinear } = await import('../../src/core/bench/packed-linear-bench');
  await startWebGpu();
  const gpuErrors = watchGpuErrors();
  const shapes = smoke ? [[8, 300, 17]] : [[512, 151936, 896], [2048, 4864, 896]];
  const runs = [];
  for (const [rows, outs, inFeatures] of shapes) runs.push(await benchPackedLinear({ rows, outs, inFeatures, repeats: smoke ? 1 : 5 }, () => performance.now()));
  const result = { adapter: `${adapter.vendor} ${adapter.architecture}`.trim(), software: adapter.software, gpu_errors: gpuErrors.length, runs };
  if (gpuErrors.length > 0) return { status: 'failed', reason: `${gpuErrors.length} WebGPU errors, the first: ${gpuErrors[0]}`, ...result };
  return result;
}

async function exportsCommand(dir: string, root: string): Promise<Result> {
  await tf.setBackend('cpu');
  return { ...(await writeExports(dir, root)) };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { out: { type: 'string' }, root: { type: 'string' }, smoke: { type: 'boolean' } },
  });
  const [command, arg] = positionals;
  const out = values.out;
  if (!out) throw new Error('--out FILE is required');
  const started = performance.now();
  let result: Result;
  try {
    if (command === 'probe-dawn') result = await probeDawn();
    else if (command === 'webgpu-case') result = await webgpuCase(arg, values.smoke ?? false);
    else if (command === 'packed-linear') result = await packedLinear(values.smoke ?? false);
    else if (command === 'exports') result = await exportsCommand(arg, values.root ?? process.cwd());
    else throw new Error(`unknown command "${command}" (probe-dawn, webgpu-case, packed-linear, exports)`);
    result = { status: 'ok', ...result };
  } catch (error) {
    const e = error as Error;
    process.stderr.write(`${e.stack ?? e.message}\n`);
    result = { status: 'failed', reason: e.message.split('\n')[0] };
  }
  writeFileSync(out, JSON.stringify({ ...result, node: process.version, wall_s: (performance.now() - started) / 1000 }, null, 2) + '\n');
  // dawn.node keeps the process alive while its GPU object is referenced: leave explicitly.
  process.exit(result.status === 'ok' ? 0 : 1);
}

main().catch((error: Error) => {
  process.stderr.write(`error: ${error.message}\n`);
  process.exit(1);
});
