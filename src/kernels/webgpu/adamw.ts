/**
 * WebGPU kernel for one AdamW step of one parameter (contract in src/core/ops/adamw.ts, which
 * also says why the step is per parameter). Three elementwise dispatches, one per output
 * (param', m', v'), over the same inputs; each recomputes the cheap moment update it needs
 * rather than reading another's output, so they do not depend on one another. The hyperparameters are
 * uniforms, not shader constants: the learning rate changes every step and the pipeline stays
 * compiled.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { webgpu_util, type WebGPUBackend, type WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import { ADAMW_UPDATE_KERNEL, type AdamStepSettings } from '../../core/ops/adamw';

type Output = 'param' | 'm' | 'v';

const SETTINGS: (keyof AdamStepSettings)[] = ['learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay', 'correction1', 'correction2'];

/** The inputs each output reads; the pipeline layout is 'auto', so an unread binding is invalid. */
const READS: Record<Output, string[]> = {
  param: ['param', 'grad', 'm', 'v', 'clipScale', 'apply'],
  m: ['grad', 'm', 'clipScale', 'apply'],
  v: ['grad', 'v', 'clipScale', 'apply'],
};

class AdamWProgram implements WebGPUProgram {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [64, 1, 1];
  size = true;
  uniforms = SETTINGS.map((name) => `${name} : f32,`).join(' ');

  constructor(shape: number[], private readonly output: Output) {
    this.variableNames = READS[output];
    this.outputShape = shape;
    this.dispatchLayout = { x: shape.map((_, axis) => axis) };
    this.dispatch = webgpu_util.computeDispatch(this.dispatchLayout, this.outputShape, this.workgroupSize);
    this.shaderKey = `fusedAdamW_${output}`;
  }

  getUserCode(): string {
    const next = {
      m: 'nextM',
      v: 'nextV',
      param:
        'param[index] * (1.0 - uniforms.learningRate * uniforms.weightDecay) - uniforms.learningRate * (nextM / uniforms.correction1) / (sqrt(nextV / uniforms.correction2) + uniforms.epsilon)',
    }[this.output];
    return `
      fn main(index : i32) {
        if (index < uniforms.size) {
          // f32(): a bool cast to float32 can keep its int32 buffer (the backend binds that dtype).
          let applyStep = f32(apply[0]) != 0.0;
          let g = grad[index] * f32(clipScale[0]);
          ${this.output === 'v' ? '' : 'let nextM = uniforms.beta1 * m[index] + (1.0 - uniforms.beta1) * g;'}
          ${this.output === 'm' ? '' : 'let nextV = uniforms.beta2 * v[index] + (1.0 - uniforms.beta2) * g * g;'}
          setOutputAtIndex(index, select(${this.output}[index], ${next}, applyStep));
        }
      }
    `;
  }
}

type Args = { inputs: Record<string, TensorInfo>; backend: WebGPUBackend; attrs: AdamStepSettings };

function adamwWebGpu({ inputs, backend, attrs }: Args): TensorInfo[] {
  const { param, grad, m, v, clipScale, apply } = inputs;
  const uniforms = SETTINGS.map((name) => ({ type: 'float32', data: [attrs[name]] }));
  const byName: Record<string, TensorInfo> = { param, grad, m, v, clipScale, apply };
  return (['param', 'm', 'v'] as Output[]).map((output) =>
    backend.runWebGPUProgram(new AdamWProgram(param.shape, output), READS[output].map((name) => byName[name]), 'float32', uniforms),
  );
}

export const ADAMW_KERNEL_CONFIGS: KernelConfig[] = [
  { kernelName: ADAMW_UPDATE_KERNEL, backendName: 'webgpu', kernelFunc: adamwWebGpu as unknown as KernelFunc },
];
