import { expect, type Page } from '@playwright/test';

/**
 * Opens the advanced settings. The memory estimate above them arrives from the worker and can
 * move the summary while a click is on its way (seen under load: the click missed, and a
 * later fill waited ten minutes for a hidden field), so click until the section is open.
 */
export async function openAdvancedSettings(page: Page): Promise<void> {
  const details = page.locator('details.advanced');
  await expect(async () => {
    if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open))) await details.locator('summary').click();
    await expect(details).toHaveJSProperty('open', true, { timeout: 1_000 });
  }).toPass({ timeout: 30_000 });
}
