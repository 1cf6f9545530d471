/**
 * WebGPU kernels for RMSNorm and LayerNorm (contracts in src/core/ops/rms-norm.ts and
 * layer-norm.ts). Forward: one dispatch, one workgroup per row reducing Σx (LayerNorm) and
 * Σ(x − mean)² in workgroup memory, then writing the row. Backward: per-row statistics
 * [R, 2] = (mean, r); dx with one workgroup per row (its two row sums in workgroup memory);
 * then one thread per feature summing over rows for dgain (and dbias): three dispatches for
 * RMSNorm, four for LayerNorm, since a TF.js WebGPU program writes a single output.
 *
 * Buffers are read flat (row · d + column); the backend prepends uniforms, bindings and
 * `setOutputAtIndex`, and calls `main(index)` with the global invocation index.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { webgpu_util, type WebGPUBackend, type WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { LAYER_NORM_GRAD_KERNEL, LAYER_NORM_KERNEL } from '../../core/ops/layer-norm';
import { RMS_NORM_GRAD_KERNEL, RMS_NORM_KERNEL } from '../../core/ops/rms-norm';
import { rowWorkgroupSize, workgroupSumSnippet } from './row-reduce';

/** WGSL computing `mean` and `r` of row `base` (every thread of the workgroup runs it). */
function rowStatsSnippet(centred: boolean, size: number): string {
  return `
    let cols = uniforms.xShape.y;
    var sum = 0.0;
    ${centred ? `for (var c = tid; c < cols; c += ${size}) { sum += x[base + c]; }` : ''}
    let mean = ${centred ? 'rowSum(sum) / f32(cols)' : '0.0'};
    var squares = 0.0;
    for (var c = tid; c < cols; c += ${size}) { let centredX = x[base + c] - mean; squares += centredX * centredX; }
    let r = 1.0 / sqrt(rowSum(squares) / f32(cols) + uniforms.epsilon);
  `;
}

/** Shared shape of the one-workgroup-per-row programs. */
abstract class PerRowProgram implements WebGPUProgram {
  abstract variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  uniforms = 'epsilon : f32,';

  constructor(name: string, rows: number, d: number, outputShape: number[], protected readonly centred: boolean) {
    this.outputShape = outputShape;
    this.dispatch = [rows, 1, 1];
    this.workgroupSize = [rowWorkgroupSize(d), 1, 1];
    this.shaderKey = `${name}_${centred ? 'layer' : 'rms'}_${this.workgroupSize[0]}`;
  }

  abstract getUserCode(): string;

  protected body(perRow: string): string {
    const size = this.workgroupSize[0];
    return `
      ${workgroupSumSnippet('rowSum', size)}
      fn main(index : i32) {
        let row = index / ${size};
        let tid = i32(localId.x);
        let rows = uniforms.xShape.x;
        let base = min(row, rows - 1) * uniforms.xShape.y;
        ${rowStatsSnippet(this.centred, size)}
        ${perRow}
      }
    `;
  }
}

/** y = (x − mean) · r · gain (+ bias). */
class NormForwardProgram extends PerRowProgram {
  variableNames: string[];
  constructor(rows: number, d: number, centred: boolean) {
    super('fusedNorm', rows, d, [rows, d], centred);
    this.variableNames = centred ? ['x', 'gain', 'bias'] : ['x', 'gain'];
  }
  getUserCode(): string {
    return this.body(`
      if (row < rows) {
        for (var c = tid; c < cols; c += ${this.workgroupSize[0]}) {
          setOutputAtIndex(base + c, (x[base + c] - mean) * r * gain[c]${this.centred ? ' + bias[c]' : ''});
        }
      }
    `);
  }
}

/** stats [R, 2] = (mean, r) per row. */
class RowStatsProgram extends PerRowProgram {
  variableNames = ['x'];
  constructor(rows: number, d: number, centred: boolean) {
    super('fusedNormStats', rows, d, [rows, 2], centred);
  }
  getUserCode(): string {
    return this.body(`
      if (row < rows && tid == 0) {
        setOutputAtIndex(row * 2, mean);
        setOutputAtIndex(row * 2 + 1, r);
      }
    `);
  }
}

