import { ConfigError, loadConfig } from "../platform/config.js";
import { DataDirLockedError } from "../platform/db/lock.js";
import { createContext } from "./context.js";
import { buildHttpApp } from "./http.js";
import { demoAccountsText, loadDemoData } from "./demo.js";
import { restoreDemoSnapshot } from "./demo-snapshot.js";
import { startBackgroundWork } from "./worker.js";

/** `npm start`: migrations, demo data on an empty database, the worker and the web server. */
async function main() {
  const startedAt = performance.now();
  const config = loadConfig();
  // A first start of the embedded default unpacks the demo prepared at install, when it is fresh.
  const unpacked = config.demoData && !config.databaseUrl && restoreDemoSnapshot(config.dataDir, new Date());
  const ctx = await createContext(config);
  if (unpacked) ctx.logger.info("demo data unpacked from the archive prepared at install");
  if (config.demoData && (await loadDemoData({ ...ctx, publicUrl: config.publicUrl }))) ctx.logger.info("demo data loaded");
  const app = await buildHttpApp(ctx);
  await app.listen({ host: config.host, port: config.port });
  // The worker and the housekeeping start once the server answers: their first round (a first start catching up on
  // a day of deadlines, the file sweep) no longer delays it.
  const stopBackground = config.runWorker ? startBackgroundWork(ctx) : async () => {};
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${port}`;
  const readyMs = Math.round(performance.now() - startedAt);
  ctx.logger.info({ url, database: ctx.database.kind, readyMs }, "Messagerie Pro is ready");
  if (!config.isProduction) {
    process.stdout.write(`\nMessagerie Pro est prête : ${url}  (base ${ctx.database.kind}, ${readyMs} ms)\n`);
    process.stdout.write(`API : ${url}/api/docs — courriels de test : ${url}/dev/mail — courriers : ${url}/dev/letters\n\n`);
    if (config.demoData) process.stdout.write(`${demoAccountsText(url)}\n\n`);
  }

  // Graceful shutdown (product §17): stop accepting, let the requests in flight finish (bounded by
  // SHUTDOWN_GRACE_MS), end event streams with a retry hint, release the database. A second signal exits at once.
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) {
      ctx.logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    closing = true;
    ctx.logger.info({ signal, graceMs: config.shutdownGraceMs }, "shutting down");
    const deadline = setTimeout(() => {
      ctx.logger.warn({ graceMs: config.shutdownGraceMs }, "requests still in flight after the grace period: exiting");
      process.exit(1);
    }, config.shutdownGraceMs);
    deadline.unref();
    await app.close();
    await stopBackground();
    await ctx.close();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof DataDirLockedError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Démarrage impossible : ${error instanceof Error ? error.message : String(error)}\n`);
  }
  process.exit(1);
});
