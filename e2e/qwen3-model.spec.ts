import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { writeTinyQwen3 } from './fixtures/tiny-qwen3';
import { openAdvancedSettings } from './advanced-settings';

// A tiny Qwen3-layout folder with Qwen3's real tokenizer and chat template, written at test time.
let dir: string;
let files: string[];
test.beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tiny-qwen3-'));
  files = writeTinyQwen3(join(dir, 'model'));
});
test.afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function download(page: Page, testId: string): Promise<Record<string, Uint8Array>> {
  const pending = page.waitForEvent('download');
  await page.getByTestId(testId).click();
  return unzipSync(new Uint8Array(readFileSync(await (await pending).path())));
}

const json = (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes));

test('a Qwen3 folder with its real tokenizer: chat-template pairs, LoRA DPO on WebGPU, chat samples, BF16 export, PEFT adapter and TRL script, and a reload of the export', async ({ page }) => {
  await page.goto('/?view=studio&preset=tiny');
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  await page.getByTestId('hf-files-input').setInputFiles(files);
  await expect(page.getByTestId('model-source')).toContainText(/BPE \(151,669 tokens\)/, { timeout: 120_000 });
  await expect(page.getByTestId('lora-toggle')).toBeChecked();
  // The BF16 base stays 16-bit on WebGPU (the other backends keep float32).
  await expect(page.getByTestId('memory-estimate')).toContainText('weights (16-bit base)');

  await page.getByTestId('dataset-input').setInputFiles('e2e/fixtures/chat-pairs.jsonl');
  await expect(page.getByTestId('dataset-count')).toHaveText('6');
  await openAdvancedSettings(page);
  await page.getByTestId('settings-max-length').fill('48');
  await page.getByTestId('settings-max-prompt-length').fill('32');
  await page.getByTestId('settings-batch-size').fill('2');
  await page.getByTestId('settings-steps').fill('2');
  await page.getByTestId('settings-sample-every').fill('2');
  await page.getByTestId('settings-max-new-tokens').fill('24');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('step-count')).toHaveText('2', { timeout: 5 * 60_000 });
  await expect(page.getByTestId('status')).toHaveText('Ready');

  // Chat samples beside the reference's; special tokens such as <|im_end|> are never shown
  // (where sampling stops is checked on this same model in src/core/model/chat-sampling.test.ts).
  const policy = page.getByTestId('sample-policy');
  await expect(policy.first()).toBeVisible();
  for (const text of await policy.allTextContents()) expect(text).not.toContain('<|im_end|>');

  const adapter = await download(page, 'export-adapter');
  const adapterConfig = json(adapter['adapter_config.json']);
  expect(adapterConfig).toMatchObject({ peft_type: 'LORA', fan_in_fan_out: false, target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj'] });
  const header = new TextDecoder().decode(adapter['adapter_model.safetensors'].subarray(8, 8 + 4000));
  expect(header).toContain('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight');

  const merged = await download(page, 'export-hf');
  expect(json(merged['config.json'])).toMatchObject({ model_type: 'qwen3', architectures: ['Qwen3ForCausalLM'], torch_dtype: 'bfloat16' });
  expect(json(merged['tokenizer_config.json']).chat_template).toContain('<|im_start|>');
  const trl = await download(page, 'export-trl');
  expect(new TextDecoder().decode(trl['train_dpo.py'])).toContain('target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]');

  // The merged export loads back as the model.
  const back = join(dir, 'merged');
  mkdirSync(back);
  const names = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json'];
  for (const name of names) writeFileSync(join(back, name), merged[name]);
  await page.getByTestId('hf-files-input').setInputFiles(names.map((n) => join(back, n)));
  await expect(page.getByTestId('model-source')).toContainText(/BPE \(151,669 tokens\)/);
  await expect(page.getByTestId('error')).toHaveCount(0);
});
