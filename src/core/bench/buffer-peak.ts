// A measuring hook on TF.js's engine, shared by the log-prob and attention memory benchmarks.
import * as tf from '@tensorflow/tfjs-core';

export type GpuMemory = tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };

interface EngineInternals {
  state: { tensorInfo: WeakMap<object, unknown> };
  trackTensor(t: tf.Tensor, backend: unknown): void;
  removeDataId(dataId: object, backend: unknown): void;
}

/**
 * Runs `f`, watching the engine make and free tensor buffers: the peak of distinct buffer bytes
 * made during `f` and still alive (on webgpu, of the GPU bytes in use, which also holds buffers
 * whose release waits for the queue). A measuring hook, restored before returning.
 */
export function withBufferPeak<T>(f: () => T): { result: T; peakBytes: number } {
  const engine = tf.engine() as unknown as EngineInternals;
  const gpuInUse = () => (tf.memory() as GpuMemory).numBytesInGPU;
  const gpuStart = gpuInUse();
  const live = new Map<object, number>();
  let current = 0;
  let peak = 0;
  const { trackTensor, removeDataId } = engine;
  engine.trackTensor = function (t, backend) {
    if (!engine.state.tensorInfo.has(t.dataId) && t.dtype !== 'string') {
      const bytes = t.size * (t.dtype === 'complex64' ? 8 : 4);
      live.set(t.dataId, bytes);
      current += bytes;
    }
    trackTensor.call(this, t, backend);
    const gpu = gpuInUse();
    peak = Math.max(peak, gpuStart === undefined || gpu === undefined ? current : gpu - gpuStart);
  };
  engine.removeDataId = function (dataId, backend) {
    current -= live.get(dataId) ?? 0;
    live.delete(dataId);
    removeDataId.call(this, dataId, backend);
  };
  try {
    return { result: f(), peakBytes: peak };
  } finally {
    engine.trackTensor = trackTensor;
    engine.removeDataId = removeDataId;
  }
}
