import { expect, test, type Page } from '@playwright/test';
import { openAdvancedSettings } from './advanced-settings';

const STUDIO = '/?preset=tiny&backend=cpu&view=studio';

/** `hold`: the run waits before step hold + 1 until stopped (?testHold), so "mid-run" is never a race. */
async function openStudio(page: Page, hold: number) {
  await page.goto(`${STUDIO}&testHold=${hold}`);
  await expect(page.getByTestId('dataset-count')).toHaveText('400');
  await openAdvancedSettings(page);
  await page.getByTestId('settings-checkpoint-every').fill('2');
  await page.getByTestId('settings-eval-every').fill('0');
  await page.getByTestId('settings-sample-every').fill('0');
}

test('a run survives a reload: resume continues the step count from its checkpoint', async ({ page }) => {
  await openStudio(page, 8);
  await page.getByTestId('settings-steps').fill('60');
  await page.getByTestId('train-start').click();
  // The run is held at step 8 with its checkpoint saved: reload it mid-run (a fresh page
  // without the hold, so the resumed run can finish).
  await expect(page.getByTestId('step-count')).toHaveText('8', { timeout: 120_000 });
  await expect(async () => {
    const text = (await page.getByTestId('run-checkpoint').first().textContent()) ?? '';
    expect(Number(text.replace('step ', ''))).toBeGreaterThanOrEqual(6);
  }).toPass({ timeout: 60_000 });
  await page.goto(STUDIO);
  const banner = page.getByTestId('interrupted-run');
  await expect(banner).toContainText(/was interrupted at step \d+ of 60; its last checkpoint is at step \d+/, { timeout: 60_000 });
  const checkpointStep = Number((await banner.textContent())!.match(/last checkpoint is at step (\d+)/)![1]);
  expect(checkpointStep).toBeGreaterThanOrEqual(6);
  expect(checkpointStep).toBeLessThanOrEqual(8);
  await expect(page.getByTestId('run-status').first()).toHaveText('interrupted');
  await banner.getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByTestId('step-count')).toHaveText('60', { timeout: 180_000 });
  // The curve holds every step once: the steps before the checkpoint came back from storage.
  await expect(page.getByTestId('chart-loss')).toHaveAttribute('data-points', '60');
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await expect(page.getByTestId('run-status').first()).toHaveText('completed');
});

test('a diverged run keeps its last good checkpoint; a corrupt checkpoint gets a clear message', async ({ page }) => {
  await openStudio(page, 4);
  await page.getByTestId('settings-steps').fill('300');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('step-count')).toHaveText('4', { timeout: 60_000 });
  await page.getByTestId('train-stop').click(); // stopping spends the hold: the next run goes on
  await expect(page.getByTestId('status')).toHaveText('Ready', { timeout: 60_000 });
  await expect(page.getByTestId('step-count')).toHaveText('4');
  await page.getByTestId('settings-learning-rate').fill('1e30');
  await page.getByTestId('settings-max-grad-norm').fill('0');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('error')).toContainText(/training diverged at step \d+/, { timeout: 60_000 });
  await expect(page.getByTestId('run-status').first()).toHaveText('diverged');
  await expect(page.getByTestId('run-checkpoint').first()).toHaveText(/^step \d+$/);

  // Damage the stored checkpoint; resuming must explain, not break the page.
  await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('dpo-studio-runs');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    const tx = db.transaction('checkpoints', 'readwrite');
    const store = tx.objectStore('checkpoints');
    const keys = await new Promise<IDBValidKey[]>((resolve) => {
      const r = store.getAllKeys();
      r.onsuccess = () => resolve(r.result);
    });
    for (const key of keys) store.put(new Uint8Array([9, 9, 9, 9]), key);
    await new Promise((resolve) => (tx.oncomplete = resolve));
  });
  await page.getByTestId('run-row').first().getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByTestId('error')).toContainText(/checkpoint: the file is damaged .* cannot be resumed/);
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  await expect(page.getByTestId('train-start')).toBeEnabled();
});
