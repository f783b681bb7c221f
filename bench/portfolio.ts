import { createHash, randomBytes, randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { execFile, execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../src/platform/config.js";
import { createLogger } from "../src/platform/logger.js";
import { createContext, type AppContext } from "../src/app/context.js";
import { DEMO_SERVICES, SEED } from "../src/app/demo.js";
import { makeActiveSpace, makeCompany, makePortfolio, makeTaxService } from "../src/app/factories.js";
import { withLuhnKey } from "../src/modules/companies/index.js";
import { adhesionRightsPort } from "../src/modules/rights/index.js";
import { runAdhesionBatch, submitAdhesionBatch } from "../src/modules/adhesions/index.js";
import { buildExport, fileRequest, requestExport } from "../src/modules/requests/index.js";
import { openFreshDatabase } from "../test/helpers/db.js";

const paris11 = { streetNumber: "10", streetType: "RUE", streetName: "OBERKAMPF", postalCode: "75011", communeName: "PARIS 11", communeCode: "75111" };

async function benchContext(adminUrl: string | undefined): Promise<{ ctx: AppContext; dataDir: string; databaseUrl: string | undefined }> {
  const dataDir = mkdtempSync(join(tmpdir(), "mp-bench-portfolio-"));
  const database = await openFreshDatabase(adminUrl, { dataDir: join(dataDir, "db"), prefix: "mp_bench_portfolio" });
  const config = loadConfig({ NODE_ENV: "test", LOG_LEVEL: "silent", DATA_DIR: dataDir });
  const ctx = await createContext(config, { database, logger: createLogger("silent") });
  for (const s of DEMO_SERVICES) await makeTaxService(ctx, s);
  return { ctx, dataDir, databaseUrl: database.url };
}

/**
 * Bulk adhesion of 500 SIREN by a firm's administrator: from the submission to the last line's result, every
 * letter issued and queued for rendering (as the HTTP route and the worker do it, without the network).
 */
export async function benchBulkAdhesion(adminUrl: string | undefined, lines = 500) {
  const { ctx, dataDir } = await benchContext(adminUrl);
  try {
    await makeCompany(ctx, { ...SEED.gestion, ...paris11 });
    const { spaceId } = await makeActiveSpace(ctx, {
      email: "cabinet.comptable@gestion.com",
      password: "Vingt-Trois-Lapins-Bleus",
      firstName: "Claire",
      lastName: "Vasseur",
      siren: SEED.gestion.siren,
    });
    await makePortfolio(
      { ...ctx, publicUrl: "http://localhost" },
      { spaceId, sirens: [SEED.gestion.siren], services: ["compte_fiscal"], quality: "legal_representative" },
    );
    const sirens = Array.from({ length: lines }, (_, i) => withLuhnKey(String(70_000_000 + i * 11)));
    for (const siren of sirens) await makeCompany(ctx, { siren, name: `CLIENT ${siren}`, ...paris11 });
    const deps = { db: ctx.db, clock: ctx.clock, hasher: ctx.hasher, sealer: ctx.sealer, publicUrl: "http://localhost", rights: adhesionRightsPort };
    const t0 = performance.now();
    const { batchId } = await submitAdhesionBatch(deps, spaceId, {
      quality: "mandated",
      services: ["compte_fiscal", "tva_declarer"],
      items: sirens.map((siren) => ({ siren })),
    });
    // A firm may open 200 a day: the bench states an allowance that covers its 500 lines, to measure their work.
    await runAdhesionBatch(deps, batchId, { allowance: lines });
    const seconds = (performance.now() - t0) / 1000;
    const created = Number(
      (
        await ctx.db
          .selectFrom("adhesion_batch_items")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .where("batch_id", "=", batchId)
          .where("status", "=", "created")
          .executeTakeFirstOrThrow()
      ).n,
    );
    const queued = Number(
      (
        await ctx.db
          .selectFrom("letters")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .where("status", "=", "edited")
          .executeTakeFirstOrThrow()
      ).n,
    );
    return { lines, created, lettersQueued: queued, seconds };
  } finally {
    await ctx.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** What the export's own process measured: its time, its resident memory, and the peaks of V8's heap and of the buffers outside it (MiB). */
type ChildMeasure = { seconds: number; rssAtStartMb: number; peakRssMb: number; peaks: { heapTotal: number; heapUsed: number; external: number } };

function buildInChild(databaseUrl: string, dataDir: string, exportId: string, flags: string[]): Promise<ChildMeasure> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...flags, fileURLToPath(new URL("./export-child.mjs", import.meta.url)), exportId],
      { env: { ...process.env, DATABASE_URL: databaseUrl, DATA_DIR: dataDir }, maxBuffer: 1 << 20 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as ChildMeasure)),
    );
  });
}

