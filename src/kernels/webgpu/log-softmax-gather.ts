/**
 * WebGPU kernels for core's fused token log-probs (src/core/dpo/token-logprobs.ts, which states
 * the contract): log softmax(logits)[label] and its gradient without a [R, V] log-softmax.
 *
 * Forward, two dispatches: one workgroup per row reduces max and Σ exp(x − max) in workgroup
 * memory and writes lse [R]; a thread per row then writes logp = x[label] − lse. Backward, one
 * elementwise dispatch writes dlogits = dy · (onehot − exp(x − lse)): the only [R, V] tensor the
 * backward creates. Buffers are read flat (row · V + column), so the shaders do not depend on V.
 *
 * These programs follow the backend's own (see its softmax_webgpu.js): the backend prepends the
 * uniforms (shapes, strides, `size`), the bindings named by `variableNames`, `setOutputAtIndex`,
 * and calls `main(index)` with the global invocation index.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { webgpu_util, type WebGPUBackend, type WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { TOKEN_LOG_PROBS_GRAD_KERNEL, TOKEN_LOG_PROBS_KERNEL } from '../../core/dpo/token-logprobs';

/** lse[r] = max_v x[r, v] + log Σ_v exp(x[r, v] − max): one workgroup per row. */
class RowLogSumExpProgram implements WebGPUProgram {
  variableNames = ['logits'];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];

  constructor(rows: number, vocab: number) {
    this.outputShape = [rows];
    this.dispatch = [rows, 1, 1];
    this.workgroupSize = [vocab >= 4096 ? 256 : 64, 1, 1];
    this.shaderKey = `tokenLogProbsRowLse_${this.workgroupSize[0]}`;
  }

  getUserCode(): string {
    // Rows past the end (the backend may round a huge dispatch up) read the last row and write
    // nothing; they must still reach every barrier, so nothing returns early.
    return `
      var<workgroup> partial : array<f32, ${this.workgroupSize[0]}>;
      const blockSize = ${this.workgroupSize[0]};
      fn main(index : i32) {
        let row = index / blockSize;
        let tid = i32(localId.x);
        let rows = uniforms.outShape;
        let cols = uniforms.logitsShape.y;
        let base = min(row, rows - 1) * cols;

        var threadMax = -3.402823e+38f;
        for (var col = tid; col < cols; col += blockSize) {
          threadMax = max(threadMax, logits[base + col]);
        }
        partial[tid] = threadMax;
        workgroupBarrier();
        for (var half = blockSize / 2; half > 0; half = half / 2) {
          if (tid < half) {
            partial[tid] = max(partial[tid], partial[tid + half]);
          }
          workgroupBarrier();
        }
        let rowMax = partial[0];
        workgroupBarrier();

        var threadSum = 0.0;
        for (var col = tid; col < cols; col += blockSize) {
          threadSum += exp(logits[base + col] - rowMax);
        }
        partial[tid] = threadSum;
        workgroupBarrier();
        for (var half = blockSize / 2; half > 0; half = half / 2) {
          if (tid < half) {
            partial[tid] = partial[tid] + partial[tid + half];
          }
          workgroupBarrier();
        }
        if (tid == 0 && row < rows) {
          setOutputAtIndex(row, rowMax + log(partial[0]));
        }
      }
    `;
  }
}

/** logp[r] = x[r, label[r]] − lse[r]: one thread per row. */
class PickLabelProgram implements WebGPUProgram {
  variableNames = ['logits', 'labels', 'lse'];
  outputShape: number[];
  shaderKey = 'tokenLogProbsPick';
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;

  constructor(rows: number) {
    this.outputShape = [rows];
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, this.outputShape, this.workgroupSize);
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let cols = uniforms.logitsShape.y;
          let label = clamp(labels[index], 0, cols - 1);
          setOutputAtIndex(index, logits[index * cols + label] - lse[index]);
        }
      }
    `;
  }
}

/** dlogits[r, v] = dy[r] · ((v == label[r]) − exp(x[r, v] − lse[r])): one thread per element. */
class TokenLogProbsGradProgram implements WebGPUProgram {
  variableNames = ['logits', 'labels', 'lse', 'dy'];
  outputShape: number[];
  shaderKey = 'tokenLogProbsGrad';
  dispatchLayout = { x: [0, 1] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [128, 1, 1];
  size = true;

  constructor(rows: number, vocab: number) {
    this.outputShape = [rows, vocab];
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, this.outputShape, this.workgroupSize);
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          let cols = uniforms.outShape.y;
          let row = index / cols;
          let hit = select(0.0, 1.0, index - row * cols == labels[row]);
          setOutputAtIndex(index, dy[row] * (hit - exp(logits[index] - lse[row])));
        }
      }
    `;
  }
}

type Args<Names extends string> = { inputs: Record<Names, TensorInfo>; backend: WebGPUBackend };

function tokenLogProbsWebGpu({ inputs, backend }: Args<'logits' | 'labels'>): TensorInfo[] {
  const { logits, labels } = inputs;
  const [rows, vocab] = logits.shape;
  const lse = backend.runWebGPUProgram(new RowLogSumExpProgram(rows, vocab), [logits], 'float32');
  const logp = backend.runWebGPUProgram(new PickLabelProgram(rows), [logits, labels, lse], 'float32');
  return [logp, lse];
}

function tokenLogProbsGradWebGpu({ inputs, backend }: Args<'logits' | 'labels' | 'lse' | 'dy'>): TensorInfo {
  const { logits, labels, lse, dy } = inputs;
  const [rows, vocab] = logits.shape;
  return backend.runWebGPUProgram(new TokenLogProbsGradProgram(rows, vocab), [logits, labels, lse, dy], 'float32');
}

export const tokenLogProbsConfig: KernelConfig = {
  kernelName: TOKEN_LOG_PROBS_KERNEL,
  backendName: 'webgpu',
  kernelFunc: tokenLogProbsWebGpu as unknown as KernelFunc,
};

export const tokenLogProbsGradConfig: KernelConfig = {
  kernelName: TOKEN_LOG_PROBS_GRAD_KERNEL,
  backendName: 'webgpu',
  kernelFunc: tokenLogProbsGradWebGpu as unknown as KernelFunc,
};
