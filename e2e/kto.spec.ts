import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { openAdvancedSettings } from './advanced-settings';

async function studioWith(page: Page, query: string) {
  await page.goto(`/?preset=tiny&view=studio${query}`);
  await expect(page.getByTestId('dataset-count')).toHaveText(/^\d+$/);
  await page.getByTestId('dataset-input').setInputFiles('e2e/fixtures/small-pairs.jsonl');
  await expect(page.getByTestId('dataset-count')).toHaveText('8');
}

test('thumbs up / down on single samples with the keyboard add unpaired rows that survive a reload', async ({ page }) => {
  await studioWith(page, '&backend=cpu');
  await expect(page.getByTestId('dataset-unpaired-count')).toHaveCount(0);
  await page.getByTestId('thumbs-prompt').fill('My review:');
  await page.getByTestId('thumbs-sample').click();
  const thumbs = page.getByTestId('thumbs');
  await expect(thumbs).toBeVisible();
  await thumbs.focus();
  const press = async (key: string, rated: number, unpaired: number) => {
    await expect(thumbs).toHaveAttribute('aria-busy', 'false');
    await page.keyboard.press(key);
    await expect(page.getByTestId('thumbs-count')).toHaveText(`${rated} rated this session · ${unpaired} unpaired rows in the dataset`);
  };
  await press('+', 1, 1);
  await press('-', 2, 2);
  await press('s', 2, 2); // skip: a new sample, no row
  await press('+', 3, 3);
  await press('u', 2, 2); // undo takes the last row back
  await expect(page.getByTestId('dataset-unpaired-count')).toHaveText('2');
  await expect(page.locator('.dataset-summary')).toContainText('2 unpaired (1 👍, 1 👎');
  await expect(page.getByTestId('dataset-count')).toHaveText('8'); // the pairs are untouched

  await page.reload();
  await expect(page.getByTestId('dataset-unpaired-count')).toHaveText('2');
  const download = page.waitForEvent('download');
  await page.getByTestId('dataset-export').click();
  const rows = readFileSync(await (await download).path(), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(rows.filter((r) => 'label' in r).map((r) => [r.prompt, r.label])).toEqual([
    ['My review:', true],
    ['My review:', false],
  ]);
});

test('a KTO run on WebGPU trains on the pairs unpaired and shows kl and both rewards', async ({ page }) => {
  await studioWith(page, '');
  await expect(page.getByTestId('backend')).toContainText('webgpu');
  await openAdvancedSettings(page);
  await page.getByTestId('settings-stage').selectOption('kto');
  await page.getByTestId('settings-undesirable-weight').fill('1.5');
  await page.getByTestId('settings-steps').fill('2');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('chart-loss')).toHaveAttribute('data-points', '2', { timeout: 5 * 60_000 });
  await expect(page.getByTestId('status')).toHaveText('Ready');
  await expect(page.getByTestId('stage')).toHaveText('KTO');
  await expect(page.getByTestId('chart-kl')).toHaveAttribute('data-points', '2');

  const download = page.waitForEvent('download');
  await page.getByTestId('export').click();
  const files = unzipSync(new Uint8Array(readFileSync(await (await download).path())));
  const run = JSON.parse(new TextDecoder().decode(files['run.json']));
  expect(run.kto_config).toMatchObject({ loss_type: 'kto', desirable_weight: 1, undesirable_weight: 1.5 });
  expect(run.settings).toMatchObject({ stage: 'kto', desirableWeight: 1, undesirableWeight: 1.5 });
  const [first] = new TextDecoder().decode(files['metrics.jsonl']).trim().split('\n').map((l) => JSON.parse(l));
  // Step 1 starts from π = π_ref: every row's loss is its weight × (1 − σ(0)), the KL estimate is 0.
  expect(first.kl).toBe(0);
  expect(first.loss).toBeGreaterThan(0.49);
  expect(first.loss).toBeLessThan(0.76);
  expect(Number.isFinite(first['rewards/chosen']) || Number.isFinite(first['rewards/rejected'])).toBe(true);
});
