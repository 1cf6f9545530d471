import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tools/**/*.test.ts'],
    setupFiles: ['./vitest.setup.ts'],
    environment: 'node',
    testTimeout: 60_000,
    // Both cores: TF.js's cpu backend is single-threaded, so two test files run side by side
    // without slowing each other (the default leaves one core idle on a 2-core machine).
    maxWorkers: 2,
  },
});
