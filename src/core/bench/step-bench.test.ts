import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { BENCH_CASES, benchCase } from './step-bench';
import { benchLogProbs } from './logprobs-bench';
import { benchFirstStep } from './first-step-bench';

describe('the step benchmark', () => {
  it('times DPO (cached and uncached) and SFT on the same tokens, and sees no tensor growth', async () => {
    const before = tf.memory().numTensors;
    let clock = 0;
    const run = await benchCase(BENCH_CASES.tiny, { warmup: 0, measure: 2, block: 1, growthSteps: 3, attentionLengths: [32, 64, 128] }, () => (clock += 5));
    expect(run).toMatchObject({ backend: 'cpu', model: 'tiny (d32 L2 V258)', tokens: 2 * 2 * 64, ref_cached: true, growth_steps: 3 });
    // A fake clock advancing 5 ms per reading: every timed quantity is a whole number of readings.
    for (const ms of [run.dpo_ms, run.sft_ms, run.dpo_uncached_ms, run.first_step_ms]) expect(ms).toBe(5);
    expect(run.tensors_after).toBe(run.tensors_before);
    expect(run.kernels_per_step).toBeGreaterThan(100);
    // No fused attention on cpu: the step's kernels are the portable composition's.
    expect(run.step_kernel_names).toEqual(expect.arrayContaining(['BatchMatMul', 'Softmax']));
    expect(run.step_kernel_names).not.toContain('CausalAttention');
    // No fused kernel on cpu: the forced-portable step is the same step.
    expect(run.kernel_path).toBe('portable');
    expect(run.kernels_per_step_portable).toBe(run.kernels_per_step);
    expect(run.step_peak_bytes_portable).toBeGreaterThan(0);
    // Attention at the case's 2 heads of 16: the [H, T, T] scores make the peak grow about 4× per doubling of T.
    expect(run.attention).toMatchObject({ heads: 2, kv_heads: 2, head_dim: 16 });
    const peaks = run.attention!.peaks;
    expect(peaks.map((p) => [p.length, p.path])).toEqual([
      [32, 'portable'],
      [64, 'portable'],
      [128, 'portable'],
    ]);
    for (const p of peaks) expect(p.peak_bytes_portable).toBe(p.peak_bytes);
    expect(peaks[0].peak_bytes).toBeGreaterThanOrEqual(2 * 32 * 32 * 4);
    for (let i = 1; i < peaks.length; i++) expect(peaks[i].peak_bytes / peaks[i - 1].peak_bytes).toBeGreaterThan(2.5);
    expect(tf.memory().numTensors).toBe(before); // the benchmark cleans up after itself
  }, 180_000);
});

describe('the log-prob memory benchmark', () => {
  it('measures the pre-fusion log-softmax × one-hot at 9 [N·T, V] buffers and the portable op at 3, with the same results', async () => {
    const before = tf.memory().numTensors;
    const [rows, length, vocab] = [2, 3, 500];
    const runs = await benchLogProbs({ rows, length, vocab, variants: ['naive', 'portable', 'fused'] }, () => 0);
    expect(runs.map((r) => r.variant)).toEqual(['naive', 'portable']); // no fused kernel on cpu
    const slab = rows * length * vocab * 4;
    const [naive, portable] = runs.map((r) => r.peak_bytes / slab);
    expect(naive).toBeCloseTo(9, 1);
    expect(portable).toBeCloseTo(3, 1);
    expect(runs[1].checksum.logp).toBeCloseTo(runs[0].checksum.logp, 4);
    expect(runs[1].checksum.gradAbs).toBeCloseTo(runs[0].checksum.gradAbs, 4);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the first-step benchmark', () => {
  it('times start to the first metrics at each dataset size, the first step caching only its own batch', async () => {
    const before = tf.memory().numTensors;
    let clock = 0;
    const runs = await benchFirstStep(BENCH_CASES.tiny, { pairs: [4, 40] }, () => (clock += 5));
    expect(runs.map((r) => [r.kind, r.backend, r.pairs, r.reference_rows_cached, r.warmup_ms])).toEqual([
      ['first-step', 'cpu', 4, BENCH_CASES.tiny.pairs, null],
      ['first-step', 'cpu', 40, BENCH_CASES.tiny.pairs, null],
    ]);
    for (const r of runs) expect(r.first_step_ms).toBeGreaterThan(0);
    await expect(benchFirstStep(BENCH_CASES.tiny, { pairs: [1] }, () => 0)).rejects.toThrow('first-step bench: 1 pairs (at least a batch, 2, needed)');
    expect(tf.memory().numTensors).toBe(before);
  });
});
