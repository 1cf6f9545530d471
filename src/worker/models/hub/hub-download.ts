/**
 * Downloads a model repo (any family core loads: GPT-2, llama, qwen2, qwen3) from the Hugging
 * Face Hub: the app's only network access, made only when the user asks. Each file is cached
 * as soon as it is complete, so a retry after an interruption fetches only what is missing,
 * and a manifest written last records which files the repo has, so a reload is served from
 * the cache without a single request (not even the 404s of optional files). config.json is
 * checked before anything large is fetched.
 *
 * An access token (gated or private repos) lives only in this call's deps: it goes as a
 * header to the request's Hub origin and nowhere else — not into the cache, the manifest,
 * progress events or any error message.
 */
import { parseModelConfigJson } from '../../../core/io/hf-model';
import type { FileCache } from './file-cache';
import { abortedError, fetchHubFile, HubError } from './hub-fetch';
import type { HubProgress } from '../../../protocol/messages';
import { DEFAULT_HUB_ENDPOINT, hubFileUrl, isPlainShardName, validateHubRequest, type HubRequest } from './hub-names';


export interface HubDownloadDeps {
  fetch: typeof fetch;
  cache: FileCache;
  onProgress?: (p: HubProgress) => void;
  signal?: AbortSignal;
  /** A Hugging Face access token for gated or private repos; sent only to the Hub's origin. */
  token?: string;
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

/** Refuses, before a byte of weights is fetched, a config.json core cannot train, naming the field. */
function checkSupportedConfig(bytes: Uint8Array, label: string): void {
  const config = parseJson(bytes, 'config.json');
  if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new HubError('bad-file', 'config.json', 'config.json is not a JSON object');
  try {
    parseModelConfigJson(config as Record<string, unknown>);
  } catch (error) {
    throw new HubError('unsupported', 'config.json', `${label}: ${(error as Error).message}`);
  }
}

/** Printable ASCII without spaces, as Hub tokens are; anything else would make fetch throw with the value in its message. */
const TOKEN_PATTERN = /^[\x21-\x7e]{1,1024}$/;

/**
 * The token, when it may travel with requests to this endpoint: over https, or plain http to
 * this machine (a local mirror, the tests' fake Hub), never in clear text across a network.
 */
function tokenFor(req: HubRequest, token: string | undefined): string | undefined {
  if (token === undefined || token === '') return undefined;
  if (!TOKEN_PATTERN.test(token)) throw new HubError('bad-request', undefined, 'the access token may only hold printable ASCII characters, without spaces');
  const url = new URL(req.endpoint ?? DEFAULT_HUB_ENDPOINT);
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !local) throw new HubError('bad-request', undefined, `the access token is only sent over https; ${url.origin} is not`);
  return token;
}

/** An error whose message cannot carry the token, whatever produced it. */
function redacted(error: unknown, token: string | undefined): unknown {
  if (!token || !(error instanceof Error) || !error.message.includes(token)) return error;
  const message = error.message.split(token).join('[token]');
  return error instanceof HubError ? new HubError(error.kind, error.file, message) : new HubError('network', undefined, message);
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
  try {
    return await download(req, deps);
  } catch (error) {
    throw redacted(error, deps.token);
  }
}

async function download(req: HubRequest, deps: HubDownloadDeps): Promise<Map<string, Uint8Array>> {
  const problem = validateHubRequest(req);
  if (problem) throw new HubError('bad-request', undefined, problem);
  const token = tokenFor(req, deps.token);
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
      token,
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
  checkSupportedConfig(config, label);
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
