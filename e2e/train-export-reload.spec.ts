import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { readSafetensors } from '../src/core/io/safetensors';
import { logWebGpuAdapter } from './webgpu-info';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('train on WebGPU with live charts, stop, export, and reload the trained model', async ({ page }) => {
  // Runs wait before step 17 until stopped (?testHold=16), so the stop below meets a run mid-way.
  await page.goto('/?preset=tiny&view=studio&testHold=16');
  await logWebGpuAdapter(page);
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  await expect(page.getByTestId('dataset-count')).toHaveText('400'); // the built-in demo

  await page.getByTestId('dataset-input').setInputFiles('e2e/fixtures/small-pairs.jsonl');
  await expect(page.getByTestId('dataset-count')).toHaveText('8');
  await expect(page.getByTestId('dataset-preview')).toContainText('Review of');

  await page.getByTestId('settings-steps').fill('12');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('status')).toHaveText(/Compiling|Training/);
  // The page stays usable while the worker trains: typing lands at once.
  await page.getByTestId('settings-beta').fill('0.2');
  await expect(page.getByTestId('settings-beta')).toHaveValue('0.2');
  await expect(page.getByTestId('step-count')).toHaveText('12', { timeout: 5 * 60_000 });
  await expect(page.getByTestId('status')).toHaveText('Ready');
  for (const chart of ['chart-loss', 'chart-margin']) {
    expect(Number(await page.getByTestId(chart).getAttribute('data-points'))).toBe(12);
  }
  expect(Number(await page.getByTestId('steps-per-second').textContent())).toBeGreaterThan(0);

  // Continue with β = 0.2 and stop part-way: the step count carries on from 12.
  await page.getByTestId('settings-steps').fill('1000');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('step-count')).toHaveText('16', { timeout: 120_000 });
  await page.getByTestId('train-stop').click();
  await expect(page.getByTestId('status')).toHaveText('Ready');
  const stoppedAt = Number(await page.getByTestId('step-count').textContent());
  expect(stoppedAt).toBe(16);

  await page.getByTestId('model-sample').click();
  const trainedSample = await page.getByTestId('sample-text').textContent();

  const downloadPromise = page.waitForEvent('download');
  await page.getByTestId('export').click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toMatch(/\.zip$/);
  const zipPath = await download.path();
  const files = unzipSync(new Uint8Array(readFileSync(zipPath)));

  const metrics = new TextDecoder()
    .decode(files['metrics.jsonl'])
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  expect(metrics.map((m) => m.step)).toEqual(Array.from({ length: stoppedAt }, (_, i) => i + 1));
  expect(metrics[0].loss).toBeCloseTo(Math.LN2, 4);
  const margins = metrics.map((m) => m['rewards/margins'] as number);
  expect(mean(margins.slice(-3))).toBeGreaterThan(mean(margins.slice(0, 3)));

  const config = JSON.parse(new TextDecoder().decode(files['config.json']));
  const { tensors } = readSafetensors(files['model.safetensors']);
  expect(config.model_type).toBe('gpt2');
  expect(tensors.size).toBe(4 + 12 * config.n_layer);
  expect(tensors.get('wte.weight')!.shape).toEqual([config.vocab_size, config.n_embd]);
  expect(tensors.get('wpe.weight')!.shape).toEqual([config.n_positions, config.n_embd]);
  expect(tensors.get(`h.${config.n_layer - 1}.mlp.c_fc.weight`)!.shape).toEqual([config.n_embd, 4 * config.n_embd]);
  expect(JSON.parse(new TextDecoder().decode(files['run.json']))).toMatchObject({ step: stoppedAt, settings: { beta: 0.2, seed: 42 } });
  expect(Object.keys(files)).toEqual(expect.arrayContaining(['tokenizer.json']));

  // A fresh page has a fresh model; dropping the zip back brings the trained one.
  await page.goto('/?preset=tiny&view=studio');
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  await page.getByTestId('model-input').setInputFiles(zipPath);
  await expect(page.getByTestId('model-source')).toContainText(`trained ${stoppedAt} steps`);
  await page.getByTestId('model-sample').click();
  await expect(page.getByTestId('sample-text')).toHaveText(trainedSample ?? '');
  await expect(page.getByTestId('error')).toHaveCount(0);
});

test('a file with no usable rows is refused with the line and field, and the loaded data is kept', async ({ page }) => {
  await page.goto('/?preset=tiny&view=studio');
  await expect(page.getByTestId('dataset-count')).toHaveText('400');
  await page.getByTestId('dataset-input').setInputFiles({
    name: 'broken.jsonl',
    mimeType: 'application/json',
    buffer: Buffer.from('{"prompt":"a","chosen":"b"}\nnot json\n'),
  });
  await expect(page.getByTestId('error')).toContainText('row 1, rejected');
  await expect(page.getByTestId('dataset-count')).toHaveText('400');
});
