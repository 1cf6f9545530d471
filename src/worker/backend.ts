/**
 * The one place that chooses a TF.js backend: webgpu, else webgl, else wasm, else cpu,
 * recording why each better one was not used so the UI can say so.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MemoryLimits } from '../core/model/memory-estimate';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { BACKEND_NAMES, type BackendInfo, type BackendName } from '../protocol/messages';
import { registerWebGpuKernels } from '../kernels/webgpu';

setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlain,
  'tfjs-backend-wasm-simd.wasm': wasmSimd,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
});

interface GpuLike {
  requestAdapter(): Promise<{ info?: { vendor?: string; architecture?: string; description?: string } } | null>;
}

/** Asks for an adapter first, so "no WebGPU" comes with a reason a user can act on. */
async function webgpuAdapter(): Promise<string> {
  const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
  if (!gpu) throw new Error('this browser exposes no WebGPU (navigator.gpu is missing; use a recent Chrome or Edge)');
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('the browser found no WebGPU adapter (GPU blocklisted or disabled)');
  const info = adapter.info ?? {};
  return [info.vendor, info.architecture || info.description].filter(Boolean).join(' ') || 'unknown adapter';
}

async function tryBackend(name: BackendName): Promise<string> {
  const adapter = name === 'webgpu' ? await webgpuAdapter() : '';
  if (name === 'webgpu') registerWebGpuKernels(); // core's fused ops find them by name
  if (!(await tf.setBackend(name))) throw new Error('failed to initialise');
  await tf.ready();
  // A tiny op proves kernels actually run (a backend can initialise and still fail here).
  const probe = tf.add(tf.scalar(1), tf.scalar(1));
  const value = (await probe.data())[0];
  probe.dispose();
  if (value !== 2) throw new Error(`a test op returned ${value} instead of 2`);
  return adapter;
}

/** @param only try just this backend (URL `?backend=`), failing with its reason */
export async function selectBackend(only?: BackendName): Promise<BackendInfo> {
  const fallbackReasons: string[] = [];
  for (const name of only ? [only] : BACKEND_NAMES) {
    try {
      const adapter = await tryBackend(name);
      return { backend: name, adapter, fallbackReasons };
    } catch (error) {
      fallbackReasons.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could start: ${fallbackReasons.join('; ')}`);
}

/**
 * Calls `onLost` when the WebGPU device TF.js uses is lost (driver reset, GPU removed, the
 * OS reclaiming it after sleep). Nothing on other backends.
 */
export function watchDeviceLoss(onLost: (message: string) => void): void {
  if (tf.getBackend() !== 'webgpu') return;
  const device = (tf.backend() as unknown as { device?: { lost?: Promise<{ reason?: string; message?: string }> } }).device;
  void device?.lost?.then((info) => onLost(`the GPU device was lost${info.reason ? ` (${info.reason})` : ''}: ${info.message || 'no details'}`));
}

/**
 * What tfjs-backend-wasm 4.22 holds in practice: its heap may grow to 4 GiB, but a
 * SmolLM2-135M LoRA step at 1 pair × 64 tokens (estimated 2.0 GiB) stopped with "memory access
 * out of bounds" here, so a run is refused above 2 GiB instead of crashing mid-step.
 */
export const WASM_HEAP_BYTES = 2 * 2 ** 30;

/**
 * The largest buffer and storage binding the WebGPU device allows (a [B, T, V] logits
 * tensor must fit in one); wasm's heap; nothing on other backends.
 */
export function deviceLimits(): Omit<MemoryLimits, 'budgetBytes'> {
  if (tf.getBackend() === 'wasm') return { heap: { bytes: WASM_HEAP_BYTES, name: 'wasm backend' } };
  if (tf.getBackend() !== 'webgpu') return {};
  const limits = (tf.backend() as unknown as { device?: { limits?: Record<string, number> } }).device?.limits;
  return limits ? { maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize, maxBufferSize: limits.maxBufferSize } : {};
}