/** dx = r · (g·dy − mean(g·dy) − x̂ · mean(g·dy·x̂)); RMSNorm drops the mean(g·dy) term. */
class NormDxProgram extends PerRowProgram {
  variableNames = ['x', 'gain', 'dy'];
  constructor(rows: number, d: number, centred: boolean) {
    super('fusedNormDx', rows, d, [rows, d], centred);
  }
  getUserCode(): string {
    const size = this.workgroupSize[0];
    return this.body(`
      var sumG = 0.0;
      var sumGX = 0.0;
      for (var c = tid; c < cols; c += ${size}) {
        let gdy = gain[c] * dy[base + c];
        sumG += gdy;
        sumGX += gdy * (x[base + c] - mean) * r;
      }
      let meanG = ${this.centred ? 'rowSum(sumG) / f32(cols)' : '0.0'};
      let meanGX = rowSum(sumGX) / f32(cols);
      if (row < rows) {
        for (var c = tid; c < cols; c += ${size}) {
          let xhat = (x[base + c] - mean) * r;
          setOutputAtIndex(base + c, r * (gain[c] * dy[base + c] - meanG - xhat * meanGX));
        }
      }
    `);
  }
}

/** dgain[c] = Σ_rows dy · x̂ (or dbias[c] = Σ_rows dy): one thread per feature. */
class ColumnSumProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;

  constructor(d: number, private readonly which: 'gain' | 'bias') {
    this.outputShape = [d];
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, this.outputShape, this.workgroupSize);
    this.shaderKey = `fusedNormColumnSum_${which}`;
    // The pipeline layout is 'auto': a binding the shader does not read would be invalid.
    this.variableNames = which === 'gain' ? ['x', 'dy', 'stats'] : ['dy'];
  }

  getUserCode(): string {
    const term = this.which === 'gain' ? 'dy[at] * (x[at] - stats[r * 2]) * stats[r * 2 + 1]' : 'dy[at]';
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let rows = uniforms.dyShape.x;
          let cols = uniforms.dyShape.y;
          var total = 0.0;
          for (var r = 0; r < rows; r++) {
            let at = r * cols + index;
            total += ${term};
          }
          setOutputAtIndex(index, total);
        }
      }
    `;
  }
}

type Args = { inputs: Record<string, TensorInfo>; backend: WebGPUBackend; attrs: { epsilon: number } };

const epsilonUniform = (attrs: { epsilon: number }) => [{ type: 'float32', data: [attrs.epsilon] }];

function forward(centred: boolean) {
  return ({ inputs, backend, attrs }: Args): TensorInfo => {
    const { x, gain, bias } = inputs;
    const [rows, d] = x.shape;
    return backend.runWebGPUProgram(new NormForwardProgram(rows, d, centred), centred ? [x, gain, bias] : [x, gain], 'float32', epsilonUniform(attrs));
  };
}

function backward(centred: boolean) {
  return ({ inputs, backend, attrs }: Args): TensorInfo[] => {
    const { x, gain, dy } = inputs;
    const [rows, d] = x.shape;
    const stats = backend.runWebGPUProgram(new RowStatsProgram(rows, d, centred), [x], 'float32', epsilonUniform(attrs));
    const dx = backend.runWebGPUProgram(new NormDxProgram(rows, d, centred), [x, gain, dy], 'float32', epsilonUniform(attrs));
    const dgain = backend.runWebGPUProgram(new ColumnSumProgram(d, 'gain'), [x, dy, stats], 'float32');
    const dbias = centred ? [backend.runWebGPUProgram(new ColumnSumProgram(d, 'bias'), [dy], 'float32')] : [];
    backend.disposeData(stats.dataId);
    return [dx, dgain, ...dbias];
  };
}

const config = (kernelName: string, kernelFunc: unknown): KernelConfig => ({ kernelName, backendName: 'webgpu', kernelFunc: kernelFunc as KernelFunc });

export const NORM_KERNEL_CONFIGS: KernelConfig[] = [
  config(RMS_NORM_KERNEL, forward(false)),
  config(RMS_NORM_GRAD_KERNEL, backward(false)),
  config(LAYER_NORM_KERNEL, forward(true)),
  config(LAYER_NORM_GRAD_KERNEL, backward(true)),
];
