/**
 * Downloads a GPT-2 model repo from the Hugging Face Hub: the app's only network access, made
 * only when the user asks. Each file is cached as soon as it is complete, so a retry after an
 * interruption fetches only what is missing, and a manifest written last records which files
 * the repo has, so a reload is served from the cache without a single request (not even the
 * 404s of optional files). config.json is checked before anything large is fetched.
 */
import type { FileCache } from './file-cache';
import { abortedError, fetchHubFile, HubError } from './hub-fetch';
import { hubFileUrl, isPlainShardName, validateHubRequest, type HubRequest } from './hub-names';

export interface HubProgress {
  file: string;
  fileLoaded: number;
  fileTotal: number | null;
  /** Bytes of all files so far, this one included. */
  loaded: number;
  /** Sizes of the files so far, this one included; null while this one's size is unknown. Grows as files start. */
  total: number | null;
  fromCache: boolean;
}

export interface HubDownloadDeps {
  fetch: typeof fetch;
  cache: FileCache;
  onProgress?: (p: HubProgress) => void;
  signal?: AbortSignal;
}

export const OPTIONAL_FILES = ['tokenizer_config.json', 'generation_config.json', 'special_tokens_map.json'] as const;
const WEIGHTS = 'model.safetensors';
const WEIGHTS_INDEX = 'model.safetensors.index.json';
const PROGRESS_INTERVAL_MS = 100;

/** Counts bytes across files and passes progress on at most ~10 times a second (first and last event of each file always). */
class ProgressReporter {
  private doneBytes = 0;
  private lastEmit = -Infinity;
  constructor(private readonly onProgress: ((p: HubProgress) => void) | undefined) {}

  report(file: string, fileLoaded: number, fileTotal: number | null, fromCache: boolean, always: boolean) {
    if (!this.onProgress) return;
    const now = Date.now();
    if (!always && now - this.lastEmit < PROGRESS_INTERVAL_MS) return;
    this.lastEmit = now;
    const total = fileTotal === null ? null : this.doneBytes + fileTotal;
    this.onProgress({ file, fileLoaded, fileTotal, loaded: this.doneBytes + fileLoaded, total, fromCache });
  }

  finish(file: string, bytes: number, fromCache: boolean) {
    this.report(file, bytes, bytes, fromCache, true);
    this.doneBytes += bytes;
  }
}

function manifestUrl(req: HubRequest): string {
  // An empty file name plus a query: no real file of the repo can have this URL.
  return `${hubFileUrl(req, '')}?dpo-studio-files`;
}

async function readManifest(cache: FileCache, url: string): Promise<Set<string> | undefined> {
  const bytes = await cache.get(url);
  if (!bytes) return undefined;
  try {
    const files: unknown = JSON.parse(new TextDecoder().decode(bytes)).files;
    return Array.isArray(files) && files.every((f) => typeof f === 'string') ? new Set(files) : undefined;
  } catch {
    return undefined;
  }
}

function parseJson(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new HubError('bad-file', file, `${file} is not valid JSON (${(error as Error).message})`);
  }
}

/** Refuses anything but GPT-2 before a byte of weights is fetched. */
function checkGpt2Config(bytes: Uint8Array, label: string): void {
  const config = parseJson(bytes, 'config.json') as { model_type?: unknown } | null;
  const modelType = config && typeof config === 'object' ? config.model_type : undefined;
  if (modelType === 'gpt2') return;
  const what = typeof modelType === 'string' ? `a "${modelType}" model` : 'a model whose config.json names no model_type';
  throw new HubError('unsupported', 'config.json', `${label} is ${what}; DPO Studio trains GPT-2 models only (model_type "gpt2")`);
}

