import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { sequenceLogProbs } from './logprobs';
import { collateDpoBatch } from './batch';
import { EOS_ID, PAD_ID } from '../tokenizer/byte-tokenizer';

describe('sequenceLogProbs', () => {
  it('sums log-probs of completion positions only (hand-computed)', () => {
    // 1 row, 4 positions, vocab 3. Position 0 is prompt, 1-2 completion, 3 padding.
    const logits = tf.tensor3d([[[5, -1, 2], [0, 0, 0], [Math.log(2), 0, 0], [9, 9, -9]]]);
    const labels = tf.tensor2d([[1, 2, 0, 0]], [1, 4], 'int32');
    const mask = tf.tensor2d([[0, 1, 1, 0]]);
    // position 1: uniform over 3 → log(1/3); position 2: softmax([ln2,0,0])[0] = 2/4 → log(1/2)
    const expected = Math.log(1 / 3) + Math.log(1 / 2);
    const [got] = sequenceLogProbs(logits, labels, mask).arraySync() as number[];
    expect(got).toBeCloseTo(expected, 6);
  });

  it('changing prompt or padding logits does not change the result', () => {
    const labels = tf.tensor2d([[1, 2, 0, 0]], [1, 4], 'int32');
    const mask = tf.tensor2d([[0, 1, 1, 0]]);
    const a = tf.tensor3d([[[5, -1, 2], [1, 2, 3], [0.5, 0, 0], [9, 9, -9]]]);
    const b = tf.tensor3d([[[-7, 4, 0], [1, 2, 3], [0.5, 0, 0], [0, 30, 1]]]);
    const [x] = sequenceLogProbs(a, labels, mask).arraySync() as number[];
    const [y] = sequenceLogProbs(b, labels, mask).arraySync() as number[];
    expect(x).toBe(y);
  });
});

describe('collateDpoBatch', () => {
  it('lays out [chosen; rejected], masks the prompt and padding, appends EOS', () => {
    const batch = collateDpoBatch([{ prompt: [10, 11], chosen: [12, EOS_ID], rejected: [13, 14, EOS_ID] }], 6);
    expect(batch.rows).toBe(2);
    expect(Array.from(batch.inputIds.slice(0, 6))).toEqual([10, 11, 12, EOS_ID, PAD_ID, PAD_ID]);
    expect(Array.from(batch.inputIds.slice(6))).toEqual([10, 11, 13, 14, EOS_ID, PAD_ID]);
    // label at t is the token at t+1; the mask is on where that token is a completion token
    expect(Array.from(batch.labels.slice(0, 3))).toEqual([11, 12, EOS_ID]);
    expect(Array.from(batch.completionMask.slice(0, 6))).toEqual([0, 1, 1, 0, 0, 0]);
    expect(Array.from(batch.completionMask.slice(6))).toEqual([0, 1, 1, 1, 0, 0]);
    expect(batch.tokenCount).toBe(4 + 5);
  });
});
