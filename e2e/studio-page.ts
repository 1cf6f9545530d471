import { expect, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { openAdvancedSettings } from './advanced-settings';

/** The studio on the tiny preset with the 8-pair fixture loaded and the advanced settings open. */
export async function openTiny(page: Page, backend?: string) {
  await page.goto(`/?preset=tiny&view=studio${backend ? `&backend=${backend}` : ''}`);
  await expect(page.getByTestId('backend')).toContainText(backend ?? 'webgpu');
  // The start-up dataset (the built-in demo, or the one restored from this browser) is in first.
  await expect(page.getByTestId('dataset-count')).toHaveText(/^\d+$/);
  await page.getByTestId('dataset-input').setInputFiles('e2e/fixtures/small-pairs.jsonl');
  await expect(page.getByTestId('dataset-count')).toHaveText('8');
  await openAdvancedSettings(page);
}

/** Trains until the loss chart has `steps` points and the run is idle again. */
export async function trainTo(page: Page, steps: number) {
  await page.getByTestId('settings-steps').fill(String(steps));
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('chart-loss')).toHaveAttribute('data-points', String(steps), { timeout: 5 * 60_000 });
  await expect(page.getByTestId('status')).toHaveText('Ready');
}

/** The Export button's zip, unzipped. */
export async function exportedFiles(page: Page) {
  const download = page.waitForEvent('download');
  await page.getByTestId('export').click();
  return unzipSync(new Uint8Array(readFileSync(await (await download).path())));
}

export const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
