import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { BENCH_CASES, benchCase } from './step-bench';

describe('the step benchmark', () => {
  it('times DPO (cached and uncached) and SFT on the same tokens, and sees no tensor growth', async () => {
    const before = tf.memory().numTensors;
    let clock = 0;
    const run = await benchCase(BENCH_CASES.tiny, { warmup: 0, measure: 2, block: 1, growthSteps: 3 }, () => (clock += 5));
    expect(run).toMatchObject({ backend: 'cpu', model: 'tiny (d32 L2 V258)', tokens: 2 * 2 * 64, ref_cached: true, growth_steps: 3 });
    // A fake clock advancing 5 ms per reading: every timed quantity is a whole number of readings.
    for (const ms of [run.dpo_ms, run.sft_ms, run.dpo_uncached_ms, run.first_step_ms]) expect(ms).toBe(5);
    expect(run.tensors_after).toBe(run.tensors_before);
    expect(run.kernels_per_step).toBeGreaterThan(100);
    expect(tf.memory().numTensors).toBe(before); // the benchmark cleans up after itself
  });
});
