/**
 * What the causal attention programs share (causal-attention.ts, causal-attention-grad.ts): the
 * tile sizes, the flat workgroup index, the program shape, and the copy out of a packed buffer.
 *
 * A backend program has one output buffer, so the forward and the dK/dV pass write two results
 * into one flat buffer, then copy each out (linear in T, not quadratic).
 */
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { webgpu_util, type WebGPUBackend, type WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

/** Threads (query or key rows) per workgroup. */
export const ROWS = 32;
/** Floats of workgroup memory a program may stage: 16 KiB less room for a few scalars. */
const WORKGROUP_FLOATS = 4032;

/** Key rows per staged tile in the forward and dQ passes: K and V tiles [KEYS, hd] both fit. */
export function keyTile(headDim: number): number {
  return Math.max(1, Math.min(32, Math.floor(WORKGROUP_FLOATS / (2 * headDim))));
}

/** Query rows per staged tile in the dK/dV pass: Q, dO [QUERIES, hd], lse and D [QUERIES] fit. */
export function queryTile(headDim: number): number {
  return Math.max(1, Math.min(32, Math.floor(WORKGROUP_FLOATS / (2 * headDim + 2))));
}

/** The flat workgroup index, whatever 3-D shape the backend gave a long dispatch. */
export const WORKGROUP_INDEX = 'i32(workgroupId.z * numWorkgroups.x * numWorkgroups.y + workgroupId.y * numWorkgroups.x + workgroupId.x)';

export abstract class TiledProgram implements WebGPUProgram {
  abstract variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [ROWS, 1, 1];
  uniforms = 'scale : f32,';

  constructor(outputShape: number[], workgroups: number, key: string) {
    this.outputShape = outputShape;
    this.dispatch = [workgroups, 1, 1];
    this.shaderKey = key;
  }

  abstract getUserCode(): string;
}

/** out = packed[offset : offset + size(outShape)], reshaped to outShape. */
class CopyRangeProgram implements WebGPUProgram {
  variableNames = ['packed'];
  outputShape: number[];
  shaderKey = 'causalAttentionCopyRange';
  dispatchLayout = { x: [0] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  uniforms = 'offset : i32,';

  constructor(shape: number[]) {
    const size = shape.reduce((a, b) => a * b, 1);
    this.outputShape = [size];
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, this.outputShape, this.workgroupSize);
  }

  getUserCode(): string {
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          setOutputAtIndex(index, packed[uniforms.offset + index]);
        }
      }
    `;
  }
}

/** Copies `shape`'s worth of floats from `packed` at `offset` into a new tensor of that shape. */
export function copyOut(backend: WebGPUBackend, packed: TensorInfo, offset: number, shape: number[]): TensorInfo {
  const flat = backend.runWebGPUProgram(new CopyRangeProgram(shape), [packed], 'float32', [{ type: 'int32', data: [offset] }]);
  return { ...flat, shape };
}

export type Args<Names extends string> = { inputs: Record<Names, TensorInfo>; backend: WebGPUBackend; attrs: { scale: number } };
