import { defineConfig } from "vitest/config";

/**
 * `npm run test:restore`: the restore drills (test/backup). On the PostgreSQL server, an instance of its own archiving
 * its WAL with pgBackRest (Debian's `pgbackrest`, `.ci/run` installs it), restored to a point in time on another.
 */
const report = process.env.TEST_REPORT;

export default defineConfig({
  test: {
    include: ["test/backup/**/*.test.ts"],
    setupFiles: ["test/helpers/setup.ts"],
    testTimeout: 600_000,
    hookTimeout: 240_000,
    maxWorkers: 1,
    reporters: report ? ["default", "json"] : ["default"],
    ...(report ? { outputFile: { json: report } } : {}),
  },
});
