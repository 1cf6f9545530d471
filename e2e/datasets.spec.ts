import { expect, test } from '@playwright/test';

const DIR = 'src/core/testing/datasets';

test('CSV, Parquet and chat-format files load; bad rows are listed and the rest kept', async ({ page }) => {
  await page.goto('/?preset=tiny&backend=cpu&view=studio');
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

test('100k pairs: summary, fast search, edit and delete a row', async ({ page }) => {
  await page.goto('/?preset=tiny&backend=cpu&view=studio');
  await expect(page.getByTestId('dataset-count')).toHaveText('400');
  const rows = Array.from({ length: 100_000 }, (_, i) =>
    JSON.stringify({ prompt: `Question ${i}:`, chosen: ` answer ${i}`, rejected: i % 1000 === 0 ? ` answer ${i}` : ` nope ${i}` }),
  );
  await page
    .getByTestId('dataset-input')
    .setInputFiles({ name: 'big.jsonl', mimeType: 'application/json', buffer: Buffer.from(rows.join('\n')) });
  await expect(page.getByTestId('dataset-count')).toHaveText('100000', { timeout: 60_000 });
  await expect(page.getByTestId('dataset-stats')).toContainText('100 with identical chosen and rejected');
  expect(await page.getByTestId('pair-row').count()).toBeLessThan(20); // virtualized

  await page.getByTestId('pair-search').fill('Question 99999:');
  await expect(page.getByTestId('pair-matches')).toHaveText('1 of 100000 pairs');
  await page.getByRole('button', { name: 'Edit pair 100000' }).click();
  await page.getByTestId('edit-chosen').fill(' a better answer');
  await page.getByTestId('edit-save').click();
  await expect(page.getByTestId('pair-row')).toContainText('a better answer');

  await page.getByTestId('pair-search').fill('Question 5:');
  await page.getByRole('button', { name: 'Delete pair 6' }).click();
  await expect(page.getByTestId('dataset-count')).toHaveText('99999');
  await expect(page.getByTestId('pair-matches')).toHaveText('0 of 99999 pairs');
});

test('other column names: map them once, and the mapping is remembered for files of that shape', async ({ page }) => {
  await page.goto('/?preset=tiny&backend=cpu&view=studio');
  await expect(page.getByTestId('dataset-count')).toHaveText('400');
  await page.getByTestId('dataset-input').setInputFiles(`${DIR}/preference-column.csv`);
  const dialog = page.getByTestId('mapping-dialog');
  await expect(dialog).toBeVisible();
  // Guessed from the names: two outputs and a preference column.
  await expect(page.getByTestId('mapping-first')).toHaveValue('output_1');
  await expect(page.getByTestId('mapping-preference')).toHaveValue('preference');
  await page.getByTestId('mapping-apply').click();
  await expect(page.getByTestId('dataset-count')).toHaveText('2');
  await expect(page.getByTestId('dataset-format')).toHaveText('(csv/mapped)');
  await page.getByTestId('dataset-problems').locator('summary').click();
  await expect(page.getByTestId('dataset-problems')).toContainText('row 3, preference');

  await page.getByTestId('dataset-input').setInputFiles(`${DIR}/stack-exchange.jsonl`);
  await page.getByTestId('mapping-prompt').selectOption('question');
  await page.getByTestId('mapping-apply').click();
  await expect(page.getByTestId('dataset-count')).toHaveText('2');
  await expect(page.getByTestId('dataset-preview')).toContainText('How do I exit vim?');

  // Same shape again: no dialog.
  await page.getByTestId('dataset-input').setInputFiles(`${DIR}/stack-exchange.jsonl`);
  await expect(page.getByTestId('dataset-library')).toContainText('stack-exchange.jsonl (2 pairs)');
  await expect(dialog).toHaveCount(0);
});

test('pasted JSONL text loads like a file', async ({ page }) => {
  await page.goto('/?preset=tiny&backend=cpu&view=studio');
  await expect(page.getByTestId('dataset-count')).toHaveText('400');
  await page.locator('.paste-box summary').click();
  await page
    .getByTestId('paste-input')
    .fill('{"prompt":"p1","chosen":"good","rejected":"bad"}\n{"prompt":"p2","chosen":"yes","rejected":"no"}\n');
  await page.getByTestId('paste-load').click();
  await expect(page.getByTestId('dataset-count')).toHaveText('2');
  await expect(page.getByTestId('dataset-library')).toContainText('pasted.jsonl (2 pairs)');
});
