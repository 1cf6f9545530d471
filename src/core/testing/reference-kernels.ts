/**
 * The fused ops' kernel contracts (src/core/ops/*.ts headers) written in plain float64 JS and
 * registered for the cpu backend. Tests use them to drive the fused path in Node (customGrad
 * wiring, saved tensors, shapes) exactly as the WebGPU kernels are driven in the browser, and to
 * check the contracts' formulas against PyTorch; a profile with them registered counts the
 * kernels the fused path dispatches.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ADAMW_UPDATE_KERNEL } from '../ops/adamw';
import { GELU_GRAD_KERNEL, GELU_KERNEL } from '../ops/gelu';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL } from '../ops/layer-norm';
import { RMS_NORM_GRAD_KERNEL, RMS_NORM_KERNEL } from '../ops/rms-norm';
import { ROTARY_GRAD_KERNEL, ROTARY_KERNEL } from '../ops/rotary';
import { SWIGLU_GRAD_KERNEL, SWIGLU_KERNEL } from '../ops/swiglu';

type Info = tf.TensorInfo;
type Arrays = Record<string, Float64Array>;
type Attrs = Record<string, number>;
type Contract = (x: Arrays, shapes: Record<string, number[]>, attrs: Attrs) => { values: Float64Array; shape: number[] }[];

const GELU_C = Math.sqrt(2 / Math.PI);
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const map = (n: number, f: (i: number) => number) => Float64Array.from({ length: n }, (_, i) => f(i));
const rowsWidth = (shape: number[]) => [shape[0], shape[1]];

/** Per-row statistics: mean (0 for RMSNorm) and r = rsqrt(mean((x − mean)²) + ε). */
function rowStats(x: Float64Array, rows: number, d: number, eps: number, centred: boolean) {
  const mean = new Float64Array(rows);
  const r = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const row = x.subarray(i * d, (i + 1) * d);
    mean[i] = centred ? row.reduce((a, b) => a + b, 0) / d : 0;
    r[i] = 1 / Math.sqrt(row.reduce((a, b) => a + (b - mean[i]) ** 2, 0) / d + eps);
  }
  return { mean, r };
}

function normGrad(x: Arrays, shape: number[], eps: number, centred: boolean) {
  const [rows, d] = rowsWidth(shape);
  const { mean, r } = rowStats(x.x, rows, d, eps, centred);
  const dx = new Float64Array(rows * d);
  const dgain = new Float64Array(d);
  const dbias = new Float64Array(d);
  for (let i = 0; i < rows; i++) {
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < d; j++) {
      const gdy = x.gain[j] * x.dy[i * d + j];
      sumG += gdy;
      sumGX += gdy * (x.x[i * d + j] - mean[i]) * r[i];
    }
    for (let j = 0; j < d; j++) {
      const at = i * d + j;
      const xhat = (x.x[at] - mean[i]) * r[i];
      dx[at] = r[i] * (x.gain[j] * x.dy[at] - (centred ? sumG / d : 0) - (xhat * sumGX) / d);
      dgain[j] += x.dy[at] * xhat;
      dbias[j] += x.dy[at];
    }
  }
  return { dx, dgain, dbias, rows, d };
}

function rotate(x: Float64Array, shape: number[], cos: Float64Array, sin: Float64Array, sign: number) {
  const [, length, hd] = shape;
  const half = hd / 2;
  return map(x.length, (i) => {
    const j = i % hd;
    const table = (Math.floor(i / hd) % length) * hd + j;
    const partner = j < half ? -x[i + half] : x[i - half];
    return x[i] * cos[table] + sign * partner * sin[table];
  });
}

