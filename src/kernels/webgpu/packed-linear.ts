/**
 * WebGPU kernels for core's packed frozen weights (src/core/ops/packed-linear.ts states the
 * contract): each 32-bit word holds two 16-bit values that the shader widens to f32 as it
 * reads them, so a frozen matrix costs half the memory and half the bandwidth of float32.
 *
 * No `shader-f16`: TF.js 4.22 neither requests it for its device nor lets a program put
 * `enable f16;` at the top of the module it assembles, and the widening is a shift (bfloat16)
 * or a few integer ops (half) anyway. Sums accumulate in f32, so only the summation order
 * differs from a float32 matMul. Half values are widened by hand rather than with
 * unpack2x16float, which WGSL allows to flush subnormals.
 *
 * The matmuls keep a 4 × 4 block of outputs per invocation in registers and use no workgroup
 * memory: a workgroup barrier per tile made the 16 × 16 shared-memory version 12× slower than
 * TF.js's own matMul on SwiftShader at a 151,936-token head (153 s against 13 s for
 * [192, 16] · [16, 151,936]). The input gradient's long reduction is split into chunks; the
 * gather and unpack are elementwise.
 * Programs follow the backend's own (see log-softmax-gather.ts): uniforms and bindings are
 * prepended by the backend, `main()` runs per invocation.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { webgpu_util, type WebGPUBackend, type WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import {
  PACKED_GATHER_KERNEL,
  PACKED_LINEAR_GRAD_KERNEL,
  PACKED_LINEAR_KERNEL,
  UNPACK_HALF_WEIGHTS_KERNEL,
  type PackedKernelAttrs,
} from '../../core/ops/packed-linear';
import type { HalfFormat } from '../../core/ops/half-words';

/** Rows and columns (words, for the input gradient) of the output one invocation writes. */
const BLOCK = 4;
const WORKGROUP = 64;

/** A 1-D dispatch of `invocations` (the backend folds one over the per-dimension limit into 2-D or 3-D). */
function flatDispatch(invocations: number): [number, number, number] {
  return [Math.ceil(invocations / WORKGROUP), 1, 1];
}

/** WGSL that widens the 16-bit value in the low bits of `h` to f32, exactly. */
function widenSnippet(format: HalfFormat): string {
  const body =
    format === 'bf16'
      ? 'return bitcast<f32>(h << 16u);'
      : `let sign = (h & 0x8000u) << 16u;
        let e = (h >> 10u) & 0x1fu;
        let m = h & 0x3ffu;
        if (e == 0x1fu) { return bitcast<f32>(sign | 0x7f800000u | (m << 13u)); }
        if (e != 0u) { return bitcast<f32>(sign | ((e + 112u) << 23u) | (m << 13u)); }
        let v = f32(m) * 5.9604644775390625e-8; // zero or subnormal: m · 2^-24, a normal f32
        return select(v, -v, sign != 0u);`;
  return `
    fn widenHalf(h : u32) -> f32 {
      ${body}
    }
    fn lowHalf(word : i32) -> f32 { return widenHalf(bitcast<u32>(word) & 0xffffu); }
    fn highHalf(word : i32) -> f32 { return widenHalf(bitcast<u32>(word) >> 16u); }
  `;
}

/**
 * y[n, m] = Σ_k x[n, k] · W[m, k]: each invocation writes a 4 × 4 block of y (4 rows of x
 * against 4 rows of W, as vec4s over m), reading one word of each W row per step.
 */
class PackedLinearProgram implements WebGPUProgram {
  variableNames = ['x', 'weight'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];

  constructor(
    rows: number,
    out: number,
    private readonly format: HalfFormat,
  ) {
    this.outputShape = [rows, out];
    this.dispatch = flatDispatch(Math.ceil(rows / BLOCK) * Math.ceil(out / BLOCK));
    this.shaderKey = `packedLinear_${format}`;
  }

