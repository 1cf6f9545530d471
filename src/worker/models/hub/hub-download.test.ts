import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TINY_LLAMA_DIR } from '../../../core/testing/tiny-llama';
import { downloadHubModel, hubFileUrl, MemoryFileCache, type HubRequest } from './hub-download';
import type { HubProgress } from '../../../protocol/messages';
import { bytesOf, hubFailure, jsonBytes, startFakeHub, type FakeHub } from '../../testing/hub-test-server';

const REPO = 'tiny-org/tiny-gpt2';
const GPT2_CONFIG = { model_type: 'gpt2', n_layer: 2, n_head: 2, n_embd: 8, vocab_size: 16, n_positions: 32 };

let hub: FakeHub;
let req: HubRequest;
const at = (file: string, revision = 'main') => `/${REPO}/resolve/${revision}/${file}`;

function serve(file: string, bytes: Uint8Array) {
  hub.files.set(at(file), bytes);
}

/** A small GPT-2 repo: config, tokenizer, one optional file, unsharded weights. */
function serveBasicRepo(weights = bytesOf(5000)) {
  serve('config.json', jsonBytes(GPT2_CONFIG));
  serve('tokenizer.json', jsonBytes({ model: { type: 'BPE', vocab: { a: 0 } } }));
  serve('tokenizer_config.json', jsonBytes({ model_max_length: 32 }));
  serve('model.safetensors', weights);
}

async function download(cache = new MemoryFileCache(), events: HubProgress[] = [], signal?: AbortSignal, token?: string) {
  return downloadHubModel(req, { fetch, cache, signal, token, onProgress: (p) => events.push(p) });
}

beforeEach(async () => {
  hub = await startFakeHub();
  req = { repo: REPO, revision: 'main', endpoint: hub.endpoint };
});
afterEach(async () => {
  await hub.close();
});

