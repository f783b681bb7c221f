/**
 * Builds one export in a process of its own and prints its time and the process's peak resident memory (what a
 * worker running an export needs). Started by bench/portfolio.ts with the database and the data folder.
 */
import { loadConfig } from "../src/platform/config.js";
import { createLogger } from "../src/platform/logger.js";
import { createContext } from "../src/app/context.js";
import { buildExport } from "../src/modules/requests/index.js";

const [exportId] = process.argv.slice(2);
const config = loadConfig({
  NODE_ENV: "test",
  LOG_LEVEL: "silent",
  DATA_DIR: process.env.DATA_DIR!,
  DATABASE_URL: process.env.DATABASE_URL!,
  DATABASE_POOL_SIZE: "2",
});
const ctx = await createContext(config, { logger: createLogger("silent") });
const rssAtStart = process.memoryUsage().rss;
const t0 = performance.now();
await buildExport({ db: ctx.db, clock: ctx.clock, files: ctx.files, receiptKeys: ctx.receiptKeys }, exportId!);
const seconds = (performance.now() - t0) / 1000;
await ctx.close();
// maxRSS is in kilobytes: the peak of the whole process's life.
process.stdout.write(JSON.stringify({ seconds, rssAtStartMb: rssAtStart / 2 ** 20, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