const CONTRACTS: Record<string, Contract> = {
  [RMS_NORM_KERNEL]: (x, s, a) => {
    const [rows, d] = rowsWidth(s.x);
    const { r } = rowStats(x.x, rows, d, a.epsilon, false);
    return [{ values: map(rows * d, (i) => x.x[i] * r[Math.floor(i / d)] * x.gain[i % d]), shape: s.x }];
  },
  [RMS_NORM_GRAD_KERNEL]: (x, s, a) => {
    const g = normGrad(x, s.x, a.epsilon, false);
    return [{ values: g.dx, shape: s.x }, { values: g.dgain, shape: [g.d] }];
  },
  [LAYER_NORM_KERNEL]: (x, s, a) => {
    const [rows, d] = rowsWidth(s.x);
    const { mean, r } = rowStats(x.x, rows, d, a.epsilon, true);
    const row = (i: number) => Math.floor(i / d);
    return [{ values: map(rows * d, (i) => (x.x[i] - mean[row(i)]) * r[row(i)] * x.gain[i % d] + x.bias[i % d]), shape: s.x }];
  },
  [LAYER_NORM_GRAD_KERNEL]: (x, s, a) => {
    const g = normGrad(x, s.x, a.epsilon, true);
    return [{ values: g.dx, shape: s.x }, { values: g.dgain, shape: [g.d] }, { values: g.dbias, shape: [g.d] }];
  },
  [ROTARY_KERNEL]: (x, s) => [{ values: rotate(x.x, s.x, x.cos, x.sin, 1), shape: s.x }],
  [ROTARY_GRAD_KERNEL]: (x, s) => [{ values: rotate(x.dy, s.dy, x.cos, x.sin, -1), shape: s.dy }],
  [SWIGLU_KERNEL]: (x, s) => [{ values: map(x.gate.length, (i) => x.gate[i] * sigmoid(x.gate[i]) * x.up[i]), shape: s.gate }],
  [SWIGLU_GRAD_KERNEL]: (x, s) => {
    const sg = map(x.gate.length, (i) => sigmoid(x.gate[i]));
    return [
      { values: map(sg.length, (i) => x.dy[i] * x.up[i] * sg[i] * (1 + x.gate[i] * (1 - sg[i]))), shape: s.gate },
      { values: map(sg.length, (i) => x.dy[i] * x.gate[i] * sg[i]), shape: s.gate },
    ];
  },
  [GELU_KERNEL]: (x, s) => [{ values: map(x.x.length, (i) => 0.5 * x.x[i] * (1 + Math.tanh(GELU_C * (x.x[i] + 0.044715 * x.x[i] ** 3)))), shape: s.x }],
  [GELU_GRAD_KERNEL]: (x, s) => {
    const dx = map(x.x.length, (i) => {
      const v = x.x[i];
      const t = Math.tanh(GELU_C * (v + 0.044715 * v ** 3));
      return x.dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * GELU_C * (1 + 3 * 0.044715 * v * v));
    });
    return [{ values: dx, shape: s.x }];
  },
  [ADAMW_UPDATE_KERNEL]: (x, s, a) => {
    const n = x.param.length;
    const keep = x.apply[0] === 0;
    const g = map(n, (i) => x.grad[i] * x.clipScale[0]);
    const m = map(n, (i) => (keep ? x.m[i] : a.beta1 * x.m[i] + (1 - a.beta1) * g[i]));
    const v = map(n, (i) => (keep ? x.v[i] : a.beta2 * x.v[i] + (1 - a.beta2) * g[i] * g[i]));
    const step = (i: number) => m[i] / a.correction1 / (Math.sqrt(v[i] / a.correction2) + a.epsilon);
    const p = map(n, (i) => (keep ? x.param[i] : x.param[i] * (1 - a.learningRate * a.weightDecay) - a.learningRate * step(i)));
    return [p, m, v].map((values) => ({ values, shape: s.param }));
  },
};

export const REFERENCE_KERNEL_NAMES = Object.keys(CONTRACTS);

/**
 * Registers the reference kernels for the cpu backend (all, or those named); every call
 * appends its kernel's name to `calls`. Returns the function that unregisters them.
 */
export function registerReferenceKernels(calls: string[] = [], names: readonly string[] = REFERENCE_KERNEL_NAMES): () => void {
  for (const name of names) {
    tf.registerKernel({
      kernelName: name,
      backendName: 'cpu',
      kernelFunc: ({ inputs, backend, attrs }) => {
        calls.push(name);
        const cpu = backend as tf.KernelBackend;
        const arrays: Arrays = {};
        const shapes: Record<string, number[]> = {};
        for (const [key, t] of Object.entries(inputs as Record<string, Info>)) {
          arrays[key] = Float64Array.from(cpu.readSync(t.dataId) as Float32Array);
          shapes[key] = t.shape;
        }
        const outs = CONTRACTS[name](arrays, shapes, (attrs ?? {}) as unknown as Attrs);
        const infos = outs.map(({ values, shape }) => ({ dataId: cpu.write(Float32Array.from(values), shape, 'float32'), shape, dtype: 'float32' as const }));
        return infos.length === 1 ? infos[0] : infos;
      },
    });
  }
  return () => names.forEach((name) => tf.unregisterKernel(name, 'cpu'));
}
