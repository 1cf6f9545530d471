/**
 * Tests only: the packed-weight kernels (contract in src/core/ops/packed-linear.ts) registered
 * for the cpu backend, written on the host in float64 from unpackHalfWords, so Node tests can
 * exercise the fused wiring (kernel lookup, customGrad, packing at upload) that WebGPU gets.
 * `calls` records which kernels ran.
 */
import * as tf from '@tensorflow/tfjs-core';
import { unpackHalfWords } from '../ops/half-words';
import { PACKED_GATHER_KERNEL, PACKED_KERNELS, PACKED_LINEAR_GRAD_KERNEL, PACKED_LINEAR_KERNEL, UNPACK_HALF_WEIGHTS_KERNEL, type PackedKernelAttrs } from '../ops/packed-linear';

type Info = tf.TensorInfo;

export function registerPackedCpuKernels(): { calls: string[]; unregister: () => void } {
  const calls: string[] = [];
  const read = (backend: unknown, t: Info) => (backend as tf.KernelBackend).readSync(t.dataId) as Float32Array | Int32Array;
  const make = (backend: unknown, values: Float32Array, shape: number[]): Info => ({
    dataId: (backend as tf.KernelBackend).write(values, shape, 'float32'),
    shape,
    dtype: 'float32',
  });
  const dense = (backend: unknown, weight: Info, attrs: PackedKernelAttrs) =>
    unpackHalfWords(read(backend, weight) as Int32Array, weight.shape[0], attrs.inFeatures, attrs.format);
  const register = (kernelName: string, run: (inputs: Record<string, Info>, backend: unknown, attrs: PackedKernelAttrs) => Info) =>
    tf.registerKernel({
      kernelName,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        calls.push(kernelName);
        return run(inputs as Record<string, Info>, backend, attrs as unknown as PackedKernelAttrs);
      },
    });

  register(PACKED_LINEAR_KERNEL, ({ x, weight }, backend, attrs) => {
    const [rows, k] = x.shape;
    const m = weight.shape[0];
    const [xs, w] = [read(backend, x), dense(backend, weight, attrs)];
    const y = new Float32Array(rows * m);
    for (let n = 0; n < rows; n++)
      for (let o = 0; o < m; o++) {
        let sum = 0;
        for (let i = 0; i < k; i++) sum += xs[n * k + i] * w[o * k + i];
        y[n * m + o] = sum;
      }
    return make(backend, y, [rows, m]);
  });
  register(PACKED_LINEAR_GRAD_KERNEL, ({ dy, weight }, backend, attrs) => {
    const [rows, m] = dy.shape;
    const k = attrs.inFeatures;
    const [g, w] = [read(backend, dy), dense(backend, weight, attrs)];
    const dx = new Float32Array(rows * k);
    for (let n = 0; n < rows; n++)
      for (let i = 0; i < k; i++) {
        let sum = 0;
        for (let o = 0; o < m; o++) sum += g[n * m + o] * w[o * k + i];
        dx[n * k + i] = sum;
      }
    return make(backend, dx, [rows, k]);
  });
  register(PACKED_GATHER_KERNEL, ({ weight, ids }, backend, attrs) => {
    const k = attrs.inFeatures;
    const [w, rows] = [dense(backend, weight, attrs), read(backend, ids)];
    const out = new Float32Array(rows.length * k);
    rows.forEach((id, r) => out.set(w.subarray(id * k, (id + 1) * k), r * k));
    return make(backend, out, [rows.length, k]);
  });
  register(UNPACK_HALF_WEIGHTS_KERNEL, ({ weight }, backend, attrs) => make(backend, dense(backend, weight, attrs), [weight.shape[0], attrs.inFeatures]));

  return { calls, unregister: () => PACKED_KERNELS.forEach((name) => tf.unregisterKernel(name, 'cpu')) };
}
