// Takes the README's pictures from the real app: the studio's first screen while a run
// trains (docs/screenshot.png) and the newcomer's path step by step (docs/step-1-model.png,
// docs/step-2-pairs.png, docs/step-3-train.png), at 1440×900 on WebGPU (SwiftShader here).
// Needs a running `npm run preview` (SCREENSHOT_URL, default http://127.0.0.1:4173) and
// Debian's Chromium. The run is held at step 12 (?testHold=12), so the pictures show it
// training, with Stop live, rather than finished.
import { chromium } from '@playwright/test';

const base = process.env.SCREENSHOT_URL ?? 'http://127.0.0.1:4173';
const browser = await chromium.launch({
  executablePath: process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
const testId = (id) => page.getByTestId(id);
/** The union of the elements' boxes, padded, in page coordinates (boundingBox is the viewport's), as a clip for one step's picture. */
async function around(...locators) {
  const [scrollX, scrollY] = await page.evaluate(() => [window.scrollX, window.scrollY]);
  const boxes = (await Promise.all(locators.map((l) => l.boundingBox()))).map((b) => ({ ...b, x: b.x + scrollX, y: b.y + scrollY }));
  const x = Math.min(...boxes.map((b) => b.x)) - 8;
  const y = Math.min(...boxes.map((b) => b.y)) - 8;
  return { x, y, width: Math.max(...boxes.map((b) => b.x + b.width)) + 8 - x, height: Math.max(...boxes.map((b) => b.y + b.height)) + 8 - y };
}

await page.goto(`${base}/?preset=tiny&view=studio&testHold=12`);
await testId('dataset-count').waitFor({ timeout: 120_000 });
await page.getByTestId('suggested-memory').first().filter({ hasNotText: 'estimating' }).waitFor();

// Step 1: the suggested models, each with its size and what a LoRA run needs here.
await page.screenshot({ path: 'docs/step-1-model.png', clip: await around(page.getByRole('list', { name: 'Three steps' }).getByRole('listitem').first(), page.locator('#step-model')), fullPage: true });

// Step 2: the pairs, and two samples to compare with the keyboard.
await testId('compare-prompt').fill('My review:');
await testId('compare-sample').click();
await testId('compare').waitFor({ timeout: 300_000 });
await page.screenshot({ path: 'docs/step-2-pairs.png', clip: await around(page.locator('#step-data'), page.locator('[aria-labelledby=label-title]')), fullPage: true });

// Step 3: Train, with its key settings beside the live charts.
await page.evaluate(() => window.scrollTo(0, 0));
await testId('train-start').click();
await page.waitForFunction(() => document.querySelector('[data-testid=step-count]')?.textContent === '12', null, { timeout: 1_200_000 });
await page.screenshot({ path: 'docs/step-3-train.png', clip: await around(page.locator('#step-train'), page.locator('.settings'), page.locator('.charts')), fullPage: true });
await page.screenshot({ path: 'docs/screenshot.png' });
await testId('train-stop').click();
await browser.close();
