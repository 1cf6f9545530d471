// TRL v1.9.0's loss types and options in the studio: chosen in the form under TRL's names,
// refused when TRL would refuse them, trained on WebGPU (the fused token log-prob kernels
// with WPO's per-row vocabulary sums beside them) and on cpu with the same numbers.
import { expect, test } from '@playwright/test';
import { exportedFiles, openTiny, text, trainTo } from './studio-page';

test('WPO weighting with aot is refused before training, naming and marking use_weighting', async ({ page }) => {
  await openTiny(page, 'cpu');
  await page.getByTestId('loss-aot').check();
  await page.getByTestId('settings-use-weighting').check();
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('error')).toContainText('useWeighting: WPO weights each pair, but aot sorts the batch');
  await expect(page.locator('label.field-error', { has: page.getByTestId('settings-use-weighting') })).toHaveCount(1);
  await expect(page.getByTestId('step-count')).toHaveText('0');
});

test('discopop with WPO, LD-DPO and the JS divergence: webgpu and cpu agree to 1e-3, run.json records the options', async ({ page }) => {
  const runOn = async (backend: string) => {
    await openTiny(page, backend);
    await page.getByTestId('settings-eval-fraction').fill('0');
    await page.getByTestId('loss-sigmoid').uncheck();
    await page.getByTestId('loss-discopop').check();
    await page.getByTestId('settings-use-weighting').check();
    await page.getByTestId('settings-ld-alpha').fill('0.5');
    await page.getByTestId('settings-f-divergence-type').selectOption('js_divergence');
    await trainTo(page, 3);
    const files = await exportedFiles(page);
    const rows = text(files['metrics.jsonl'])
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number>);
    return { rows, run: JSON.parse(text(files['run.json'])) };
  };
  const gpu = await runOn('webgpu');
  expect(gpu.run.settings).toMatchObject({ lossTypes: ['discopop'], useWeighting: true, ldAlpha: 0.5, fDivergenceType: 'js_divergence', discopopTau: 0.05 });
  const cpu = await runOn('cpu');
  expect(gpu.rows).toHaveLength(3);
  gpu.rows.forEach((row, i) => {
    for (const [name, value] of Object.entries(row)) {
      const expected = cpu.rows[i][name];
      expect(Math.abs(value - expected), `step ${row.step} ${name}: webgpu ${value} vs cpu ${expected}`).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(expected)));
    }
  });
});
