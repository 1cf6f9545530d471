// The page's entry chunk must carry no TensorFlow.js (the worker's chunk does). Bundling
// src/main.tsx as Vite does, without the worker (reached through `new URL(…)`), lists every
// module the page pulls in; the lint rule in tools/lint/tf-free-imports.js guards the same
// boundary import by import.
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { TF_FREE_CORE } from './lint/tf-free-imports.js';

async function pageInputs(): Promise<string[]> {
  const result = await build({
    entryPoints: ['src/main.tsx'],
    bundle: true,
    write: false,
    metafile: true,
    outdir: 'tmp/page-bundle',
    format: 'esm',
    loader: { '.css': 'empty', '.svg': 'empty' },
    define: { 'import.meta.env.BASE_URL': '"/"' },
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

describe('the page bundle', () => {
  it('holds no TensorFlow.js, and only the TF-free core modules', async () => {
    const inputs = await pageInputs();
    expect(inputs.some((p) => p.startsWith('src/ui/'))).toBe(true); // the bundle really is the page
    expect(inputs.filter((p) => p.includes('@tensorflow'))).toEqual([]);
    const core = inputs.filter((p) => p.startsWith('src/core/')).map((p) => p.replace(/\.tsx?$/, ''));
    expect(core.filter((p) => !TF_FREE_CORE.includes(p))).toEqual([]);
    expect(inputs.filter((p) => p.startsWith('src/worker/'))).toEqual([]);
  });
});
