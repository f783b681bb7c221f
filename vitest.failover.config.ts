import { defineConfig } from "vitest/config";

/**
 * `npm run test:failover`: the loss of the database primary on a real Patroni cluster (test/ha). Needs Debian's
 * etcd-server, patroni and haproxy (`.ci/run` installs them); it starts and destroys its own cluster.
 */
const report = process.env.TEST_REPORT;

export default defineConfig({
  test: {
    include: ["test/ha/**/*.test.ts"],
    setupFiles: ["test/helpers/setup.ts"],
    testTimeout: 300_000,
    hookTimeout: 240_000,
    maxWorkers: 1,
    reporters: report ? ["default", "json"] : ["default"],
    ...(report ? { outputFile: { json: report } } : {}),
  },
});
