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
 * The matmuls are tiled 16 × 16 with workgroup memory (the input gradient's long reduction split
 * over workgroups); the gather and unpack are elementwise.
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

const TILE = 16;

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

/** y[n, m] = Σ_k x[n, k] · W[m, k]: a workgroup per 16 × 16 block of y, K in steps of 32 (16 words). */
class PackedLinearProgram implements WebGPUProgram {
  variableNames = ['x', 'weight'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [1], y: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [TILE, TILE, 1];

  constructor(
    rows: number,
    out: number,
    private readonly format: HalfFormat,
  ) {
    this.outputShape = [rows, out];
    this.dispatch = [Math.ceil(out / TILE), Math.ceil(rows / TILE), 1];
    this.shaderKey = `packedLinear_${format}`;
  }

  getUserCode(): string {
    return `
      ${widenSnippet(this.format)}
      var<workgroup> xTile : array<array<f32, ${2 * TILE}>, ${TILE}>;
      var<workgroup> wTile : array<array<f32, ${2 * TILE}>, ${TILE}>;
      fn main() {
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let rowBase = i32(workgroupId.y) * ${TILE};
        let outBase = i32(workgroupId.x) * ${TILE};
        let rows = uniforms.xShape.x;
        let inFeatures = uniforms.xShape.y;
        let outs = uniforms.weightShape.x;
        let words = uniforms.weightShape.y;
        var acc = 0.0;
        for (var k0 = 0; k0 < inFeatures; k0 += ${2 * TILE}) {
          let xRow = rowBase + ty;
          for (var c = tx; c < ${2 * TILE}; c += ${TILE}) {
            var value = 0.0;
            if (xRow < rows && k0 + c < inFeatures) { value = x[xRow * inFeatures + k0 + c]; }
            xTile[ty][c] = value;
          }
          let wRow = outBase + ty;
          let wordCol = k0 / 2 + tx;
          var word = 0;
          if (wRow < outs && wordCol < words) { word = weight[wRow * words + wordCol]; }
          wTile[ty][2 * tx] = lowHalf(word);
          wTile[ty][2 * tx + 1] = highHalf(word);
          workgroupBarrier();
          for (var c = 0; c < ${2 * TILE}; c++) { acc += xTile[ty][c] * wTile[tx][c]; }
          workgroupBarrier();
        }
        let row = rowBase + ty;
        let col = outBase + tx;
        if (row < rows && col < outs) { setOutputAtIndex(row * outs + col, acc); }
      }
    `;
  }
}

/**
 * dx[n, k] = Σ_m dy[n, m] · W[m, k]: each invocation writes the two columns of one word, M in
 * steps of 16. M is the reduction, and for the LM head it is the vocabulary (151,936 for Qwen):
 * it is split over `chunks` workgroups along z, each writing its partial sums to [chunks, N·K],
 * which SumChunksProgram adds up (with one chunk the partial is dx itself).
 */
class PackedLinearGradProgram implements WebGPUProgram {
  variableNames = ['dy', 'weight'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [1], y: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [TILE, TILE, 1];

  constructor(
    rows: number,
    inFeatures: number,
    private readonly chunks: number,
    private readonly format: HalfFormat,
  ) {
    this.outputShape = [chunks, rows * inFeatures];
    this.dispatch = [Math.ceil(Math.ceil(inFeatures / 2) / TILE), Math.ceil(rows / TILE), chunks];
    // The chunk count is a constant of the shader: a barrier's loop must be bounded by uniform
    // values only, and TF.js copies the workgroup builtins into private (non-uniform) variables.
    this.shaderKey = `packedLinearGrad_${format}_${chunks}`;
  }

  getUserCode(): string {
    return `
      ${widenSnippet(this.format)}
      var<workgroup> dyTile : array<array<f32, ${TILE}>, ${TILE}>;
      var<workgroup> lowTile : array<array<f32, ${TILE}>, ${TILE}>;
      var<workgroup> highTile : array<array<f32, ${TILE}>, ${TILE}>;
      fn main() {
        let tx = i32(localId.x);
        let ty = i32(localId.y);
        let rowBase = i32(workgroupId.y) * ${TILE};
        let wordBase = i32(workgroupId.x) * ${TILE};
        let rows = uniforms.dyShape.x;
        let outs = uniforms.dyShape.y;
        let words = uniforms.weightShape.y;
        let inFeatures = uniforms.outShape.y / rows;
        let perChunk = ((outs + ${this.chunks - 1}) / ${this.chunks} + ${TILE - 1}) / ${TILE} * ${TILE};
        let mStart = i32(workgroupId.z) * perChunk;
        let mEnd = min(outs, mStart + perChunk);
        var accLow = 0.0;
        var accHigh = 0.0;
        for (var step = 0; step < perChunk; step += ${TILE}) {
          let m0 = mStart + step;
          var g = 0.0;
          if (rowBase + ty < rows && m0 + tx < mEnd) { g = dy[(rowBase + ty) * outs + m0 + tx]; }
          dyTile[ty][tx] = g;
          var word = 0;
          if (m0 + ty < mEnd && wordBase + tx < words) { word = weight[(m0 + ty) * words + wordBase + tx]; }
          lowTile[ty][tx] = lowHalf(word);
          highTile[ty][tx] = highHalf(word);
          workgroupBarrier();
          for (var c = 0; c < ${TILE}; c++) {
            accLow += dyTile[ty][c] * lowTile[c][tx];
            accHigh += dyTile[ty][c] * highTile[c][tx];
          }
          workgroupBarrier();
        }
        let row = rowBase + ty;
        let col = 2 * (wordBase + tx);
        let base = i32(workgroupId.z) * rows * inFeatures + row * inFeatures;
        if (row < rows && col < inFeatures) { setOutputAtIndex(base + col, accLow); }
        if (row < rows && col + 1 < inFeatures) { setOutputAtIndex(base + col + 1, accHigh); }
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
