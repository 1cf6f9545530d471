import { expect, test } from '@playwright/test';
import { exportedFiles, openTiny, text, trainTo } from './studio-page';

test('the same steps on webgpu and on cpu agree to 1e-3', async ({ page }) => {
  const metricsOn = async (backend: string) => {
    await openTiny(page, backend);
    await page.getByTestId('settings-eval-fraction').fill('0');
    await trainTo(page, 3);
    return text((await exportedFiles(page))['metrics.jsonl'])
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  };
  const gpu = await metricsOn('webgpu');
  const cpu = await metricsOn('cpu');
  expect(gpu).toHaveLength(3);
  gpu.forEach((row, i) => {
    for (const [name, value] of Object.entries(row)) {
      const expected = cpu[i][name] as number;
      expect(Math.abs((value as number) - expected), `step ${row.step} ${name}: webgpu ${value} vs cpu ${expected}`).toBeLessThanOrEqual(
        1e-3 * Math.max(1, Math.abs(expected)),
      );
    }
  });
});

test('SFT then DPO against the SFT model, with samples beside the reference', async ({ page }) => {
  await openTiny(page);
  await page.getByTestId('settings-stage').selectOption('sft');
  await page.getByTestId('settings-learning-rate').fill('0.01');
  await trainTo(page, 4);
  await expect(page.getByTestId('stage')).toHaveText('SFT');

  await page.getByTestId('settings-stage').selectOption('dpo');
  await page.getByTestId('settings-learning-rate').fill('0.001');
  await page.getByTestId('settings-sample-every').fill('3');
  await page.getByTestId('settings-max-new-tokens').fill('6');
  await page.getByTestId('loss-sft').check();
  await trainTo(page, 3);
  await expect(page.getByTestId('stage')).toHaveText('DPO');
  await expect(page.getByTestId('samples')).toContainText('Samples at step 3');
  await expect(page.getByTestId('sample-policy')).toHaveCount(1); // one held-out prompt of 8 pairs
  await expect(page.getByTestId('sample-reference')).not.toHaveText(/reference-free/);

  const files = await exportedFiles(page);
  const run = JSON.parse(text(files['run.json']));
  expect(run.settings.stages).toEqual([
    { stage: 'sft', steps: 4 },
    { stage: 'dpo', steps: 3 },
  ]);
  expect(run.settings.lossTypes).toEqual(['sigmoid', 'sft']);
  const first = JSON.parse(text(files['metrics.jsonl']).split('\n')[0]);
  // The DPO run's reference is the SFT model it starts from: its first rewards are exactly 0.
  expect([first.step, first['rewards/chosen'], first['rewards/rejected']]).toEqual([1, 0, 0]);
});

test('an impossible setting is refused before training, naming and marking the field', async ({ page }) => {
  await openTiny(page, 'cpu');
  await page.getByTestId('settings-beta').fill('0');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('error')).toContainText('beta: must be a positive number');
  await expect(page.getByTestId('settings-beta')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('step-count')).toHaveText('0');
});

test('a run whose loss becomes NaN stops as diverged and says what to change', async ({ page }) => {
  await openTiny(page, 'cpu');
  await page.getByTestId('settings-learning-rate').fill('1e30');
  await page.getByTestId('settings-max-grad-norm').fill('0');
  await page.getByTestId('settings-steps').fill('500');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('error')).toContainText('training diverged at step 2: loss became NaN', { timeout: 60_000 });
  await expect(page.getByTestId('error')).toContainText('Lower the learning rate');
  await expect(page.getByTestId('status')).toHaveText('Ready');
  expect(Number(await page.getByTestId('step-count').textContent())).toBeLessThan(500);
});
