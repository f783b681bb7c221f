import { defineConfig } from "vitest/config";

/** CI asks for a JSON report as well (TEST_REPORT=path) to print its own summary line. */
const report = process.env.TEST_REPORT;

export default defineConfig({
  test: {
    // Component tests (web/src/**/*.test.{ts,tsx}) run in happy-dom, named by their first line.
    include: ["src/**/*.test.ts", "test/**/*.test.ts", "web/src/**/*.test.{ts,tsx}"],
    // The failover test needs a Patroni cluster of its own: `npm run test:failover` (vitest.failover.config.ts); the
    // restore drills their own instances and archives: `npm run test:restore` (vitest.restore.config.ts).
    exclude: ["**/node_modules/**", "test/ha/**", "test/cluster/**", "test/backup/**"],
    setupFiles: ["test/helpers/setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // `expect.poll` waits for a page or a stream to show what it must; one second (the default) is not long enough
    // on a loaded machine, where a round trip and a render can take several.
    expect: { poll: { timeout: 15_000 } },
    // PGlite instances and Chromium are heavy: two workers on two cores.
    maxWorkers: 2,
    fileParallelism: true,
    reporters: report ? ["default", "json"] : ["default"],
    ...(report ? { outputFile: { json: report } } : {}),
  },
});
