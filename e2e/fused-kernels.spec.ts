// DPO Studio's fused WebGPU kernels for RMSNorm, LayerNorm, RoPE, SwiGLU, gelu_new and the AdamW
// step (src/kernels/webgpu/) in Chromium on WebGPU (SwiftShader): forward and gradients against
// the portable TF.js ops on GPT-2 and Llama-family shapes (odd sizes, one K/V head, head_dim 64
// and 128) and against PyTorch's golden values; then the app's own worker (the ?bench= path),
// whose DPO step must run these kernels, with fewer kernels per step than on the portable ops.
//
// The kernel checks run in a page of their own: e2e/fused-kernels-harness.js is bundled with
// esbuild and served through page.route on the app's origin, so it needs no route in the app.
import { expect, test, type Page } from '@playwright/test';
import { build } from 'esbuild';
import { logWebGpuAdapter } from './webgpu-info';

const TOLERANCE = 1e-4;
const OURS = ['RmsNorm', 'RmsNormGrad', 'LayerNorm', 'LayerNormGrad', 'Rotary', 'RotaryGrad', 'SwiGlu', 'SwiGluGrad', 'GeluTanh', 'GeluTanhGrad', 'AdamWUpdate'];

interface CaseResult {
  name: string;
  fusedKernels: string[];
  portableKernels?: string[];
  leaked: number[];
  errors: Record<string, number>;
}
interface CheckResult {
  backend: string;
  registered: Record<string, boolean>;
  cases: CaseResult[];
  adamw: { fusedKernels: string[]; portableKernels: string[]; unchangedOnNaN: number; errors: Record<string, number> };
}

test.setTimeout(15 * 60_000);

test('fused norm, RoPE, SwiGLU, GELU and AdamW kernels on WebGPU match the portable ops and PyTorch', async ({ page, baseURL }) => {
  const bundle = await build({ entryPoints: ['e2e/fused-kernels-harness.js'], bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'warning' });
  await page.route('**/__fused-kernels/*', (route) =>
    route.request().url().endsWith('.js')
      ? route.fulfill({ contentType: 'text/javascript', body: bundle.outputFiles[0].text })
      : route.fulfill({ contentType: 'text/html', body: '<!doctype html><script type="module" src="harness.js"></script>' }),
  );
  // WebGPU reports an invalid shader or pipeline on the console, not as an exception.
  const gpuErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`page: ${m.text()}`);
    if (/WGSL|Invalid/.test(m.text())) gpuErrors.push(m.text().slice(0, 500));
  });
  await page.goto(new URL('/__fused-kernels/index.html', baseURL).href);
  await logWebGpuAdapter(page);
  await page.waitForFunction(() => 'fusedKernelsCheck' in window);
  const result = await page.evaluate(() => (window as unknown as { fusedKernelsCheck(): Promise<CheckResult> }).fusedKernelsCheck());
  console.log(JSON.stringify(result, null, 1));

  expect(result.backend).toBe('webgpu');
  expect(gpuErrors).toEqual([]);
  expect(result.registered).toEqual(Object.fromEntries(OURS.map((name) => [name, true])));
  expect(result.cases.length).toBeGreaterThan(20);
  for (const c of result.cases) {
    for (const [name, error] of Object.entries(c.errors)) expect(error, `${c.name}: ${name}`).toBeLessThanOrEqual(TOLERANCE);
    // The fused run ran one of our forward kernels and its gradient; the portable run none of ours.
    const ours = c.fusedKernels.filter((k) => OURS.includes(k));
    expect(ours.length, `${c.name}: fused kernels ${c.fusedKernels.join(', ')}`).toBe(2);
    if (c.portableKernels) expect(c.portableKernels.filter((k) => OURS.includes(k)), c.name).toEqual([]);
    expect(c.leaked.every((n) => n === 0), `${c.name}: tensors left behind`).toBe(true);
  }
  const { adamw } = result;
  for (const [name, error] of Object.entries(adamw.errors)) expect(error, `adamw, fused vs portable: ${name}`).toBeLessThanOrEqual(TOLERANCE);
  expect(adamw.unchangedOnNaN).toBe(0);
  expect(adamw.fusedKernels).toContain('AdamWUpdate');
  expect(adamw.portableKernels).not.toContain('AdamWUpdate');
});

interface StepRun {
  model: string;
  kernels_per_step: number;
  kernels_per_step_portable: number;
  kernel_counts: Record<string, number>;
}

async function benchRuns(page: Page): Promise<StepRun[]> {
  // One bench run: each case's step is profiled with the kernels and again with withPortableOps
  // (kernels_per_step_portable); no attention sweep, which has its own spec.
  const options = { warmup: 0, measure: 1, block: 1, growthSteps: 0, shaderWarmUp: false, attentionLengths: [] };
  await page.goto(`/?view=studio&backend=webgpu&bench=${encodeURIComponent(JSON.stringify({ models: ['tiny', 'tiny-llama'], options }))}`);
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  const text = await page.getByTestId('bench-result').textContent({ timeout: 10 * 60_000 });
  return (JSON.parse(text ?? '{}') as { runs: StepRun[] }).runs;
}

test("the app's worker trains GPT-2 and Llama-family steps on these kernels and the fused attention, with fewer kernels per step", async ({ page }) => {
  const runs = await benchRuns(page);
  const ours = (run: StepRun) => Object.fromEntries(Object.entries(run.kernel_counts).filter(([k]) => OURS.includes(k)));
  console.log(JSON.stringify(runs.map((r) => ({ model: r.model, portable: r.kernels_per_step_portable, fused: r.kernels_per_step, ours: ours(r) }))));
  const [gpt2, llama] = runs.map((r) => Object.keys(ours(r)).sort());
  expect(gpt2).toEqual(['AdamWUpdate', 'GeluTanh', 'GeluTanhGrad', 'LayerNorm', 'LayerNormGrad']);
  expect(llama).toEqual(['AdamWUpdate', 'RmsNorm', 'RmsNormGrad', 'Rotary', 'RotaryGrad', 'SwiGlu', 'SwiGluGrad']);
  // Both families' attention runs on the tiled kernels (e2e/fused-attention.spec.ts checks their values): no softmax.
  for (const run of runs) {
    expect(Object.keys(run.kernel_counts), run.model).toEqual(expect.arrayContaining(['CausalAttention', 'CausalAttentionGrad']));
    expect(Object.keys(run.kernel_counts).filter((k) => /Softmax/.test(k)), run.model).toEqual([]);
  }
  // The target: at most half the portable path's kernels per DPO step.
  for (const run of runs) expect(run.kernels_per_step, run.model).toBeLessThanOrEqual(run.kernels_per_step_portable / 2);
});