/**
 * An export of `requests` requests holding `attachments` attachments of `attachmentKiB` each: the time, the
 * throughput and the growth of the process's resident memory while the ZIP is written (sampled every 20 ms).
 */
export async function benchExport(adminUrl: string | undefined, requests = 1_000, attachments = 2_000, attachmentKiB = 128) {
  const { ctx, dataDir, databaseUrl } = await benchContext(adminUrl);
  try {
    const siren = withLuhnKey("71000000");
    await makeCompany(ctx, { siren, name: "CLIENT EXPORT", ...paris11 });
    await makeCompany(ctx, { ...SEED.gestion, ...paris11 });
    const { spaceId } = await makeActiveSpace(ctx, {
      email: "cabinet.comptable@gestion.com",
      password: "Vingt-Trois-Lapins-Bleus",
      firstName: "Claire",
      lastName: "Vasseur",
      siren: SEED.gestion.siren,
    });
    await makePortfolio(
      { ...ctx, publicUrl: "http://localhost" },
      { spaceId, sirens: [siren], services: ["messagerie"], companyEmail: () => "contact@client-export.example" },
    );
    const messageIds: string[] = [];
    for (let i = 0; i < requests; i++) {
      const filed = await fileRequest(ctx, spaceId, {
        siren,
        tax: "TVA",
        nature: "question",
        subject: `Demande ${i}`,
        body: `Bonjour, question numéro ${i}.`,
        uploadIds: [],
      });
      const m = await ctx.db.selectFrom("messages").select("id").where("request_id", "=", filed.id).executeTakeFirstOrThrow();
      messageIds.push(m.id);
    }
    // The attachments, each its own content in the file store, linked as uploads are.
    for (let i = 0; i < attachments; i++) {
      const content = randomBytes(attachmentKiB * 1024);
      const staged = await ctx.files.stage(Readable.from([content]));
      await staged.keep();
      const uploadId = randomUUID();
      const now = new Date();
      await ctx.db
        .insertInto("uploads")
        .values({
          id: uploadId,
          space_id: spaceId,
          agent_id: null,
          name: `piece-${i}.bin`,
          size: content.length,
          media_type: "application/octet-stream",
          sha256: createHash("sha256").update(content).digest("hex"),
          storage_key: staged.key,
          scan_status: "not_scanned",
          created_at: now,
          attached_at: now,
        })
        .execute();
      await ctx.db
        .insertInto("attachments")
        .values({ id: randomUUID(), message_id: messageIds[i % messageIds.length]!, upload_id: uploadId, position: Math.floor(i / messageIds.length) })
        .execute();
    }
    const { exportId } = await requestExport(ctx, spaceId, {});
    let measured: {
      seconds: number;
      rssAtStartMb: number;
      peakRssMb: number;
      where: string;
      peaks?: ChildMeasure["peaks"];
      capped?: ChildMeasure;
    };
    if (adminUrl) {
      // On a server, the export is built by a process of its own: its peak RSS is the worker's need, unmixed. V8
      // collects lazily under its default heap limit (gigabytes here); built again with a 96 MiB heap, the export
      // must still finish, which shows what it holds at once.
      // The child runs the compiled server, as a worker host does: built here when its sources changed.
      execFileSync(process.execPath, [fileURLToPath(new URL("../scripts/build.mjs", import.meta.url)), "server"], { stdio: "ignore" });
      const free = await buildInChild(databaseUrl!, dataDir, exportId, []);
      await ctx.db.updateTable("exports").set({ status: "running" }).where("id", "=", exportId).execute();
      const capped = await buildInChild(databaseUrl!, dataDir, exportId, ["--max-old-space-size=96"]);
      measured = { ...free, where: "a worker process of its own", capped };
    } else {
      // PGlite is one process: the export is built here, and the growth of this process is what is measured.
      global.gc?.();
      const rssBefore = process.memoryUsage().rss;
      let rssPeak = rssBefore;
      const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 20);
      const t0 = performance.now();
      await buildExport({ db: ctx.db, clock: ctx.clock, files: ctx.files, receiptKeys: ctx.receiptKeys }, exportId);
      clearInterval(sampler);
      measured = {
        seconds: (performance.now() - t0) / 1000,
        rssAtStartMb: rssBefore / 2 ** 20,
        peakRssMb: rssPeak / 2 ** 20,
        where: "the benchmark's process (embedded database)",
      };
    }
    const row = await ctx.db.selectFrom("exports").select(["size", "status"]).where("id", "=", exportId).executeTakeFirstOrThrow();
    const bytes = Number(row.size);
    return { requests, attachments, attachmentKiB, bytes, mbPerSecond: bytes / 1e6 / measured.seconds, ...measured };
  } finally {
    await ctx.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
