import { defineConfig } from "vitest/config";

/**
 * `npm run test:cluster`: two application processes behind HAProxy, on a Patroni cluster and an object store
 * (test/cluster). Needs Debian's etcd-server, patroni, haproxy, postgresql-15 and Swift (`.ci/run` installs them); it
 * starts and destroys its own cluster, and its own object store unless TEST_S3_ENDPOINT names one.
 */
const report = process.env.TEST_REPORT;

export default defineConfig({
  test: {
    include: ["test/cluster/**/*.test.ts"],
    setupFiles: ["test/helpers/setup.ts"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    maxWorkers: 1,
    reporters: report ? ["default", "json"] : ["default"],
    ...(report ? { outputFile: { json: report } } : {}),
  },
});
