import type { Page } from '@playwright/test';

/** Logs what WebGPU adapter the page got, so a failure says what it ran on. */
export async function logWebGpuAdapter(page: Page): Promise<void> {
  const info = await page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
    if (!gpu) return 'navigator.gpu missing';
    const adapter = (await gpu.requestAdapter()) as null | { info?: object; features: Set<string>; limits: Record<string, number> };
    if (!adapter) return 'no adapter';
    const limits: Record<string, number> = {};
    for (const key of ['maxStorageBuffersPerShaderStage', 'maxComputeWorkgroupStorageSize', 'maxBufferSize'])
      limits[key] = adapter.limits[key];
    const info = adapter.info as Record<string, string> | undefined;
    return JSON.stringify({ vendor: info?.vendor, architecture: info?.architecture, features: [...adapter.features], limits });
  });
  console.log(`WebGPU adapter: ${info}`);
}