  getUserCode(): string {
    return `
      ${widenSnippet(this.format)}
      fn main(index : i32) {
        let rows = uniforms.xShape.x;
        let inFeatures = uniforms.xShape.y;
        let outs = uniforms.weightShape.x;
        let words = uniforms.weightShape.y;
        let outBlocks = (outs + ${BLOCK - 1}) / ${BLOCK};
        if (index >= outBlocks * ((rows + ${BLOCK - 1}) / ${BLOCK})) { return; }
        let row0 = (index / outBlocks) * ${BLOCK};
        let out0 = (index % outBlocks) * ${BLOCK};
        var acc : array<vec4<f32>, ${BLOCK}>;
        for (var j = 0; j < words; j++) {
          var low = vec4<f32>(0.0);
          var high = vec4<f32>(0.0);
          for (var c = 0; c < ${BLOCK}; c++) {
            if (out0 + c < outs) {
              let word = weight[(out0 + c) * words + j];
              low[c] = lowHalf(word);
              high[c] = highHalf(word);
            }
          }
          let k = 2 * j;
          for (var r = 0; r < ${BLOCK}; r++) {
            let row = min(row0 + r, rows - 1);
            let x0 = x[row * inFeatures + k];
            // An odd row length's last word carries a zero pad in its high half: no x for it.
            var x1 = 0.0;
            if (k + 1 < inFeatures) { x1 = x[row * inFeatures + k + 1]; }
            acc[r] += x0 * low + x1 * high;
          }
        }
        for (var r = 0; r < ${BLOCK}; r++) {
          for (var c = 0; c < ${BLOCK}; c++) {
            if (row0 + r < rows && out0 + c < outs) { setOutputAtIndex((row0 + r) * outs + out0 + c, acc[r][c]); }
          }
        }
      }
    `;
  }
}

/**
 * dx[n, k] = Σ_m dy[n, m] · W[m, k]: each invocation writes 4 rows × 4 words (8 columns) of
 * dx, reading 4 consecutive words of one W row per step. M is the reduction, and for the LM
 * head it is the vocabulary (151,936 for Qwen): it is split into `chunks`, each writing its
 * partial sums to [chunks, N·K], which SumChunksProgram adds up (one chunk: dx itself).
 */
class PackedLinearGradProgram implements WebGPUProgram {
  variableNames = ['dy', 'weight'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];

  constructor(
    rows: number,
    inFeatures: number,
    chunks: number,
    private readonly format: HalfFormat,
  ) {
    this.outputShape = [chunks, rows * inFeatures];
    const wordBlocks = Math.ceil(Math.ceil(inFeatures / 2) / BLOCK);
    this.dispatch = flatDispatch(Math.ceil(rows / BLOCK) * wordBlocks * chunks);
    this.shaderKey = `packedLinearGrad_${format}`;
  }

  getUserCode(): string {
    return `
      ${widenSnippet(this.format)}
      fn main(index : i32) {
        let rows = uniforms.dyShape.x;
        let outs = uniforms.dyShape.y;
        let words = uniforms.weightShape.y;
        let chunks = uniforms.outShape.x;
        let inFeatures = uniforms.outShape.y / rows;
        let wordBlocks = (words + ${BLOCK - 1}) / ${BLOCK};
        let rowBlocks = (rows + ${BLOCK - 1}) / ${BLOCK};
        if (index >= wordBlocks * rowBlocks * chunks) { return; }
        let chunk = index / (wordBlocks * rowBlocks);
        let rest = index % (wordBlocks * rowBlocks);
        let row0 = (rest / wordBlocks) * ${BLOCK};
        let word0 = (rest % wordBlocks) * ${BLOCK};
        let perChunk = (outs + chunks - 1) / chunks;
        let mStart = chunk * perChunk;
        let mEnd = min(outs, mStart + perChunk);
        var accLow : array<vec4<f32>, ${BLOCK}>;
        var accHigh : array<vec4<f32>, ${BLOCK}>;
        for (var m = mStart; m < mEnd; m++) {
          var low = vec4<f32>(0.0);
          var high = vec4<f32>(0.0);
          for (var c = 0; c < ${BLOCK}; c++) {
            if (word0 + c < words) {
              let word = weight[m * words + word0 + c];
              low[c] = lowHalf(word);
              high[c] = highHalf(word);
            }
          }
          for (var r = 0; r < ${BLOCK}; r++) {
            let g = dy[min(row0 + r, rows - 1) * outs + m];
            accLow[r] += g * low;
            accHigh[r] += g * high;
          }
        }
        let base = chunk * rows * inFeatures;
        for (var r = 0; r < ${BLOCK}; r++) {
          let row = row0 + r;
          for (var c = 0; c < ${BLOCK}; c++) {
            let col = 2 * (word0 + c);
            if (row < rows && col < inFeatures) { setOutputAtIndex(base + row * inFeatures + col, accLow[r][c]); }
            if (row < rows && col + 1 < inFeatures) { setOutputAtIndex(base + row * inFeatures + col + 1, accHigh[r][c]); }
          }
        }
      }
    `;
  }
}

