import { expect, test } from '@playwright/test';

test('strict CSP; loading a dataset makes no network request; row text is never HTML', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text());
  });
  await page.goto('/?preset=tiny&view=studio');
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(csp).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
  expect(csp).toMatch(/connect-src 'self' https:\/\/huggingface\.co/);
  await expect(page.getByTestId('dataset-count')).toHaveText('400');

  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  const hostile = JSON.stringify({
    prompt: '<img src=x onerror="window.pwned=1">',
    chosen: '<b>bold?</b>',
    rejected: '<script>window.pwned=2</script>',
  });
  await page
    .getByTestId('dataset-input')
    .setInputFiles({ name: 'hostile.jsonl', mimeType: 'application/json', buffer: Buffer.from(hostile + '\n') });
  await expect(page.getByTestId('dataset-count')).toHaveText('1');
  await expect(page.getByTestId('dataset-preview')).toContainText('<img src=x onerror="window.pwned=1">');
  expect(await page.getByTestId('dataset-preview').locator('img, b, script').count()).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
  expect(requests).toEqual([]);

  // Training on WebGPU runs under the policy.
  await page.getByTestId('settings-steps').fill('2');
  await page.getByTestId('settings-batch-size').fill('1');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('chart-loss')).toHaveAttribute('data-points', '2', { timeout: 120_000 });
  expect(violations).toEqual([]);
});

test('the wasm fallback starts under the policy', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) violations.push(m.text());
  });
  await page.goto('/?preset=tiny&backend=wasm&view=studio');
  await expect(page.getByTestId('backend')).toContainText('wasm');
  await expect(page.getByTestId('dataset-count')).toHaveText('400');
  expect(violations).toEqual([]);
});
