/**
 * WebGPU kernels for the fused elementwise ops: RoPE (src/core/ops/rotary.ts), SwiGLU's gate
 * (swiglu.ts) and gelu_new (gelu.ts), contracts in those headers. Each output is one dispatch,
 * one thread per element, reading its inputs flat; SwiGluGrad writes dgate and dup with two
 * dispatches over the same inputs (a TF.js WebGPU program has a single output binding).
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { webgpu_util, type WebGPUBackend, type WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { GELU_GRAD_KERNEL, GELU_KERNEL } from '../../core/ops/gelu';
import { ROTARY_GRAD_KERNEL, ROTARY_KERNEL } from '../../core/ops/rotary';
import { SWIGLU_GRAD_KERNEL, SWIGLU_KERNEL } from '../../core/ops/swiglu';

/** tanh through exp(−2|u|), finite for every u (WGSL's tanh may overflow to NaN past |u| ≈ 44). */
const SAFE_TANH = `
  fn safeTanh(u : f32) -> f32 {
    let e = exp(-2.0 * abs(u));
    return sign(u) * (1.0 - e) / (1.0 + e);
  }
`;

const SIGMOID = `
  fn sigmoidOf(z : f32) -> f32 {
    return 1.0 / (1.0 + exp(-z));
  }
`;

/** One thread per element of an output shaped like its first input. */
class ElementwiseProgram implements WebGPUProgram {
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;

  constructor(
    key: string,
    readonly variableNames: string[],
    shape: number[],
    private readonly helpers: string,
    private readonly expression: string,
  ) {
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, axis) => axis) };
    this.shaderKey = `fusedElementwise_${key}`;
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, this.outputShape, this.workgroupSize);
  }

  getUserCode(): string {
    return `
      ${this.helpers}
      fn main(index : i32) {
        if (index < uniforms.size) {
          setOutputAtIndex(index, ${this.expression});
        }
      }
    `;
  }
}

/** y = x·cos + sign · rotate_half(x)·sin: the forward with sign 1, the backward with −1. */
function rotaryHelpers(input: string, sign: number): string {
  // The tables are bound as cosTable and sinTable: a binding named cos would shadow WGSL's cos().
  return `
    fn rotated(index : i32) -> f32 {
      let hd = uniforms.cosTableShape.y;
      let half = hd / 2;
      let j = index % hd;
      let table = ((index / hd) % uniforms.cosTableShape.x) * hd + j;
      let firstHalf = j < half;
      let partner = select(1.0, -1.0, firstHalf) * ${input}[select(index - half, index + half, firstHalf)];
      return ${input}[index] * cosTable[table] + ${sign.toFixed(1)} * partner * sinTable[table];
    }
  `;
}

const GELU_INNER = `
  fn geluT(v : f32) -> f32 {
    return safeTanh(0.7978845608028654 * (v + 0.044715 * v * v * v));
  }
`;

type Args = { inputs: Record<string, TensorInfo>; backend: WebGPUBackend };

function run(backend: WebGPUBackend, program: ElementwiseProgram, inputs: TensorInfo[]): TensorInfo {
  return backend.runWebGPUProgram(program, inputs, 'float32');
}

const KERNELS: Record<string, (args: Args) => TensorInfo | TensorInfo[]> = {
  [ROTARY_KERNEL]: ({ inputs: { x, cos, sin }, backend }) =>
    run(backend, new ElementwiseProgram('rotary', ['x', 'cosTable', 'sinTable'], x.shape, rotaryHelpers('x', 1), 'rotated(index)'), [x, cos, sin]),
  [ROTARY_GRAD_KERNEL]: ({ inputs: { dy, cos, sin }, backend }) =>
    run(backend, new ElementwiseProgram('rotaryGrad', ['dy', 'cosTable', 'sinTable'], dy.shape, rotaryHelpers('dy', -1), 'rotated(index)'), [dy, cos, sin]),
  [SWIGLU_KERNEL]: ({ inputs: { gate, up }, backend }) =>
    run(backend, new ElementwiseProgram('swiGlu', ['gate', 'up'], gate.shape, SIGMOID, 'gate[index] * sigmoidOf(gate[index]) * up[index]'), [gate, up]),
  [SWIGLU_GRAD_KERNEL]: ({ inputs: { gate, up, dy }, backend }) => {
    const dgate = 'dy[index] * up[index] * sigmoidOf(gate[index]) * (1.0 + gate[index] * (1.0 - sigmoidOf(gate[index])))';
    return [
      run(backend, new ElementwiseProgram('swiGluDgate', ['gate', 'up', 'dy'], gate.shape, SIGMOID, dgate), [gate, up, dy]),
      run(backend, new ElementwiseProgram('swiGluDup', ['gate', 'dy'], gate.shape, SIGMOID, 'dy[index] * gate[index] * sigmoidOf(gate[index])'), [gate, dy]),
    ];
  },
  [GELU_KERNEL]: ({ inputs: { x }, backend }) =>
    run(backend, new ElementwiseProgram('gelu', ['x'], x.shape, SAFE_TANH + GELU_INNER, '0.5 * x[index] * (1.0 + geluT(x[index]))'), [x]),
  [GELU_GRAD_KERNEL]: ({ inputs: { x, dy }, backend }) => {
    const v = 'x[index]';
    const dx = `dy[index] * (0.5 * (1.0 + geluT(${v})) + 0.5 * ${v} * (1.0 - geluT(${v}) * geluT(${v})) * 0.7978845608028654 * (1.0 + 0.134145 * ${v} * ${v}))`;
    return run(backend, new ElementwiseProgram('geluGrad', ['x', 'dy'], x.shape, SAFE_TANH + GELU_INNER, dx), [x, dy]);
  },
};

export const ELEMENTWISE_KERNEL_CONFIGS: KernelConfig[] = Object.entries(KERNELS).map(([kernelName, kernelFunc]) => ({
  kernelName,
  backendName: 'webgpu',
  kernelFunc: kernelFunc as unknown as KernelFunc,
}));
