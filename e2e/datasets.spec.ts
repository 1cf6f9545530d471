import { expect, test } from '@playwright/test';

const DIR = 'src/core/testing/datasets';

test('CSV, Parquet and chat-format files load; bad rows are listed and the rest kept', async ({ page }) => {
  await page.goto('/?preset=tiny&backend=cpu');
  await expect(page.getByTestId('dataset-count')).toHaveText('400');

  await page.getByTestId('dataset-input').setInputFiles(`${DIR}/standard.csv`);
  await expect(page.getByTestId('dataset-count')).toHaveText('3');
  await expect(page.getByTestId('dataset-format')).toHaveText('(csv/standard)');
  await expect(page.getByTestId('dataset-preview')).toContainText('Say hi, "politely"');

  await page.getByTestId('dataset-input').setInputFiles(`${DIR}/standard-snappy.parquet`);
  await expect(page.getByTestId('dataset-format')).toHaveText('(parquet/standard)');

  await page.getByTestId('dataset-input').setInputFiles(`${DIR}/ultrafeedback.jsonl`);
  await expect(page.getByTestId('dataset-format')).toHaveText('(jsonl/conversational)');
  await expect(page.getByTestId('dataset-preview')).toContainText('Purple.');

  await page.getByTestId('dataset-input').setInputFiles(`${DIR}/mixed-bad.jsonl`);
  await expect(page.getByTestId('dataset-count')).toHaveText('3');
  await page.getByTestId('dataset-problems').locator('summary').click();
  await expect(page.getByTestId('dataset-problems')).toContainText('row 2, rejected: missing field "rejected"');
  await expect(page.getByTestId('dataset-problems')).toContainText('row 6, chosen[0].content');
  await expect(page.getByTestId('error')).toHaveCount(0);
});
