/**
 * The step benchmark (src/core/bench/step-bench.ts, the code the app's ?bench= runs) on TF.js's
 * webgpu backend in Node, over Dawn. Import this module only after installGpu(): TF.js
 * registers the webgpu backend at import time, and only if navigator.gpu is already there.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-webgpu';
import { BENCH_CASES, benchCase, type BenchOptions, type StepBenchRun } from '../../src/core/bench/step-bench';
import { registerWebGpuKernels } from '../../src/kernels/webgpu';
import { warmUpShaders } from '../../src/worker/training/shader-warmup';

/** Starts TF.js on webgpu and proves a kernel runs (the worker's own check). */
export async function startWebGpu(): Promise<void> {
  registerWebGpuKernels();
  if (!(await tf.setBackend('webgpu'))) throw new Error("TF.js's webgpu backend failed to initialise (see the log above)");
  await tf.ready();
  const probe = tf.add(tf.scalar(1), tf.scalar(1));
  const value = (await probe.data())[0];
  probe.dispose();
  if (value !== 2) throw new Error(`a test op on webgpu returned ${value} instead of 2`);
}

interface ErrorReportingDevice {
  onuncapturederror?: ((event: { error?: { message?: string } }) => void) | null;
}

/**
 * WebGPU validation errors the device raised: TF.js does not watch for them, and an invalid
 * pipeline returns garbage without throwing, so figures are only trusted with none.
 */
export function watchGpuErrors(): string[] {
  const errors: string[] = [];
  const device = (tf.backend() as unknown as { device?: ErrorReportingDevice }).device;
  if (device) device.onuncapturederror = (event) => errors.push(event.error?.message ?? 'unknown GPU error');
  return errors;
}

/** One case with the app's shader warm-up before its first step. */
export async function webgpuCase(name: string, options: BenchOptions): Promise<StepBenchRun> {
  const c = BENCH_CASES[name];
  if (!c) throw new Error(`unknown bench case "${name}" (one of ${Object.keys(BENCH_CASES).join(', ')})`);
  return benchCase(c, options, () => performance.now(), warmUpShaders);
}
