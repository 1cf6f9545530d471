// A Hugging Face access token for gated repos: sent as a header to the Hub only, kept out of
// the cache, the manifest and every error message.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { downloadHubModel, MemoryFileCache, type HubRequest } from './hub-download';
import { bytesOf, hubFailure, jsonBytes, startFakeHub, type FakeHub } from '../../testing/hub-test-server';

const REPO = 'meta-llama/Tiny-Llama';
const TOKEN = 'hf_TestTokenThatMustNotLeak0123456789';
const LLAMA_CONFIG = {
  model_type: 'llama',
  architectures: ['LlamaForCausalLM'],
  hidden_size: 8,
  intermediate_size: 16,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  num_hidden_layers: 1,
  vocab_size: 16,
  max_position_embeddings: 32,
  rope_theta: 10000,
};

let hub: FakeHub;
let cdn: FakeHub;
let req: HubRequest;
const at = (file: string) => `/${REPO}/resolve/main/${file}`;

beforeEach(async () => {
  hub = await startFakeHub();
  cdn = await startFakeHub();
  req = { repo: REPO, revision: 'main', endpoint: hub.endpoint };
  hub.files.set(at('config.json'), jsonBytes(LLAMA_CONFIG));
  hub.files.set(at('tokenizer.json'), jsonBytes({ model: { type: 'BPE', vocab: { a: 0 } } }));
  // The Hub answers LFS files with a redirect to its CDN, another origin.
  cdn.files.set('/blobs/weights', bytesOf(3000));
  hub.routes.set(at('model.safetensors'), (_q, res) => res.writeHead(302, { location: `${cdn.endpoint}/blobs/weights` }).end());
});
afterEach(async () => {
  await hub.close();
  await cdn.close();
});

describe('downloadHubModel with an access token', () => {
  it('sends it as "Authorization: Bearer …" to every Hub request and not to the CDN a file redirects to', async () => {
    const files = await downloadHubModel(req, { fetch, cache: new MemoryFileCache(), token: TOKEN });
    expect(files.get('model.safetensors')).toEqual(bytesOf(3000));
    expect(hub.requests.length).toBeGreaterThan(3);
    expect(hub.headers.map((h) => h.authorization)).toEqual(hub.requests.map(() => `Bearer ${TOKEN}`));
    expect(cdn.requests).toEqual(['/blobs/weights']);
    expect(cdn.headers[0].authorization).toBeUndefined();
    expect(JSON.stringify(cdn.headers)).not.toContain(TOKEN);
  });

  it('sends no Authorization header without one', async () => {
    await downloadHubModel(req, { fetch, cache: new MemoryFileCache() });
    expect(hub.headers.every((h) => h.authorization === undefined)).toBe(true);
  });

  it('keeps it out of the file cache and its manifest', async () => {
    const cache = new MemoryFileCache();
    await downloadHubModel(req, { fetch, cache, token: TOKEN });
    const urls = cache.urls();
    expect(urls.some((u) => u.endsWith('?dpo-studio-files'))).toBe(true); // the manifest was written
    for (const url of urls) {
      expect(url).not.toContain(TOKEN);
      const text = new TextDecoder('latin1').decode(await cache.get(url));
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain('hf_');
    }
    // A reload is served from the cache: no request, so no token needed.
    hub.requests.length = 0;
    await downloadHubModel(req, { fetch, cache });
    expect(hub.requests).toEqual([]);
  });

  it('says a refused token has no access (401: not accepted, 403: no access to the repo), never naming it', async () => {
    const cases: [number, string][] = [
      [401, `config.json: the Hub refused the access token for ${REPO}@main (401)`],
      [403, `config.json: the access token has no access to ${REPO}@main (403): accept the model's conditions`],
    ];
    for (const [status, message] of cases) {
      hub.routes.set(at('config.json'), (_q, res) => res.writeHead(status).end(`Access to model ${REPO} is restricted`));
      const error = await hubFailure(downloadHubModel(req, { fetch, cache: new MemoryFileCache(), token: TOKEN }));
      expect(error.kind).toBe('login');
      expect(error.message).toContain(message);
      expect(error.message).not.toContain(TOKEN);
      expect(error.stack ?? '').not.toContain(TOKEN);
    }
  });

  it('refuses, before any request, to send it in clear text across a network or when it is not a header value', async () => {
    const calls: string[] = [];
    const recording: typeof fetch = async (input) => {
      calls.push(String(input));
      return new Response('', { status: 404 });
    };
    const remote = await hubFailure(downloadHubModel({ ...req, endpoint: 'http://hub.example.com' }, { fetch: recording, cache: new MemoryFileCache(), token: TOKEN }));
    expect(remote.kind).toBe('bad-request');
    expect(remote.message).toContain('only sent over https');
    const spaced = `${TOKEN} x`;
    const bad = await hubFailure(downloadHubModel(req, { fetch: recording, cache: new MemoryFileCache(), token: spaced }));
    expect(bad.kind).toBe('bad-request');
    expect(bad.message).not.toContain(TOKEN);
    expect(calls).toEqual([]);
  });

  it('removes it from any failure message, whatever produced the failure', async () => {
    const leaky: typeof fetch = async () => {
      throw new TypeError(`connect failed for Bearer ${TOKEN}`);
    };
    const error = await hubFailure(downloadHubModel(req, { fetch: leaky, cache: new MemoryFileCache(), token: TOKEN }));
    expect(error.kind).toBe('network');
    expect(error.message).toContain('Bearer [token]');
    expect(error.message).not.toContain(TOKEN);
  });
});
