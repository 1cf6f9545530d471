import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';

test('drop a file with bad rows, label pairs with the keyboard, find them after a reload, and train on them', async ({ page }) => {
  await page.goto('/?preset=tiny&backend=cpu&view=studio');
  await expect(page.getByTestId('dataset-count')).toHaveText('400');
  await page.getByTestId('dataset-input').setInputFiles('src/core/testing/datasets/mixed-bad.jsonl');
  await expect(page.getByTestId('dataset-count')).toHaveText('3');
  await page.getByTestId('dataset-problems').locator('summary').click();
  await expect(page.getByTestId('dataset-problems')).toContainText('row 3, (row): not valid JSON');
  const problems = page.waitForEvent('download');
  await page.getByTestId('problems-download').click();
  const listed = readFileSync(await (await problems).path(), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(listed.map((p) => `${p.kind}:${p.row}:${p.field}`)).toEqual([
    'skipped:2:rejected',
    'skipped:3:(row)',
    'skipped:4:chosen',
    'skipped:6:chosen[0].content',
    'flagged:5:chosen',
  ]);
  await expect(page.getByTestId('dataset-library')).toContainText('mixed-bad.jsonl (3 pairs)');

  await page.getByTestId('compare-prompt').fill('My review:');
  await page.getByTestId('compare-sample').click();
  const compare = page.getByTestId('compare');
  await expect(compare).toBeVisible();
  await compare.focus();
  const press = async (key: string, added: number) => {
    await expect(compare).toHaveAttribute('aria-busy', 'false');
    await page.keyboard.press(key);
    await expect(page.getByTestId('labelled-count')).toHaveText(`${added} pairs added this session`);
  };
  await press('1', 1);
  await press('t', 1); // a tie adds nothing
  await press('2', 2);
  await press('1', 3);
  await press('2', 4);
  await press('u', 3); // undo takes the last pair back
  await expect(page.getByTestId('dataset-count')).toHaveText('6');

  // Written pairs join too.
  await page.locator('.write-pair summary').click();
  await page.getByTestId('write-prompt').fill('Q: best pet?');
  await page.getByTestId('write-first').fill(' A cat.');
  await page.getByTestId('write-second').fill(' A rock.');
  await page.getByTestId('write-add').click();
  await expect(page.getByTestId('dataset-count')).toHaveText('7');

  await page.reload();
  await expect(page.getByTestId('dataset-count')).toHaveText('7');
  await expect(page.getByTestId('dataset-library')).toContainText('mixed-bad.jsonl (7 pairs)');

  const download = page.waitForEvent('download');
  await page.getByTestId('dataset-export').click();
  const lines = readFileSync(await (await download).path(), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(lines).toHaveLength(7);
  expect(lines.slice(3, 6).every((p) => p.prompt === 'My review:' && p.chosen !== p.rejected)).toBe(true);
  expect(lines[6]).toEqual({ prompt: 'Q: best pet?', chosen: ' A cat.', rejected: ' A rock.' });

  await page.getByTestId('settings-steps').fill('2');
  await page.getByTestId('settings-batch-size').fill('2');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('chart-loss')).toHaveAttribute('data-points', '2', { timeout: 120_000 });
  await expect(page.getByTestId('error')).toHaveCount(0);
});
