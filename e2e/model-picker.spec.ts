import { expect, test, type Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';

// A tiny random Llama (BF16, vocab 64) from tools/oracle/make_llama_fixtures.py, served as a
// gated repo: without the right Authorization header the fake Hub answers 401, as the Hub does.
const FIXTURE = 'src/core/testing/fixtures/tiny-llama/llama-gqa';
const REPO = 'meta-llama/tiny-llama-gated';
const TOKEN = 'hf_E2eTestTokenNotARealOne0123456789';

/** The 64-token word-level tokenizer the unit tests give the fixture (src/core/testing/tiny-llama.ts). */
function tokenizerJson(): string {
  const vocab = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [i === 63 ? '<|im_end|>' : `t${i}`, i]));
  const special = { id: 63, content: '<|im_end|>', special: true, single_word: false, lstrip: false, rstrip: false, normalized: false };
  return JSON.stringify({ version: '1.0', added_tokens: [special], normalizer: null, pre_tokenizer: { type: 'Whitespace' }, post_processor: null, decoder: null, model: { type: 'WordLevel', vocab, unk_token: 't0' } });
}

async function gatedHub(page: Page): Promise<{ requests: { path: string; authorization: string | undefined }[] }> {
  const requests: { path: string; authorization: string | undefined }[] = [];
  const extra: Record<string, string> = { 'tokenizer.json': tokenizerJson(), 'tokenizer_config.json': JSON.stringify({ eos_token: '<|im_end|>' }) };
  await page.context().route('https://huggingface.co/**', async (route) => {
    const url = new URL(route.request().url());
    const authorization = (await route.request().allHeaders()).authorization;
    requests.push({ path: url.pathname, authorization });
    const cors = { 'access-control-allow-origin': '*' };
    if (authorization !== `Bearer ${TOKEN}`) return route.fulfill({ status: 401, body: 'Access to this model is restricted', headers: cors });
    const prefix = `/${REPO}/resolve/main/`;
    const file = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : '';
    const body = extra[file] !== undefined ? Buffer.from(extra[file]) : file && !file.includes('/') && existsSync(join(FIXTURE, file)) ? readFileSync(join(FIXTURE, file)) : null;
    if (!body) return route.fulfill({ status: 404, body: 'Entry not found', headers: cors });
    await route.fulfill({ status: 200, body, headers: { ...cors, 'content-length': String(body.length) } });
  });
  return { requests };
}

/** The dtype of every tensor in a safetensors file's header. */
function dtypes(bytes: Uint8Array): Set<string> {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<string, { dtype?: string }>;
  return new Set(Object.entries(header).flatMap(([name, t]) => (name === '__metadata__' ? [] : [t.dtype!])));
}

async function exported(page: Page): Promise<Record<string, Uint8Array>> {
  const pending = page.waitForEvent('download');
  await page.getByTestId('export-hf').click();
  return unzipSync(new Uint8Array(readFileSync(await (await pending).path())));
}

test('suggested models with their size and LoRA memory; a gated Llama from the Hub with an access token; LoRA targets and export follow the family', async ({ page }) => {
  const hub = await gatedHub(page);
  await page.goto('/?view=studio&preset=tiny');
  await expect(page.getByTestId('model-type')).toHaveText('gpt2 · 0.04M params · F32');

  // The four suggestions, each with its parameter count and a LoRA run's memory at the current settings.
  const items = page.getByTestId('suggested-models').getByRole('listitem');
  await expect(items).toHaveCount(4);
  const expected = [
    ['HuggingFaceTB/SmolLM2-135M-Instruct', '135M params'],
    ['HuggingFaceTB/SmolLM2-360M-Instruct', '362M params'],
    ['Qwen/Qwen2.5-0.5B-Instruct', '0.5B params'],
    ['Qwen/Qwen3-0.6B', '0.6B params'],
  ];
  for (const [repo, params] of expected) {
    const item = page.getByTestId(`suggested-${repo}`);
    await expect(item.getByTestId('suggested-params')).toHaveText(params);
    await expect(item.getByTestId('suggested-memory')).toHaveText(/^LoRA run: ~\d[\d.]* (MiB|GiB) \((fits|over) the budget\)$/);
  }
  // GPT-2's c_attn does not apply to them: the estimate uses their family's default targets.
  await expect(page.getByTestId('suggested-hint')).toContainText('batch 2 × length 64, rank 8 on q_proj, k_proj, v_proj, o_proj');
  const before = await page.getByTestId('suggested-HuggingFaceTB/SmolLM2-135M-Instruct').getByTestId('suggested-memory').textContent();
  await page.getByTestId('settings-max-length').fill('32'); // a shorter length needs less
  await expect(page.getByTestId('suggested-HuggingFaceTB/SmolLM2-135M-Instruct').getByTestId('suggested-memory')).not.toHaveText(before!);
  expect(hub.requests).toEqual([]); // nothing is fetched until the user asks

  // Without a token the gated repo says one is needed.
  await page.getByTestId('hub-repo').fill(REPO);
  await page.getByTestId('hub-download').click();
  await expect(page.getByTestId('error')).toContainText(`${REPO}@main is gated or private: it needs a Hugging Face access token`);
  expect(hub.requests.every((r) => r.authorization === undefined)).toBe(true);

  // With the token it downloads; every request to the Hub carried it.
  await page.getByTestId('hub-token').fill(TOKEN);
  await expect(page.getByTestId('hub-token')).toHaveAttribute('type', 'password');
  hub.requests.length = 0;
  await page.getByTestId('hub-download').click();
  await expect(page.getByTestId('model-source')).toContainText(`Hugging Face ${REPO}`);
  await expect(page.getByTestId('model-type')).toHaveText(/^llama · [\d.]+M params · BF16$/);
  expect(hub.requests.map((r) => r.path)).toContain(`/${REPO}/resolve/main/model.safetensors`);
  expect(hub.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
  await expect(page.getByTestId('error')).toHaveCount(0);

  // LoRA is on with the Llama family's targets (no GPT-2 names), all-linear offered.
  await expect(page.getByTestId('lora-toggle')).toBeChecked();
  for (const t of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) await expect(page.getByTestId(`lora-target-${t}`)).toBeChecked();
  await expect(page.getByTestId('lora-target-gate_proj')).not.toBeChecked();
  await expect(page.getByTestId('lora-target-all-linear')).toBeVisible();
  await expect(page.getByTestId('lora-target-c_attn')).toHaveCount(0);

  // The token is in no browser storage.
  const stored = await page.evaluate(async () => {
    const keys = await Promise.all((await caches.keys()).map(async (name) => (await (await caches.open(name)).keys()).map((r) => r.url)));
    return JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cache: keys });
  });
  expect(stored).toContain(REPO); // the files were cached …
  expect(stored).not.toContain(TOKEN); // … without the token

  // The merged export keeps the checkpoint's BF16 unless float32 is asked for.
  const bf16 = await exported(page);
  expect(dtypes(bf16['model.safetensors'])).toEqual(new Set(['BF16']));
  await page.getByTestId('export-float32').check();
  const f32 = await exported(page);
  expect(dtypes(f32['model.safetensors'])).toEqual(new Set(['F32']));
  expect(JSON.parse(new TextDecoder().decode(f32['config.json']))).toMatchObject({ model_type: 'llama' });
});
