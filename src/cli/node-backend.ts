import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export type NodeBackend = 'wasm' | 'cpu';
export const NODE_BACKENDS: NodeBackend[] = ['wasm', 'cpu'];

const WASM_DIR = join('node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');

/** The folder holding TF.js's .wasm binaries: searched upward from the CLI bundle and from the working directory. */
function findWasmDir(): string | null {
  for (const start of [dirname(process.argv[1] ?? '.'), process.cwd()]) {
    for (let dir = resolve(start); ; dir = dirname(dir)) {
      if (existsSync(join(dir, WASM_DIR, 'tfjs-backend-wasm.wasm'))) return join(dir, WASM_DIR) + '/';
      if (dirname(dir) === dir) break;
    }
  }
  return null;
}

/**
 * Selects the CLI's backend. wasm (XNNPACK, SIMD) is about 4× faster than the pure-JS cpu
 * backend here; when it cannot start, the CLI says why on stderr and uses cpu.
 * @returns the backend in use
 */
export async function useNodeBackend(wanted: NodeBackend, warn: (line: string) => void): Promise<NodeBackend> {
  if (tf.getBackend() === wanted) return wanted;
  if (wanted === 'wasm') {
    const dir = findWasmDir();
    if (dir) {
      setWasmPaths(dir);
      // tfjs-backend-wasm logs its own failure to the console; the line below is ours.
      if (await tf.setBackend('wasm').catch(() => false)) return 'wasm';
    }
    warn(`warning: the wasm backend could not start${dir ? '' : ` (${WASM_DIR} not found)`}; using the slower cpu backend\n`);
  }
  await tf.setBackend('cpu');
  return 'cpu';
}
