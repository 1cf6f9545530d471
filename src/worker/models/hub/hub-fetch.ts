/**
 * One Hub file over the network: status codes turned into messages a user can act on, and
 * the body streamed with a reader so progress can be shown. A body that ends early or breaks
 * off is an error, never a shorter file: the caller caches only what this returns.
 */

export type HubErrorKind =
  | 'bad-request' // the repo, revision or endpoint is malformed
  | 'login' // 401/403: gated or private, or the token has no access
  | 'not-found' // a required file (or the repo, or the revision) is missing
  | 'network' // the request never got an answer
  | 'interrupted' // the body ended early or the stream broke
  | 'http' // any other status
  | 'unsupported' // not a model family DPO Studio trains
  | 'bad-file' // config.json or the weights index is not what it should be
  | 'aborted';

export class HubError extends Error {
  constructor(
    readonly kind: HubErrorKind,
    /** The file it concerns, when there is one. */
    readonly file: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'HubError';
  }
}

export interface FetchFileOptions {
  fetch: typeof fetch;
  signal?: AbortSignal;
  /** "owner/name@revision", for messages. */
  label: string;
  /** Called once when the headers arrive (loaded 0) and after every chunk. */
  onBytes: (loaded: number, total: number | null) => void;
  /**
   * A Hugging Face access token, sent as `Authorization: Bearer …` with this request only.
   * The caller decides it may go to this URL; on a redirect to another origin (the Hub's CDN)
   * fetch drops the header, as the Fetch standard requires.
   */
  token?: string;
}

/** Preallocate from Content-Length only up to here; past it, collect chunks (a lying header must not allocate gigabytes). */
const MAX_PREALLOCATE = 2 ** 31;

export function abortedError(file: string | undefined): HubError {
  return new HubError('aborted', file, `download cancelled${file ? ` (during ${file})` : ''}`);
}

export function mib(bytes: number): string {
  return bytes < 1024 * 1024 ? `${bytes} bytes` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** The file's bytes, or undefined when the Hub says it is not there (404). */
export async function fetchHubFile(url: string, file: string, options: FetchFileOptions): Promise<Uint8Array | undefined> {
  const { signal, label } = options;
  if (signal?.aborted) throw abortedError(file);
  let response: Response;
  try {
    // Cookies are never sent: the only credential is the token the user typed, as a header.
    // The Cache Storage copy is the cache, so the HTTP cache is skipped rather than holding a
    // second copy of the weights.
    const headers: Record<string, string> = options.token ? { Authorization: `Bearer ${options.token}` } : {};
    response = await options.fetch(url, { signal, headers, credentials: 'omit', cache: 'no-store', redirect: 'follow' });
  } catch (error) {
    if (signal?.aborted) throw abortedError(file);
    const host = new URL(url).host;
    throw new HubError('network', file, `${file}: could not reach ${host} (${(error as Error).message}); check the connection and try again`);
  }
  if (response.status === 404 || /^(Repo|Revision)NotFound$/.test(response.headers.get('x-error-code') ?? '')) {
    await response.body?.cancel().catch(() => {});
    return undefined;
  }
  if (response.status === 401 || response.status === 403) {
    await response.body?.cancel().catch(() => {});
    throw new HubError('login', file, loginMessage(file, label, response.status, options.token !== undefined));
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    const hint = response.status === 429 ? 'the Hub is rate-limiting; wait a minute and try again' : 'try again later';
    throw new HubError('http', file, `${file}: the Hub answered ${response.status} ${response.statusText}`.trimEnd() + `; ${hint}`);
  }
  return readBody(response, file, options);
}

/** What a 401/403 means to the user: a token is needed, or the one given has no access. Never names the token. */
function loginMessage(file: string, label: string, status: number, withToken: boolean): string {
  if (!withToken) {
    return `${file}: ${label} is gated or private: it needs a Hugging Face access token from an account with access (enter one under "Access token"), or download the files and drop the folder instead`;
  }
  if (status === 401) return `${file}: the Hub refused the access token for ${label} (401): check that it is a valid token with read access`;
  return `${file}: the access token has no access to ${label} (403): accept the model's conditions on its Hub page with that account, or use a token with access`;
}

function declaredLength(response: Response): number | null {
  const encoding = response.headers.get('content-encoding');
  // With a content encoding, Content-Length counts the compressed bytes, not what the reader yields.
  if (encoding && encoding !== 'identity') return null;
  const value = Number(response.headers.get('content-length') ?? NaN);
  return Number.isSafeInteger(value) && value >= 0 ? value : null;
}

async function readBody(response: Response, file: string, { signal, onBytes }: FetchFileOptions): Promise<Uint8Array> {
  let total = declaredLength(response);
  let buffer = total !== null && total <= MAX_PREALLOCATE ? new Uint8Array(total) : null;
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  onBytes(0, total);
  const interrupted = (why: string) =>
    new HubError('interrupted', file, `${file}: the download broke off after ${mib(loaded)}${total !== null ? ` of ${mib(total)}` : ''} (${why}); nothing was kept, try again`);

  if (!response.body) {
    const bytes = new Uint8Array(await response.arrayBuffer());
    onBytes(bytes.length, bytes.length);
    return bytes;
  }
  const reader = response.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (buffer && loaded + value.length <= buffer.length) {
        buffer.set(value, loaded);
      } else {
        // More bytes than declared: the length was not the body's (or not to be trusted); collect instead.
        if (buffer) chunks.push(buffer.subarray(0, loaded));
        buffer = null;
        total = null;
        chunks.push(value);
      }
      loaded += value.length;
      onBytes(loaded, total);
    }
  } catch (error) {
    if (signal?.aborted) throw abortedError(file);
    throw interrupted((error as Error).message || 'the connection closed');
  } finally {
    reader.releaseLock();
  }
  if (total !== null && loaded < total) throw interrupted('the connection closed early');
  return buffer ?? concat(chunks, loaded);
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