describe('downloadHubModel', () => {
  it('downloads an unsharded repo, skipping missing optional files, with progress ending at the total', async () => {
    serveBasicRepo();
    const events: HubProgress[] = [];
    const files = await download(new MemoryFileCache(), events);

    expect([...files.keys()].sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    expect(files.get('model.safetensors')).toEqual(bytesOf(5000));
    expect(JSON.parse(new TextDecoder().decode(files.get('config.json')))).toEqual(GPT2_CONFIG);
    // The two absent optional files were asked for once each and skipped.
    expect(hub.requests.filter((p) => p.endsWith('generation_config.json') || p.endsWith('special_tokens_map.json'))).toHaveLength(2);

    const sum = [...files.values()].reduce((n, b) => n + b.length, 0);
    const last = events.at(-1)!;
    expect(last).toMatchObject({ file: 'model.safetensors', fileLoaded: 5000, fileTotal: 5000, loaded: sum, total: sum, fromCache: false });
    expect(events.every((e) => !e.fromCache)).toBe(true);
    for (let i = 1; i < events.length; i++) expect(events[i].loaded).toBeGreaterThanOrEqual(events[i - 1].loaded);
    // Every file's last event reports it complete.
    for (const [name, bytes] of files) {
      const own = events.filter((e) => e.file === name);
      expect(own.at(-1)).toMatchObject({ fileLoaded: bytes.length, fileTotal: bytes.length });
    }
  });

  it('downloads the shards named in model.safetensors.index.json when model.safetensors is missing', async () => {
    serveBasicRepo();
    hub.files.delete(at('model.safetensors'));
    const weightMap = { 'h.0.attn.c_attn.weight': 'model-00001-of-00002.safetensors', 'h.1.attn.c_attn.weight': 'model-00002-of-00002.safetensors', 'wte.weight': 'model-00001-of-00002.safetensors' };
    serve('model.safetensors.index.json', jsonBytes({ metadata: { total_size: 6000 }, weight_map: weightMap }));
    serve('model-00001-of-00002.safetensors', bytesOf(4000, 1));
    serve('model-00002-of-00002.safetensors', bytesOf(2000, 2));

    const cache = new MemoryFileCache();
    const files = await download(cache);
    expect(files.get('model-00001-of-00002.safetensors')).toEqual(bytesOf(4000, 1));
    expect(files.get('model-00002-of-00002.safetensors')).toEqual(bytesOf(2000, 2));
    expect(files.has('model.safetensors')).toBe(false);
    // Each shard is fetched once, though the map names the first one twice.
    expect(hub.requests.filter((p) => p.endsWith('-of-00002.safetensors'))).toEqual([at('model-00001-of-00002.safetensors'), at('model-00002-of-00002.safetensors')]);

    // A reload asks for nothing: not even the model.safetensors that was 404.
    hub.requests.length = 0;
    expect(await download(cache)).toEqual(files);
    expect(hub.requests).toEqual([]);
  });

  it('finishes a download even when the cache cannot store it', async () => {
    serveBasicRepo();
    const full = new MemoryFileCache();
    full.put = () => Promise.reject(new Error('QuotaExceededError'));
    const files = await download(full);
    expect(files.get('model.safetensors')).toEqual(bytesOf(5000));
  });

  it('refuses an index whose weight_map points outside the repo folder', async () => {
    serveBasicRepo();
    hub.files.delete(at('model.safetensors'));
    serve('model.safetensors.index.json', jsonBytes({ weight_map: { w: '../other/model.safetensors' } }));
    const error = await hubFailure(download());
    expect(error.kind).toBe('bad-file');
    expect(hub.requests.some((p) => p.includes('other'))).toBe(false);
  });

  it('says the repo or revision was not found when config.json is 404', async () => {
    const error = await hubFailure(download());
    expect(error.kind).toBe('not-found');
    expect(error.message).toContain('repo or revision not found');
    expect(error.message).toContain(`${REPO}@main`);
  });

  it('names a missing required file, and missing weights', async () => {
    serveBasicRepo();
    hub.files.delete(at('tokenizer.json'));
    const noTokenizer = await hubFailure(download());
    expect(noTokenizer.message).toContain('has no tokenizer.json');

    serveBasicRepo();
    hub.files.delete(at('model.safetensors'));
    const noWeights = await hubFailure(download());
    expect(noWeights.kind).toBe('not-found');
    expect(noWeights.message).toContain('neither model.safetensors nor model.safetensors.index.json');
  });

  it('says a gated or private repo needs an access token (401 and 403 without one)', async () => {
    for (const status of [401, 403]) {
      hub.routes.set(at('config.json'), (_q, res) => res.writeHead(status).end('Access to model is restricted'));
      const error = await hubFailure(download());
      expect(error.kind).toBe('login');
      expect(error.file).toBe('config.json');
      expect(error.message).toContain(`${REPO}@main is gated or private: it needs a Hugging Face access token`);
      expect(error.message).toContain('drop the folder instead');
    }
  });

  it('reports an unreachable Hub as a network failure naming the file', async () => {
    const endpoint = hub.endpoint;
    await hub.close();
    const error = await hubFailure(downloadHubModel({ ...req, endpoint }, { fetch, cache: new MemoryFileCache() }));
    expect(error.kind).toBe('network');
    expect(error.message).toMatch(/^config\.json: could not reach 127\.0\.0\.1/);
    hub = await startFakeHub(); // for afterEach
  });

  it('keeps nothing of an interrupted download, and a retry downloads it again and succeeds', async () => {
    serveBasicRepo(bytesOf(1000));
    hub.routes.set(at('model.safetensors'), (_q, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(bytesOf(1000).subarray(0, 300), () => res.destroy());
    });
    const cache = new MemoryFileCache();
    const error = await hubFailure(download(cache));
    expect(error.kind).toBe('interrupted');
    expect(error.file).toBe('model.safetensors');
    expect(error.message).toMatch(/^model\.safetensors: the download broke off/);
    expect(await cache.get(hubFileUrl(req, 'model.safetensors'))).toBeUndefined();
    expect(await cache.get(hubFileUrl(req, 'config.json'))).toBeDefined(); // finished files stay

    hub.routes.delete(at('model.safetensors'));
    hub.requests.length = 0;
    const files = await download(cache);
    expect(files.get('model.safetensors')).toEqual(bytesOf(1000));
    // Finished files come from the cache; the weights (and the absent optional files) are asked for again.
    expect(hub.requests).toEqual([at('generation_config.json'), at('special_tokens_map.json'), at('model.safetensors')]);
  });

  it('treats a body shorter than its Content-Length as interrupted even when the stream ends cleanly', async () => {
    // HTTP/1.1 cannot end a body cleanly before its Content-Length, but a proxy or a
    // service worker can hand such a Response to the page, so this one is built by hand.
    serveBasicRepo();
    const shortWeights: typeof fetch = async (input, init) =>
      String(input).endsWith('/model.safetensors')
        ? new Response(bytesOf(300), { headers: { 'content-length': '1000' } })
        : fetch(input, init);
    const cache = new MemoryFileCache();
    const error = await hubFailure(downloadHubModel(req, { fetch: shortWeights, cache }));
    expect(error.kind).toBe('interrupted');
    expect(error.message).toContain('300 bytes of 1000 bytes');
    expect(await cache.get(hubFileUrl(req, 'model.safetensors'))).toBeUndefined();
  });

  it('serves a second download from the cache without a single request', async () => {
    serveBasicRepo();
    const cache = new MemoryFileCache();
    const first = await download(cache);
    hub.requests.length = 0;
    const events: HubProgress[] = [];
    const second = await download(cache, events);
    expect(hub.requests).toEqual([]);
    expect(second).toEqual(first);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.fromCache)).toBe(true);
    expect(events.at(-1)!.loaded).toBe(events.at(-1)!.total);
  });

  it('keys the cache by revision', async () => {
    serveBasicRepo();
    const cache = new MemoryFileCache();
    await download(cache);
    hub.requests.length = 0;
    req = { ...req, revision: 'v2' };
    const error = await hubFailure(download(cache));
    expect(error.kind).toBe('not-found');
    expect(hub.requests).toEqual([at('config.json', 'v2')]);
  });

  it('downloads a Llama-family repo (qwen3) like a GPT-2 one', async () => {
    serveBasicRepo();
    const qwen3 = readFileSync(join(TINY_LLAMA_DIR, 'qwen3', 'config.json'));
    serve('config.json', qwen3);
    const files = await download();
    expect(files.get('config.json')).toEqual(new Uint8Array(qwen3));
    expect(files.get('model.safetensors')).toEqual(bytesOf(5000));
  });

  it('refuses an unsupported model before requesting anything large, naming the field', async () => {
    serveBasicRepo();
    serve('config.json', jsonBytes({ model_type: 'mistral', architectures: ['MistralForCausalLM'] }));
    const mistral = await hubFailure(download());
    expect(mistral.kind).toBe('unsupported');
    expect(mistral.message).toMatch(/model_type "mistral" is not supported; DPO Studio trains GPT-2 and Llama-family models/);
    expect(hub.requests).toEqual([at('config.json')]);

    // A supported family with a field it cannot train: the field is named.
    hub.requests.length = 0;
    serve('config.json', jsonBytes({ model_type: 'qwen2', hidden_size: 8, use_sliding_window: true }));
    const sliding = await hubFailure(download());
    expect(sliding.kind).toBe('unsupported');
    expect(sliding.message).toContain(`${REPO}@main: config.json: use_sliding_window true is not supported`);
    expect(hub.requests).toEqual([at('config.json')]);
  });

  it('stops quickly when cancelled mid-file, keeping nothing of that file', async () => {
    serveBasicRepo();
    hub.routes.set(at('model.safetensors'), (_q, res) => {
      res.writeHead(200, { 'content-length': String(1 << 20) });
      const timer = setInterval(() => res.write(bytesOf(1024)), 20);
      res.on('close', () => clearInterval(timer));
    });
    const controller = new AbortController();
    const cache = new MemoryFileCache();
    const events: HubProgress[] = [];
    const started = Date.now();
    const pending = downloadHubModel(req, {
      fetch,
      cache,
      signal: controller.signal,
      onProgress: (p) => {
        events.push(p);
        if (p.file === 'model.safetensors' && p.fileLoaded > 0) controller.abort();
      },
    });
    const error = await hubFailure(pending);
    expect(error.kind).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await cache.get(hubFileUrl(req, 'model.safetensors'))).toBeUndefined();
  });

  it('throttles progress to about ten events a second', async () => {
    serveBasicRepo();
    const chunks = 60;
    hub.routes.set(at('model.safetensors'), (_q, res) => {
      res.writeHead(200, { 'content-length': String(chunks * 1024) });
      let sent = 0;
      const timer = setInterval(() => {
        res.write(bytesOf(1024));
        if (++sent === chunks) {
          clearInterval(timer);
          res.end();
        }
      }, 5);
    });
    const events: HubProgress[] = [];
    const started = Date.now();
    await download(new MemoryFileCache(), events);
    const seconds = (Date.now() - started) / 1000;
    const weightEvents = events.filter((e) => e.file === 'model.safetensors').length;
    // Start and end always, plus at most one per 100 ms in between; unthrottled it would be ~60.
    expect(weightEvents).toBeLessThanOrEqual(2 + Math.ceil(seconds * 10) + 1);
    expect(weightEvents).toBeLessThan(chunks / 2);
  });

  it('validates the request before any request is made', async () => {
    const error = await hubFailure(downloadHubModel({ ...req, repo: '../etc' }, { fetch, cache: new MemoryFileCache() }));
    expect(error.kind).toBe('bad-request');
    const badRevision = await hubFailure(downloadHubModel({ ...req, revision: 'main..x' }, { fetch, cache: new MemoryFileCache() }));
    expect(badRevision.kind).toBe('bad-request');
    expect(hub.requests).toEqual([]);
  });
});