/** out[i] = Σ_c partial[c, i]: the chunks of PackedLinearGradProgram added up, in chunk order. */
class SumChunksProgram implements WebGPUProgram {
  variableNames = ['partial'];
  outputShape: number[];
  shaderKey = 'packedLinearGradSumChunks';
  dispatchLayout = { x: [0, 1] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [128, 1, 1];
  size = true;

  constructor(rows: number, inFeatures: number) {
    this.outputShape = [rows, inFeatures];
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, this.outputShape, this.workgroupSize);
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          var sum = 0.0;
          for (var c = 0; c < uniforms.partialShape.x; c++) { sum += partial[c * uniforms.size + index]; }
          setOutputAtIndex(index, sum);
        }
      }
    `;
  }
}

/** Output rows per chunk of the input gradient's reduction: small layers stay in one chunk. */
const ROWS_PER_CHUNK = 1024;
const MAX_CHUNKS = 64;

/** out[r, k] = W[ids[r], k] (gather) or W[r, k] (unpack): one invocation per value. */
class WidenRowsProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0, 1] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [128, 1, 1];
  size = true;

  constructor(
    rows: number,
    inFeatures: number,
    private readonly format: HalfFormat,
    private readonly gather: boolean,
  ) {
    this.variableNames = gather ? ['weight', 'ids'] : ['weight'];
    this.outputShape = [rows, inFeatures];
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, this.outputShape, this.workgroupSize);
    this.shaderKey = `packedWiden_${format}_${gather ? 'gather' : 'unpack'}`;
  }

  getUserCode(): string {
    return `
      ${widenSnippet(this.format)}
      fn main(index : i32) {
        if (index < uniforms.size) {
          let cols = uniforms.outShape.y;
          let row = index / cols;
          let col = index - row * cols;
          let source = ${this.gather ? 'clamp(ids[row], 0, uniforms.weightShape.x - 1)' : 'row'};
          let word = weight[source * uniforms.weightShape.y + col / 2];
          setOutputAtIndex(index, select(lowHalf(word), highHalf(word), (col & 1) == 1));
        }
      }
    `;
  }
}

type Args<Names extends string> = { inputs: Record<Names, TensorInfo>; backend: WebGPUBackend; attrs: PackedKernelAttrs };

function packedLinearWebGpu({ inputs, backend, attrs }: Args<'x' | 'weight'>): TensorInfo {
  const { x, weight } = inputs;
  return backend.runWebGPUProgram(new PackedLinearProgram(x.shape[0], weight.shape[0], attrs.format), [x, weight], 'float32');
}

function packedLinearGradWebGpu({ inputs, backend, attrs }: Args<'dy' | 'weight'>): TensorInfo {
  const { dy, weight } = inputs;
  const [rows, outs] = dy.shape;
  const chunks = Math.min(MAX_CHUNKS, Math.ceil(outs / ROWS_PER_CHUNK));
  const partial = backend.runWebGPUProgram(new PackedLinearGradProgram(rows, attrs.inFeatures, chunks, attrs.format), [dy, weight], 'float32');
  if (chunks === 1) return { ...partial, shape: [rows, attrs.inFeatures] };
  const dx = backend.runWebGPUProgram(new SumChunksProgram(rows, attrs.inFeatures), [partial], 'float32');
  backend.disposeData(partial.dataId);
  return dx;
}

function packedGatherWebGpu({ inputs, backend, attrs }: Args<'weight' | 'ids'>): TensorInfo {
  const { weight, ids } = inputs;
  return backend.runWebGPUProgram(new WidenRowsProgram(ids.shape[0], attrs.inFeatures, attrs.format, true), [weight, ids], 'float32');
}

function unpackWebGpu({ inputs, backend, attrs }: Args<'weight'>): TensorInfo {
  const { weight } = inputs;
  return backend.runWebGPUProgram(new WidenRowsProgram(weight.shape[0], attrs.inFeatures, attrs.format, false), [weight], 'float32');
}

const config = (kernelName: string, kernelFunc: unknown): KernelConfig => ({ kernelName, backendName: 'webgpu', kernelFunc: kernelFunc as KernelFunc });

export const packedLinearConfig = config(PACKED_LINEAR_KERNEL, packedLinearWebGpu);
export const packedLinearGradConfig = config(PACKED_LINEAR_GRAD_KERNEL, packedLinearGradWebGpu);
export const packedGatherConfig = config(PACKED_GATHER_KERNEL, packedGatherWebGpu);
export const unpackHalfWeightsConfig = config(UNPACK_HALF_WEIGHTS_KERNEL, unpackWebGpu);
