/**
 * The causal attention kernel contract (src/core/ops/attention.ts) in plain JS for the cpu
 * backend, so Node exercises the dispatch-by-name path the WebGPU kernels take in the browser:
 * the fused op's customGrad wiring, and what the engine holds when no [T, T] tensor is made.
 * Row by row, in float64; the only tensors it creates are the contract's outputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CAUSAL_ATTENTION_GRAD_KERNEL, CAUSAL_ATTENTION_KERNEL } from '../ops/attention';

type Info = tf.TensorInfo;

function read(backend: unknown, t: Info | undefined): Float64Array {
  return Float64Array.from((backend as tf.KernelBackend).readSync(t!.dataId) as Float32Array);
}

function make(backend: unknown, values: Float64Array, shape: number[]): Info {
  return { dataId: (backend as tf.KernelBackend).write(Float32Array.from(values), shape, 'float32'), shape, dtype: 'float32' };
}

/** Index helpers over the contract's [B, heads, T, hd] layouts. */
function layout(q: Info, k: Info) {
  const [batch, heads, length, headDim] = q.shape;
  const kvHeads = k.shape[1];
  const group = heads / kvHeads;
  const qRow = (b: number, h: number, i: number) => ((b * heads + h) * length + i) * headDim;
  const kvRow = (b: number, h: number, j: number) => ((b * kvHeads + Math.floor(h / group)) * length + j) * headDim;
  return { batch, heads, length, headDim, qRow, kvRow };
}

function dot(a: Float64Array, ai: number, b: Float64Array, bi: number, n: number): number {
  let sum = 0;
  for (let d = 0; d < n; d++) sum += a[ai + d] * b[bi + d];
  return sum;
}

/** Registers both kernels for the cpu backend; `calls` records each dispatch by name. Returns the unregister. */
export function registerReferenceAttentionKernels(calls: string[] = []): () => void {
  tf.registerKernel({
    kernelName: CAUSAL_ATTENTION_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      calls.push(CAUSAL_ATTENTION_KERNEL);
      const scale = (attrs as { scale: number }).scale;
      const { batch, heads, length, headDim, qRow, kvRow } = layout(inputs.q!, inputs.k!);
      const [q, k, v] = [inputs.q, inputs.k, inputs.v].map((t) => read(backend, t));
      const o = new Float64Array(q.length);
      const lse = new Float64Array(batch * heads * length);
      const p = new Float64Array(length);
      for (let b = 0; b < batch; b++)
        for (let h = 0; h < heads; h++)
          for (let i = 0; i < length; i++) {
            let max = -Infinity;
            for (let j = 0; j <= i; j++) max = Math.max(max, (p[j] = scale * dot(q, qRow(b, h, i), k, kvRow(b, h, j), headDim)));
            let sum = 0;
            for (let j = 0; j <= i; j++) sum += Math.exp(p[j] - max);
            const rowLse = max + Math.log(sum);
            lse[(b * heads + h) * length + i] = rowLse;
            for (let j = 0; j <= i; j++) {
              const weight = Math.exp(p[j] - rowLse);
              for (let d = 0; d < headDim; d++) o[qRow(b, h, i) + d] += weight * v[kvRow(b, h, j) + d];
            }
          }
      return [make(backend, o, inputs.q!.shape), make(backend, lse, [batch, heads, length])];
    },
  });
  tf.registerKernel({
    kernelName: CAUSAL_ATTENTION_GRAD_KERNEL,
    backendName: 'cpu',
    kernelFunc: ({ inputs, backend, attrs }) => {
      calls.push(CAUSAL_ATTENTION_GRAD_KERNEL);
      const scale = (attrs as { scale: number }).scale;
      const { batch, heads, length, headDim, qRow, kvRow } = layout(inputs.q!, inputs.k!);
      const [q, k, v, o, lse, dy] = [inputs.q, inputs.k, inputs.v, inputs.o, inputs.lse, inputs.dy].map((t) => read(backend, t));
      const [dq, dk, dv] = [new Float64Array(q.length), new Float64Array(k.length), new Float64Array(v.length)];
      for (let b = 0; b < batch; b++)
        for (let h = 0; h < heads; h++)
          for (let i = 0; i < length; i++) {
            const qi = qRow(b, h, i);
            const delta = dot(dy, qi, o, qi, headDim); // D = rowsum(dO ∘ O)
            for (let j = 0; j <= i; j++) {
              const kj = kvRow(b, h, j);
              const p = Math.exp(scale * dot(q, qi, k, kj, headDim) - lse[(b * heads + h) * length + i]);
              const ds = p * (dot(dy, qi, v, kj, headDim) - delta);
              for (let d = 0; d < headDim; d++) {
                dq[qi + d] += scale * ds * k[kj + d];
                dk[kj + d] += scale * ds * q[qi + d];
                dv[kj + d] += p * dy[qi + d];
              }
            }
          }
      return [make(backend, dq, inputs.q!.shape), make(backend, dk, inputs.k!.shape), make(backend, dv, inputs.v!.shape)];
    },
  });
  return () => {
    tf.unregisterKernel(CAUSAL_ATTENTION_KERNEL, 'cpu');
    tf.unregisterKernel(CAUSAL_ATTENTION_GRAD_KERNEL, 'cpu');
  };
}
