/**
 * Builds one export in a process of its own and prints its time, the process's peak resident memory (what a
 * worker running an export needs) and what made that peak (V8's heap and the buffers outside it). Started by
 * bench/portfolio.ts with the database and the data folder. It runs the compiled server (build/, made by
 * `node scripts/build.mjs server`), as a worker host does: a TypeScript loader would weigh some 70 MiB more.
 */
import { loadConfig } from "../build/platform/config.js";
import { createLogger } from "../build/platform/logger.js";
import { createContext } from "../build/app/context.js";
import { buildExport } from "../build/modules/requests/index.js";

const [exportId] = process.argv.slice(2);
const config = loadConfig({
  NODE_ENV: "test",
  LOG_LEVEL: "silent",
  DATA_DIR: process.env.DATA_DIR,
  DATABASE_URL: process.env.DATABASE_URL,
  DATABASE_POOL_SIZE: "2",
});
const ctx = await createContext(config, { logger: createLogger("silent") });
const rssAtStart = process.memoryUsage().rss;
/** The peak of each part of the memory, sampled every 25 ms, in MiB. */
const parts = { heapTotal: 0, heapUsed: 0, external: 0 };
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  for (const k of Object.keys(parts)) parts[k] = Math.max(parts[k], m[k] / 2 ** 20);
}, 25);
const t0 = performance.now();
await buildExport({ db: ctx.db, clock: ctx.clock, files: ctx.files, receiptKeys: ctx.receiptKeys }, exportId);
const seconds = (performance.now() - t0) / 1000;
clearInterval(sampler);
await ctx.close();
// maxRSS is in kilobytes: the peak of the whole process's life.
process.stdout.write(JSON.stringify({ seconds, rssAtStartMb: rssAtStart / 2 ** 20, peakRssMb: process.resourceUsage().maxRSS / 1024, peaks: parts }));
