// Takes the README's screenshot: the app on the built-in demo after a short WebGPU run.
// Needs a running `npm run preview` (port 4173) and Debian's Chromium.
import { chromium } from '@playwright/test';

const browser = await chromium.launch({
  executablePath: process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1366, height: 860 } });
await page.goto('http://127.0.0.1:4173/?preset=tiny');
await page.getByTestId('dataset-count').waitFor();
await page.getByTestId('settings-steps').fill('40');
await page.getByTestId('train-start').click();
await page.waitForFunction(() => document.querySelector('[data-testid=step-count]')?.textContent === '40', null, { timeout: 600_000 });
await page.getByTestId('model-sample').click();
await page.getByTestId('sample-text').waitFor();
await page.evaluate(() => window.scrollTo(0, 0));
await page.screenshot({ path: 'docs/screenshot.png' });
await browser.close();
