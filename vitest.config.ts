import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // PGlite instances and Chromium are heavy: two workers on two cores.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
