import { afterEach, describe, expect, it, vi } from 'vitest';
import { browserFileCache, HUB_CACHE_NAME, MemoryFileCache } from './file-cache';

/** Just enough of CacheStorage for the round trip: one named cache of Responses keyed by URL. */
function fakeCacheStorage(opened: string[]) {
  const entries = new Map<string, Response>();
  const cache = {
    match: async (url: string) => entries.get(url)?.clone(),
    put: async (url: string, response: Response) => void entries.set(url, response),
  };
  return { open: async (name: string) => (opened.push(name), cache) };
}

afterEach(() => vi.unstubAllGlobals());

describe('browserFileCache', () => {
  it('stores nothing and says why when the context has no Cache Storage', async () => {
    vi.stubGlobal('caches', undefined);
    const cache = browserFileCache();
    expect(cache.unavailable).toContain('Cache Storage');
    await cache.put('https://huggingface.co/gpt2/resolve/main/config.json', new Uint8Array([1]));
    expect(await cache.get('https://huggingface.co/gpt2/resolve/main/config.json')).toBeUndefined();
  });

  it('round-trips bytes through the dpo-studio-hub cache', async () => {
    const opened: string[] = [];
    vi.stubGlobal('caches', fakeCacheStorage(opened));
    const cache = browserFileCache();
    expect(cache.unavailable).toBeUndefined();
    const url = 'https://huggingface.co/gpt2/resolve/main/model.safetensors';
    expect(await cache.get(url)).toBeUndefined();
    await cache.put(url, new Uint8Array([1, 2, 3]));
    expect(await cache.get(url)).toEqual(new Uint8Array([1, 2, 3]));
    expect(new Set(opened)).toEqual(new Set([HUB_CACHE_NAME]));
  });

  it('treats a storage failure on read as a miss', async () => {
    vi.stubGlobal('caches', { open: async () => Promise.reject(new Error('SecurityError')) });
    expect(await browserFileCache().get('https://huggingface.co/x')).toBeUndefined();
  });
});

describe('MemoryFileCache', () => {
  it('returns what was put', async () => {
    const cache = new MemoryFileCache();
    await cache.put('u', new Uint8Array([9]));
    expect(await cache.get('u')).toEqual(new Uint8Array([9]));
    expect(await cache.get('v')).toBeUndefined();
  });
});
