/**
 * DPO Studio's own WebGPU kernels, registered by name for core's ops to find
 * (`tf.getKernel(name, 'webgpu')`). Registering does not need the backend to be initialised.
 */
import * as tf from '@tensorflow/tfjs-core';
import { causalAttentionConfig } from './causal-attention';
import { causalAttentionGradConfig } from './causal-attention-grad';
import { ADAMW_KERNEL_CONFIGS } from './adamw';
import { ELEMENTWISE_KERNEL_CONFIGS } from './elementwise';
import { tokenLogProbsConfig, tokenLogProbsGradConfig } from './log-softmax-gather';
import { NORM_KERNEL_CONFIGS } from './norms';
import { packedGatherConfig, packedLinearConfig, packedLinearGradConfig, unpackHalfWeightsConfig } from './packed-linear';

const KERNELS = [
  tokenLogProbsConfig,
  tokenLogProbsGradConfig,
  causalAttentionConfig,
  causalAttentionGradConfig,
  ...NORM_KERNEL_CONFIGS,
  ...ELEMENTWISE_KERNEL_CONFIGS,
  ...ADAMW_KERNEL_CONFIGS,
  packedLinearConfig,
  packedLinearGradConfig,
  packedGatherConfig,
  unpackHalfWeightsConfig,
];

/** Registers every custom WebGPU kernel once (a second call does nothing). */
export function registerWebGpuKernels(): void {
  for (const config of KERNELS) if (!tf.getKernel(config.kernelName, config.backendName)) tf.registerKernel(config);
}

/** Names of the custom kernels, for checks that they are registered. */
export const WEBGPU_KERNEL_NAMES = KERNELS.map((config) => config.kernelName);