function shardNames(bytes: Uint8Array): string[] {
  const index = parseJson(bytes, WEIGHTS_INDEX) as { weight_map?: unknown } | null;
  const map = index && typeof index === 'object' ? index.weight_map : undefined;
  if (!map || typeof map !== 'object') throw new HubError('bad-file', WEIGHTS_INDEX, `${WEIGHTS_INDEX} has no weight_map`);
  const shards = [...new Set(Object.values(map as Record<string, unknown>))];
  const bad = shards.find((s) => !isPlainShardName(s));
  if (bad !== undefined) throw new HubError('bad-file', WEIGHTS_INDEX, `${WEIGHTS_INDEX} names a shard "${String(bad)}" that is not a .safetensors file in the repo`);
  if (shards.length === 0) throw new HubError('bad-file', WEIGHTS_INDEX, `${WEIGHTS_INDEX} names no shards`);
  return shards as string[];
}

/**
 * Fetches config.json, tokenizer.json, the optional tokenizer/generation files and the
 * safetensors weights (one file, or the shards of model.safetensors.index.json), each from
 * the cache when it is there. The result is keyed by file name.
 */
export async function downloadHubModel(req: HubRequest, deps: HubDownloadDeps): Promise<Map<string, Uint8Array>> {
  const problem = validateHubRequest(req);
  if (problem) throw new HubError('bad-request', undefined, problem);
  const label = `${req.repo}@${req.revision}`;
  const progress = new ProgressReporter(deps.onProgress);
  const { cache, signal } = deps;

  const load = async (file: string): Promise<Uint8Array | undefined> => {
    if (signal?.aborted) throw abortedError(file);
    const url = hubFileUrl(req, file);
    const cached = await cache.get(url);
    if (cached) {
      progress.finish(file, cached.length, true);
      return cached;
    }
    const bytes = await fetchHubFile(url, file, {
      fetch: deps.fetch,
      signal,
      label,
      onBytes: (loaded, total) => progress.report(file, loaded, total, false, loaded === 0),
    });
    if (!bytes) return undefined;
    progress.finish(file, bytes.length, false);
    // Caching is a convenience: a full disk or a storage error must not fail a finished download.
    await cache.put(url, bytes).catch(() => {});
    return bytes;
  };
  const required = async (file: string, missing: string): Promise<Uint8Array> => {
    const bytes = await load(file);
    if (!bytes) throw new HubError('not-found', file, missing);
    return bytes;
  };

  const known = await readManifest(cache, manifestUrl(req));
  const files = new Map<string, Uint8Array>();
  const config = await required('config.json', `${label}: repo or revision not found (it has no config.json); check the name and the revision`);
  checkGpt2Config(config, label);
  files.set('config.json', config);
  files.set('tokenizer.json', await required('tokenizer.json', `${label} has no tokenizer.json; download the files and drop the folder with a tokenizer.json instead`));
  for (const file of OPTIONAL_FILES) {
    if (known && !known.has(file)) continue;
    const bytes = await load(file);
    if (bytes) files.set(file, bytes);
  }

  const single = known && !known.has(WEIGHTS) ? undefined : await load(WEIGHTS);
  if (single) {
    files.set(WEIGHTS, single);
  } else {
    const index = await required(WEIGHTS_INDEX, `${label} has neither ${WEIGHTS} nor ${WEIGHTS_INDEX}; only safetensors weights can be loaded`);
    files.set(WEIGHTS_INDEX, index);
    for (const shard of shardNames(index)) {
      files.set(shard, await required(shard, `${shard}, named in ${WEIGHTS_INDEX}, is missing from ${label}`));
    }
  }

  if (!cache.unavailable) {
    const manifest = new TextEncoder().encode(JSON.stringify({ files: [...files.keys()] }));
    await cache.put(manifestUrl(req), manifest).catch(() => {});
  }
  return files;
}

// The whole API from one module, as the worker imports it.
export { browserFileCache, MemoryFileCache, noFileCache, HUB_CACHE_NAME, type FileCache } from './file-cache';
export { HubError, type HubErrorKind } from './hub-fetch';
export { DEFAULT_HUB_ENDPOINT, hubFileUrl, validateHubRequest, validateRepoId, validateRevision, type HubRequest } from './hub-names';
