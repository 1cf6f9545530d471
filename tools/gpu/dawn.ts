/**
 * Dawn for Node (the `webgpu` npm package's dawn.node) installed as `navigator.gpu`, so that
 * TF.js's webgpu backend runs in Node exactly as it runs in a page. The package is not a
 * dependency of the app: tools/gpu/prepare carries its index.js and the linux-x64 dawn.node,
 * run.sh unpacks them into a temporary folder and names it in DAWN_NODE_DIR.
 *
 * TF.js registers its webgpu backend only if `navigator.gpu` exists when its module is
 * evaluated, so installGpu() must run before anything imports @tensorflow/tfjs-backend-webgpu.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The parts of the WebGPU API the probe reads (no @webgpu/types in the Node tsconfig). */
export interface GpuAdapterLike {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  features: Iterable<string>;
  limits: object;
  isFallbackAdapter?: boolean;
  requestDevice(descriptor?: object): Promise<{ destroy(): void; lost?: Promise<unknown> }>;
}

export interface GpuLike {
  requestAdapter(options?: { powerPreference?: string; forceFallbackAdapter?: boolean }): Promise<GpuAdapterLike | null>;
}

interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** SwiftShader, lavapipe/llvmpipe or a fallback adapter: the figures say nothing about a GPU. */
  software: boolean;
  features: string[];
  limits: Record<string, number>;
  dawnFlags: string[];
}

/** Dawn's `create` flags from DAWN_FLAGS, separated by ";" (a flag may hold commas), e.g. "backend=vulkan". */
export function dawnFlags(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.DAWN_FLAGS ?? '')
    .split(';')
    .map((flag) => flag.trim())
    .filter(Boolean);
}

/**
 * Loads dawn.node from `dir` (index.js beside dist/linux-x64/dawn.node), defines the WebGPU
 * globals (GPUBufferUsage, …) and `navigator.gpu`.
 */
export async function installGpu(dir: string | undefined, flags: string[]): Promise<GpuLike> {
  if (!dir) throw new Error('not prepared: run tools/gpu/prepare (DAWN_NODE_DIR is not set)');
  const dawn = (await import(pathToFileURL(join(dir, 'index.js')).href)) as DawnModule;
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create(flags);
  // Node 20 has no navigator; Node 21+ has one without gpu. TF.js reads globalThis.navigator.gpu.
  const existing = (globalThis as { navigator?: object }).navigator ?? {};
  Object.defineProperty(globalThis, 'navigator', {
    value: Object.assign(Object.create(existing), { gpu }),
    configurable: true,
    writable: true,
  });
  return gpu;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|software/i;

/** Vendor, architecture, limits and features of the adapter TF.js will get (high-performance). */
export async function describeAdapter(gpu: GpuLike, flags: string[]): Promise<AdapterReport> {
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('Dawn found no WebGPU adapter (no Vulkan driver, or none with the features Dawn needs)');
  const info = adapter.info ?? {};
  const limits: Record<string, number> = {};
  // WebIDL attributes live on the prototype: for…in sees them, Object.keys does not.
  for (const key in adapter.limits) {
    const value = (adapter.limits as Record<string, unknown>)[key];
    if (typeof value === 'number') limits[key] = value;
  }
  const text = [info.vendor, info.architecture, info.device, info.description].join(' ');
  return {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
    software: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) || SOFTWARE.test(text),
    features: [...adapter.features].sort(),
    limits,
    dawnFlags: flags,
  };
}
