import { expect, test, type Page } from '@playwright/test';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unzipSync } from 'fflate';

// The tiny random GPT-2 with GPT-2's real BPE vocabulary (tools/oracle/make_gpt2_fixture.py).
const FIXTURE = 'src/core/testing/fixtures/tiny-gpt2';
const REPO = 'test-org/tiny-gpt2';

/**
 * Serves the fixture under the Hub's URL layout, https://huggingface.co/<repo>/resolve/<rev>/<file>,
 * 404 for files it does not have (as the Hub does), and counts the requests.
 */
async function fakeHub(page: Page): Promise<{ requests: string[] }> {
  const requests: string[] = [];
  await page.context().route('https://huggingface.co/**', async (route) => {
    const url = new URL(route.request().url());
    requests.push(url.pathname);
    const prefix = `/${REPO}/resolve/main/`;
    const file = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : '';
    const path = join(FIXTURE, file);
    if (!file || file.includes('/') || file === 'golden.json' || !existsSync(path)) return route.fulfill({ status: 404, body: 'Entry not found' });
    const body = readFileSync(path);
    await route.fulfill({ status: 200, body, headers: { 'content-length': String(body.length), 'access-control-allow-origin': '*' } });
  });
  return { requests };
}

async function download(page: Page, testId: string): Promise<Record<string, Uint8Array>> {
  const pending = page.waitForEvent('download');
  await page.getByTestId(testId).click();
  return unzipSync(new Uint8Array(readFileSync(await (await pending).path())));
}

test('a Hugging Face GPT-2 from the Hub (served locally): LoRA training, exports, and a reload that downloads nothing', async ({ page }) => {
  const hub = await fakeHub(page);
  await page.goto('/?view=studio');
  await expect(page.getByTestId('backend')).toContainText(/webgpu|webgl|wasm|cpu/);
  await expect(page.getByTestId('dataset-count')).toHaveText('400'); // the built-in demo
  expect(hub.requests).toEqual([]); // nothing is fetched until the user asks

  await page.getByTestId('hub-repo').fill(REPO);
  await page.getByTestId('hub-download').click();
  await expect(page.getByTestId('model-source')).toContainText(`Hugging Face ${REPO}`, { timeout: 120_000 });
  await expect(page.getByTestId('model-source')).toContainText('gpt2 BPE (50,257 tokens)');
  const firstRequests = hub.requests.length;
  expect(hub.requests).toContain(`/${REPO}/resolve/main/model.safetensors`);

  // LoRA is on for a real model, and the memory estimate is shown before Train.
  await expect(page.getByTestId('lora-toggle')).toBeChecked();
  await expect(page.getByTestId('memory-estimate')).toContainText('Memory estimate');

  await page.getByTestId('dataset-input').setInputFiles('e2e/fixtures/small-pairs.jsonl');
  await expect(page.getByTestId('dataset-count')).toHaveText('8');
  await page.getByTestId('settings-max-length').fill('32');
  await page.getByTestId('settings-steps').fill('2');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('step-count')).toHaveText('2', { timeout: 5 * 60_000 });
  await expect(page.getByTestId('status')).toHaveText('Ready');

  const adapter = await download(page, 'export-adapter');
  expect(Object.keys(adapter).sort()).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors']);
  expect(JSON.parse(new TextDecoder().decode(adapter['adapter_config.json']))).toMatchObject({ peft_type: 'LORA', base_model_name_or_path: REPO });
  const merged = await download(page, 'export-hf');
  expect(Object.keys(merged)).toEqual(expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json', 'README.md']));
  const trl = await download(page, 'export-trl');
  expect(new TextDecoder().decode(trl['train_dpo.py'])).toContain(REPO);

  // A reload takes the files from the browser's cache: no second download.
  await page.reload();
  await page.getByTestId('hub-repo').fill(REPO);
  await page.getByTestId('hub-download').click();
  await expect(page.getByTestId('model-source')).toContainText(`Hugging Face ${REPO}`, { timeout: 120_000 });
  expect(hub.requests.length).toBe(firstRequests);
});

test('a repo that does not exist gets a message that says so, and the built-in model stays', async ({ page }) => {
  await fakeHub(page);
  await page.goto('/?view=studio&preset=tiny');
  await expect(page.getByTestId('model-source')).toContainText('GPT-2 architecture');
  await page.getByTestId('hub-repo').fill('test-org/missing');
  await page.getByTestId('hub-download').click();
  await expect(page.getByTestId('error')).toContainText(/not found/i);
  await expect(page.getByTestId('model-source')).toContainText('GPT-2 architecture');
});

test("a model folder's files picked from disk load as the model; a wrong config is refused by name", async ({ page }) => {
  await page.goto('/?view=studio&preset=tiny');
  await expect(page.getByTestId('model-source')).toContainText('GPT-2 architecture');
  const files = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json'];
  const mistral = { name: 'config.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ model_type: 'mistral', architectures: ['MistralForCausalLM'] })) };
  const asBuffer = (f: string) => ({ name: f, mimeType: 'application/octet-stream', buffer: readFileSync(join(FIXTURE, f)) });
  await page.getByTestId('hf-files-input').setInputFiles([mistral, ...files.slice(1).map(asBuffer)]);
  await expect(page.getByTestId('error')).toContainText('model_type "mistral" is not supported');
  await expect(page.getByTestId('model-source')).toContainText('GPT-2 architecture'); // the current model is kept

  await page.getByTestId('hf-files-input').setInputFiles(files.map((f) => join(FIXTURE, f)));
  await expect(page.getByTestId('model-source')).toContainText(/Hugging Face .*BPE \(50,257 tokens\)/);
  await page.getByTestId('model-sample').click();
  await expect(page.getByTestId('sample-text')).not.toBeEmpty();
});

test('an export written into a folder the user picks (File System Access), unzipped, sub-folders included', async ({ page }) => {
  // A stand-in for the browser's folder picker that records what is written where.
  await page.addInitScript(() => {
    const written: Record<string, number> = {};
    (window as unknown as { __written: typeof written }).__written = written;
    const dir = (path: string): unknown => ({
      name: path || 'picked',
      getDirectoryHandle: async (name: string) => dir(`${path}${name}/`),
      getFileHandle: async (name: string) => ({
        createWritable: async () => ({
          write: async (bytes: Uint8Array) => void (written[path + name] = bytes.byteLength),
          close: async () => undefined,
        }),
      }),
    });
    (window as unknown as { showDirectoryPicker: () => Promise<unknown> }).showDirectoryPicker = async () => dir('');
  });
  await page.goto('/?view=studio&preset=tiny');
  await expect(page.getByTestId('dataset-count')).toHaveText('400');
  await page.getByTestId('export-to-folder').check();
  await page.getByTestId('export-trl').click();
  await expect.poll(() => page.evaluate(() => Object.keys((window as unknown as { __written: object }).__written).sort())).toEqual(
    expect.arrayContaining(['README.md', 'data/train.jsonl', 'model/config.json', 'model/model.safetensors', 'requirements.txt', 'train_dpo.py']),
  );
  const sizes = await page.evaluate(() => (window as unknown as { __written: Record<string, number> }).__written);
  expect(sizes['model/model.safetensors']).toBeGreaterThan(100_000);
});
