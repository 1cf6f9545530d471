import { existsSync } from 'node:fs';

// Debian's Chromium where it is installed (CI, the dev machines: nothing can be downloaded
// there); otherwise Playwright's own browser, as on a user's machine after `npx playwright install`.
// WebGPU runs through SwiftShader where there is no GPU (see ../shared/WEBGPU.md).
export const CHROMIUM_LAUNCH = {
  executablePath: process.env.PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined),
  args: [
    '--no-sandbox',
    '--enable-unsafe-webgpu',
    '--use-webgpu-adapter=swiftshader',
    '--enable-features=Vulkan',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
};
