/**
 * WebGPU compiles a compute pipeline the first time each shader runs, one after another,
 * inside the first training step (seconds on a real GPU, minutes on SwiftShader). Running
 * the step once with TF.js's WEBGPU_ENGINE_COMPILE_ONLY flag creates every pipeline with
 * createComputePipelineAsync instead — in parallel, nothing executed — and
 * checkCompileCompletionAsync waits for them. Other backends have nothing to compile.
 */
import * as tf from '@tensorflow/tfjs-core';

interface CompilingBackend {
  checkCompileCompletionAsync?: () => Promise<void>;
}

/** @returns milliseconds spent compiling, or null when the backend needs no warm-up */
export async function warmUpShaders(rehearse: () => void): Promise<number | null> {
  if (tf.getBackend() !== 'webgpu') return null;
  const backend = tf.backend() as unknown as CompilingBackend;
  if (!backend.checkCompileCompletionAsync) return null;
  const started = performance.now();
  tf.env().set('WEBGPU_ENGINE_COMPILE_ONLY', true);
  try {
    // Tensors made in this mode hold no data; rehearse() must not keep or read any.
    rehearse();
  } finally {
    tf.env().set('WEBGPU_ENGINE_COMPILE_ONLY', false);
  }
  await backend.checkCompileCompletionAsync();
  return performance.now() - started;
}
