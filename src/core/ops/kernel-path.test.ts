import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { kernelPath, pathTaken, withPortableOps } from './kernel-path';

const NAME = 'KernelPathTestOp';

describe('kernelPath', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
    tf.registerKernel({ kernelName: NAME, backendName: 'cpu', kernelFunc: ({ inputs }) => inputs.x as tf.TensorInfo });
  });

  it('is fused only when every named kernel is registered on the active backend', () => {
    expect(kernelPath([NAME])).toBe('fused');
    expect(kernelPath([NAME, 'NoSuchKernel'])).toBe('portable');
  });

  it('is portable inside withPortableOps, also while an async call is pending, and fused again after', async () => {
    expect(withPortableOps(() => kernelPath([NAME]))).toBe('portable');
    let release!: () => void;
    const pending = withPortableOps(() => new Promise<void>((resolve) => (release = resolve)));
    expect(kernelPath([NAME])).toBe('portable');
    release();
    await pending;
    expect(kernelPath([NAME])).toBe('fused');
    expect(() => withPortableOps(() => { throw new Error('boom'); })).toThrow('boom');
    expect(kernelPath([NAME])).toBe('fused');
  });

  it('tells whether a call took a fused kernel', () => {
    expect(pathTaken(() => kernelPath([NAME]))).toEqual({ result: 'fused', path: 'fused' });
    expect(pathTaken(() => withPortableOps(() => kernelPath([NAME])))).toEqual({ result: 'portable', path: 'portable' });
    expect(pathTaken(() => 1 + 1)).toEqual({ result: 2, path: 'portable' });
  });
});
