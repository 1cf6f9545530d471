// The model panel's worker requests: ModelInfo's family fields, a Hub download of a
// Llama-family repo with an access token, and memory estimates of suggested models.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { harness } from '../testing/handler-harness';
import { DEFAULT_SETTINGS, type DpoSettings } from '../../core/train/settings';
import { SUGGESTED_MODELS } from '../../core/model/suggested-models';
import { tinyLlamaFiles } from '../../core/testing/tiny-llama';
import type { MemoryEstimate } from '../../core/model/memory-estimate';
import type { ModelInfo } from '../../protocol/messages';

const TOKEN = 'hf_WorkerTestToken9876543210abcdef';
const REPO = 'meta-llama/tiny-qwen3';

/** huggingface.co as a map of files, recording each request's URL and Authorization header. */
function fakeHubFetch(files: Map<string, Uint8Array>, status = 200) {
  const seen: { url: string; authorization: string | null }[] = [];
  const fake: typeof fetch = async (input, init) => {
    const url = String(input);
    seen.push({ url, authorization: new Headers(init?.headers).get('authorization') });
    const prefix = `https://huggingface.co/${REPO}/resolve/main/`;
    const body = url.startsWith(prefix) ? files.get(url.slice(prefix.length)) : undefined;
    if (status !== 200) return new Response('restricted', { status });
    return body ? new Response(body as Uint8Array<ArrayBuffer>, { status: 200 }) : new Response('Entry not found', { status: 404 });
  };
  return { fake, seen };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('model requests for the model panel', () => {
  it("describes the built-in model's family: gpt2, F32, GPT-2's LoRA targets", async () => {
    const { call } = harness();
    const { model } = await call<{ model: ModelInfo }>('init', { preset: 'tiny', seed: 1 });
    expect(model).toMatchObject({ family: 'gpt2', modelType: 'gpt2', dtype: 'F32', loraTargets: ['c_attn', 'c_proj', 'c_fc'], defaultLoraTargets: ['c_attn'] });
  });

  it('downloads a Llama-family repo from huggingface.co with the token as its Authorization header, and describes it', async () => {
    const { fake, seen } = fakeHubFetch(tinyLlamaFiles('qwen3'));
    vi.stubGlobal('fetch', fake);
    const { call } = harness();
    await call('init', { preset: 'tiny', seed: 1 });
    const model = await call<ModelInfo>('downloadHubModel', { repo: REPO, revision: 'main', token: TOKEN });
    expect(model).toMatchObject({ hfName: REPO, family: 'llama', modelType: 'qwen3', dtype: 'BF16', defaultLoraTargets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] });
    expect(model.loraTargets).toEqual(['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']);
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.every((r) => r.url.startsWith('https://huggingface.co/') && r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(JSON.stringify(model)).not.toContain(TOKEN);
  });

  it('answers a 403 with a message that the token has no access, without the token', async () => {
    vi.stubGlobal('fetch', fakeHubFetch(new Map(), 403).fake);
    const { call } = harness();
    await call('init', { preset: 'tiny', seed: 1 });
    const error = await call('downloadHubModel', { repo: REPO, revision: 'main', token: TOKEN }).catch((e: Error & { code: string; stack?: string }) => e);
    expect(error).toMatchObject({ code: 'bad-file', message: expect.stringContaining('the access token has no access to meta-llama/tiny-qwen3@main (403)') });
    expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(TOKEN);
  });

  it("estimates a suggested model as a LoRA run at the current settings, on its family's targets when the settings' are GPT-2's", async () => {
    const { call } = harness();
    await call('init', { preset: 'tiny', seed: 1 });
    const qwen3 = SUGGESTED_MODELS.find((m) => m.repo === 'Qwen/Qwen3-0.6B')!;
    const settings: DpoSettings = { ...DEFAULT_SETTINGS, batchSize: 2, maxLength: 128, lora: { rank: 4, alpha: 8, dropout: 0, targets: ['c_attn'] } };
    const estimateOf = async (s: DpoSettings) =>
      (await call<{ estimate: MemoryEstimate; problem: string | null }>('estimateMemory', { settings: s, budgetBytes: 2 ** 40, config: qwen3.config })).estimate;

    const onDefaults = await estimateOf(settings);
    expect(onDefaults.input.lora).toMatchObject({ rank: 4, alpha: 8, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] });
    expect(onDefaults.input.config).toEqual(qwen3.config);
    expect(onDefaults.referenceBytes).toBe(0); // LoRA's reference is the base with adapters off
    expect(onDefaults.weightBytes).toBeGreaterThan(4 * qwen3.parameters);

    // The settings' own targets when they are this family's; all-linear expanded; full fine-tuning still estimated as LoRA.
    expect((await estimateOf({ ...settings, lora: { ...settings.lora!, targets: ['all-linear'] } })).input.lora?.targets).toHaveLength(7);
    expect((await estimateOf({ ...settings, lora: null })).input.lora).toMatchObject({ rank: 8, targets: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] });
    // The batch and length are the settings': doubling the batch grows the activations.
    expect((await estimateOf({ ...settings, batchSize: 4 })).activationBytes).toBeGreaterThan(onDefaults.activationBytes);

    // A shape that cannot be built is refused, not looped over.
    await expect(call('estimateMemory', { settings, budgetBytes: 1, config: { ...qwen3.config, nLayer: -1 } })).rejects.toMatchObject({ code: 'protocol' });
  });
});
