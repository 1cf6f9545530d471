import { defineConfig } from '@playwright/test';
import { CHROMIUM_LAUNCH } from './tools/chromium-launch';

// E2E_PORT lets two checkouts run their end-to-end tests side by side without one reusing the
// other's preview server.
const port = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: 'e2e',
  timeout: 10 * 60_000,
  expect: { timeout: 60_000 },
  // Two at once: a SwiftShader test leaves about half of the two cores idle while it waits on
  // pages and the worker (a full run 8.9 → 6.2 min here); every wait is on an event, not a time.
  workers: 2,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    acceptDownloads: true,
    launchOptions: CHROMIUM_LAUNCH,
  },
  webServer: {
    command: `npm run -s build && npx vite preview --host 127.0.0.1 --port ${port} --strictPort`,
    url: `http://127.0.0.1:${port}`,
    timeout: 180_000,
    reuseExistingServer: !process.env.CI,
  },
});
