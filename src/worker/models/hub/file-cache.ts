/**
 * Where downloaded Hub files are kept so a reload does not download them again: Cache Storage
 * in the browser (dedicated workers have it in secure contexts, and Cache.put only shows an
 * entry once its whole body is stored, so a crash never leaves half a file behind), or memory
 * in tests.
 */

export interface FileCache {
  get(url: string): Promise<Uint8Array | undefined>;
  put(url: string, bytes: Uint8Array): Promise<void>;
  /** Set when this cache stores nothing, saying why (shown to the user: every load downloads). */
  readonly unavailable?: string;
}

export const HUB_CACHE_NAME = 'dpo-studio-hub';

export class MemoryFileCache implements FileCache {
  private readonly files = new Map<string, Uint8Array>();
  async get(url: string) {
    return this.files.get(url);
  }
  async put(url: string, bytes: Uint8Array) {
    this.files.set(url, bytes);
  }
  has(url: string): boolean {
    return this.files.has(url);
  }
  urls(): string[] {
    return [...this.files.keys()];
  }
}

/** Stores nothing; every get misses. */
export function noFileCache(reason: string): FileCache {
  return {
    unavailable: reason,
    get: async () => undefined,
    put: async () => {},
  };
}

/** Cache Storage (`caches.open('dpo-studio-hub')`), or no cache with a reason when the context has none. */
export function browserFileCache(): FileCache {
  const storage = (globalThis as { caches?: CacheStorage }).caches;
  if (!storage) {
    return noFileCache('this page has no Cache Storage (it needs https or localhost), so downloaded models are not kept');
  }
  let opened: Promise<Cache> | undefined;
  const open = () => (opened ??= storage.open(HUB_CACHE_NAME));
  return {
    async get(url) {
      // A storage failure (private mode, evicted origin) is a miss: the file downloads again.
      try {
        const response = await (await open()).match(url);
        return response ? new Uint8Array(await response.arrayBuffer()) : undefined;
      } catch {
        return undefined;
      }
    },
    async put(url, bytes) {
      const body = new Blob([bytes as Uint8Array<ArrayBuffer>]);
      const headers = { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) };
      await (await open()).put(url, new Response(body, { headers }));
    },
  };
}
