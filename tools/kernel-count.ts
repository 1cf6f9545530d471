// `npm run kernel-count [-- --models tiny,tiny-llama]`: kernels per cached DPO step on the cpu
// backend, from tf.profile, with every fused op on its portable TF.js path and then on its
// fused path (the kernel contracts registered for cpu, src/core/testing/reference-kernels.ts).
// A fused kernel call on WebGPU can issue more than one dispatch (a TF.js WebGPU program has one
// output), so the fused step's WebGPU dispatches are estimated from DISPATCHES below; the
// browser harness (e2e/fused-kernels.spec.ts) reads the real count there.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { parseArgs } from 'node:util';
import { BENCH_CASES, benchCase, type StepBenchRun } from '../src/core/bench/step-bench';
import { REFERENCE_KERNEL_NAMES, registerReferenceKernels } from '../src/core/testing/reference-kernels';

/** WebGPU dispatches per call of each fused kernel (src/kernels/webgpu/). */
const DISPATCHES: Record<string, number> = {
  RmsNorm: 1, RmsNormGrad: 3, LayerNorm: 1, LayerNormGrad: 4, Rotary: 1, RotaryGrad: 1,
  SwiGlu: 1, SwiGluGrad: 2, GeluTanh: 1, GeluTanhGrad: 1, AdamWUpdate: 3,
};

const { values } = parseArgs({ options: { models: { type: 'string', default: 'tiny,tiny-llama' } } });
const options = { warmup: 0, measure: 1, block: 1, growthSteps: 0, shaderWarmUp: false };

async function step(name: string): Promise<StepBenchRun> {
  const c = BENCH_CASES[name];
  if (!c) throw new Error(`kernel-count: unknown model "${name}" (one of ${Object.keys(BENCH_CASES).join(', ')})`);
  return benchCase(c, options, () => performance.now());
}

async function main() {
  await tf.setBackend('cpu');
  for (const name of values.models!.split(',')) {
    const portable = await step(name);
    const unregister = registerReferenceKernels();
    const fused = await step(name);
    unregister();
    const ours = Object.fromEntries(Object.entries(fused.kernel_counts).filter(([k]) => REFERENCE_KERNEL_NAMES.includes(k)));
    const extraDispatches = Object.entries(ours).reduce((sum, [k, n]) => sum + n * (DISPATCHES[k] - 1), 0);
    console.log(
      JSON.stringify({
        model: portable.model,
        portable_kernels_per_step: portable.kernels_per_step,
        fused_kernels_per_step: fused.kernels_per_step,
        fused_webgpu_dispatches_per_step: (fused.kernels_per_step ?? 0) + extraDispatches,
        fused_kernel_calls: ours,
        portable_top: Object.entries(portable.kernel_counts).sort((a, b) => b[1] - a[1]).slice(0, 8),
      }),
    );
  }
}

void main();
