import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { benchPackedLinear } from './packed-linear-bench';

describe('the packed matmul benchmark', () => {
  it('reports both ways side by side: half the weight bytes, the same values, no leaked tensor', async () => {
    const before = tf.memory().numTensors;
    let clock = 0;
    const run = await benchPackedLinear({ rows: 6, outs: 37, inFeatures: 9, repeats: 3 }, () => (clock += 5));
    expect(run).toMatchObject({ kind: 'packed-linear', backend: 'cpu', shape: [6, 37, 9], path: 'portable' });
    // A fake clock advancing 5 ms per reading: each timed run is one pair of readings.
    for (const ms of [run.forward_ms, run.forward_ms_float32, run.grad_ms, run.grad_ms_float32]) expect(ms).toBe(5);
    // 9 inputs pack into 5 words a row (the last one padded): 37 × 5 × 4 bytes against 37 × 9 × 4.
    expect([run.weight_bytes, run.weight_bytes_float32]).toEqual([37 * 5 * 4, 37 * 9 * 4]);
    expect(run.max_rel_y).toBeLessThan(1e-6);
    expect(run.max_rel_dx).toBeLessThan(1e-6);
    expect(tf.memory().numTensors).toBe(before);
  });
});
