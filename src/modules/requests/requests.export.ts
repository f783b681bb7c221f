import { createHash, randomUUID } from "node:crypto";
import { Readable, Transform } from "node:stream";
import { sql, type Kysely } from "kysely";
import yazl from "yazl";
import type { DB } from "../../platform/db/schema.js";
import type { Clock } from "../../platform/clock.js";
import { DAY } from "../../platform/clock.js";
import { DomainError } from "../../platform/errors.js";
import { enqueue, type OutboxHandler } from "../../platform/outbox.js";
import type { FileStore, StagedFile } from "../../platform/files.js";
import { getCompanies } from "../companies/index.js";
import { getSpaces } from "../spaces/index.js";
import { appendJournal } from "../journal/index.js";
import { exportReadyMail, queueMail } from "../mail/index.js";
import { messagerieScope } from "../rights/index.js";
import * as repo from "./requests.repository.js";
import { safeFileName } from "./requests.uploads.js";
import { storeStaged } from "./requests.stored-files.js";
import { serviceNames, threadOf } from "./requests.views.js";
import { transcriptPdf } from "./requests.transcript.js";
import type { RequestStatus } from "../../platform/db/schema.js";
import type { ReceiptKeys } from "./requests.receipts.js";
import { keyFingerprint } from "../../platform/crypto.js";
import { cmsSignDetached } from "../../platform/signing.js";

/**
 * Signed exports (product §14): the threads a person may see, for chosen companies and filters, as one ZIP with
 * a transcript, the receipt and the attachments of each request, a manifest of every file with its SHA-256, and
 * the manifest's signature, `manifest.p7s`: CMS detached, DER, which `openssl cms -verify` checks with the
 * platform's certificate (GET /api/v1/receipts/certificate). Built by the worker with bounded memory; kept 7 days.
 */
export const EXPORT_RULES = { keepMs: 7 * DAY, maxCompanies: 10_000, pageSize: 50, maxQueuedEntries: 16 };
export const EXPORT_BUILD_KIND = "export.build";

export type ExportScope = {
  sirens?: string[] | undefined;
  tax?: string | undefined;
  status?: RequestStatus | undefined;
  from?: string | undefined;
  to?: string | undefined;
  receivedFrom?: string | undefined;
  receivedBefore?: string | undefined;
};
export type ExportDeps = { db: Kysely<DB>; clock: Clock; files: FileStore; receiptKeys: ReceiptKeys };

/** A manifest of an export: what it covers, for whom, and each file's path, size and SHA-256. */
export type ExportManifest = {
  format: "messagerie-pro-export/1";
  exportId: string;
  createdAt: string;
  person: { name: string; connectionEmail: string };
  scope: ExportScope;
  requests: number;
  /** The SHA-256 of the signing certificate's public key (DER SubjectPublicKeyInfo): the certificate is at GET /api/v1/receipts/certificate. */
  keyFingerprint?: string;
  files: { path: string; size: number; sha256: string }[];
};

/** Records an export and queues its building; answers its id. */
export async function requestExport(deps: Pick<ExportDeps, "db" | "clock">, spaceId: string, scope: ExportScope): Promise<{ exportId: string }> {
  if (scope.sirens && scope.sirens.length > EXPORT_RULES.maxCompanies) {
    throw new DomainError("too_large", "too_many_companies", `Un export porte sur ${EXPORT_RULES.maxCompanies} entreprises au plus.`);
  }
  const now = deps.clock.now();
  const id = randomUUID();
  await deps.db.transaction().execute(async (tx) => {
    await tx
      .insertInto("exports")
      .values({
        id,
        space_id: spaceId,
        scope: JSON.stringify(scope),
        status: "running",
        created_at: now,
        size: null,
        file_path: null,
        storage_key: null,
        sha256: null,
        error: null,
        finished_at: null,
        expires_at: null,
      })
      .execute();
    await appendJournal(tx, now, { actor: { kind: "person", id: spaceId }, action: "export.requested", subject: { type: "export", id }, data: { scope } });
    await enqueue(tx, now, EXPORT_BUILD_KIND, { exportId: id });
  });
  return { exportId: id };
}

export type ExportView = {
  id: string;
  status: "running" | "ready" | "failed";
  progress: number;
  requests: number;
  size: number | null;
  createdAt: Date;
  expiresAt: Date | null;
  scope: ExportScope;
};

/** One of the person's exports (anyone else's answers 404). */
export async function getExport(deps: Pick<ExportDeps, "db" | "clock">, spaceId: string, id: string): Promise<ExportView> {
  const row = await deps.db.selectFrom("exports").selectAll().where("id", "=", id).where("space_id", "=", spaceId).executeTakeFirst();
  if (!row || (row.expires_at && row.expires_at <= deps.clock.now()))
    throw new DomainError("not_found", "not_found", "Export introuvable (il est conservé 7 jours).");
  return {
    id: row.id,
    status: row.status,
    progress: row.requests === 0 ? (row.status === "running" ? 0 : 1) : row.done / row.requests,
    requests: row.requests,
    size: row.size === null ? null : Number(row.size),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    scope: row.scope,
  };
}

/** The person's recent exports, newest first. */
export async function listExports(deps: Pick<ExportDeps, "db" | "clock">, spaceId: string): Promise<ExportView[]> {
  const rows = await deps.db
    .selectFrom("exports")
    .select("id")
    .where("space_id", "=", spaceId)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", deps.clock.now())]))
    .orderBy("created_at", "desc")
    .limit(20)
    .execute();
  return Promise.all(rows.map((r) => getExport(deps, spaceId, r.id)));
}

/** The person's visible requests in the export's scope, as a query to finish (a page, or a count). */
function scoped<O>(q: import("kysely").SelectQueryBuilder<DB, "requests", O>, spaceId: string, scope: ExportScope, at: Date) {
  let r = q.where(messagerieScope(spaceId, at));
  if (scope.sirens?.length) r = r.where("requests.siren", "in", scope.sirens);
  if (scope.tax) r = r.where("requests.tax", "=", scope.tax);
  if (scope.status) r = r.where("requests.status", "=", scope.status);
  if (scope.receivedFrom) r = r.where("requests.received_at", ">=", new Date(scope.receivedFrom));
  if (scope.receivedBefore) r = r.where("requests.received_at", "<", new Date(scope.receivedBefore));
  return r;
}

/** A page of the scope, keyset on (received_at, id). */
async function pageOfScope(db: Kysely<DB>, spaceId: string, scope: ExportScope, at: Date, after: { at: Date; id: string } | undefined) {
  let q = scoped(db.selectFrom("requests").select(repo.REQUEST_COLUMNS), spaceId, scope, at);
  if (after) q = q.where(sql<boolean>`(requests.received_at, requests.id) > (${after.at}, ${after.id}::uuid)`);
  return q.orderBy("requests.received_at").orderBy("requests.id").limit(EXPORT_RULES.pageSize).execute();
}

async function countScope(db: Kysely<DB>, spaceId: string, scope: ExportScope, at: Date): Promise<number> {
  const q = scoped(
    db.selectFrom("requests").select((eb) => eb.fn.countAll<string>().as("n")),
    spaceId,
    scope,
    at,
  );
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/**
 * Builds an export: pages of requests, each entry hashed as it is written, at most a few entries queued in the
 * ZIP writer at once (memory stays bounded whatever the number and size of attachments). Rerun from scratch
 * after a crash (the half-written file is replaced).
 */
export async function buildExport(deps: ExportDeps, exportId: string): Promise<void> {
  const row = await deps.db.selectFrom("exports").selectAll().where("id", "=", exportId).executeTakeFirst();
  if (!row || row.status !== "running") return;
  const scope = row.scope as ExportScope;
  const startedAt = deps.clock.now();
  const [person] = await getSpaces(deps.db, [row.space_id]);
  const total = await countScope(deps.db, row.space_id, scope, startedAt);
  await deps.db.updateTable("exports").set({ requests: total, done: 0 }).where("id", "=", exportId).execute();
  const zip = new yazl.ZipFile();
  const files: ExportManifest["files"] = [];
  let staged: StagedFile;
  let queued = 0;
  let wake: (() => void) | undefined;
  let failure: Error | undefined;
  /** The entries handed to the writer and not yet read into the archive, each with what ends it early. */
  const unfinished = new Map<Promise<void>, () => void>();
  /**
   * The first failure (an entry that cannot be read, an archive that cannot be written) stops the build: the
   * entries still open are closed, and an entry waiting for room in the writer goes on to throw it.
   */
  const fail = (error: Error) => {
    failure ??= error;
    for (const abort of unfinished.values()) abort();
    wake?.();
  };
  // yazl reports on the archive an entry it could not take.
  zip.on("error", fail);
  // The archive streams into the file store as it is written (staged, then kept under its SHA-256).
  const archive = zip.outputStream as Readable;
  const written = deps.files.stage(archive);
  // Writing may fail (a full disk) while requests are still being read: taken at once, never left unhandled until
  // the `await` below (an unhandled rejection ends the process).
  written.catch((error: unknown) => fail(error instanceof Error ? error : new Error(String(error))));
  /** Adds an entry read lazily through a hash; waits while too many entries wait in the writer. */
  const addEntry = async (entryPath: string, open: () => Promise<Readable>, mtime: Date) => {
    while (queued >= EXPORT_RULES.maxQueuedEntries && !failure) await new Promise<void>((resolve) => (wake = resolve));
    if (failure) throw failure;
    queued++;
    const record = { path: entryPath, size: 0, sha256: "" };
    files.push(record);
    let settle!: () => void;
    const entryDone = new Promise<void>((resolve) => (settle = resolve));
    // The writer keeps each entry's callback until the archive ends (for its central directory): what the callback
    // reaches (the opener, holding a transcript's bytes; the streams) is let go once the entry is written, or an
    // export would hold every transcript and receipt until its last file.
    let opener: (() => Promise<Readable>) | undefined = open;
    let source: Readable | undefined;
    let through: Transform | undefined;
    const finish = () => {
      opener = source = through = undefined;
      if (!unfinished.delete(entryDone)) return;
      queued--;
      settle();
      wake?.();
    };
    unfinished.set(entryDone, () => {
      // Destroyed without an error: the failure is already recorded, and an error event nobody listens to would throw.
      source?.destroy();
      through?.destroy();
      finish();
    });
    zip.addReadStreamLazy(entryPath, { mtime, compress: !entryPath.endsWith(".pdf") && !entryPath.includes("/attachments/") }, (cb) => {
      // The build already failed: the archive is abandoned, this entry is not opened.
      if (failure) return;
      const hash = createHash("sha256");
      through = new Transform({
        transform(chunk: Buffer, _encoding, next) {
          hash.update(chunk);
          record.size += chunk.length;
          next(null, chunk);
        },
      });
      through.on("end", () => {
        record.sha256 = hash.digest("hex");
        finish();
      });
      // A file that cannot be opened or read (gone, a store that fails) fails the build, never the process.
      const opening = opener!();
      opener = undefined;
      opening.then(
        (opened) => {
          source = opened;
          if (failure) return void opened.destroy();
          opened.on("error", fail);
          cb(null, opened.pipe(through!));
        },
        (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))),
      );
    });
  };
  try {
    let after: { at: Date; id: string } | undefined;
    let done = 0;
    for (;;) {
      const page = await pageOfScope(deps.db, row.space_id, scope, startedAt, after);
      if (page.length === 0) break;
      const companies = await getCompanies(deps.db, [...new Set(page.map((r) => r.siren))]);
      const services = await serviceNames(deps.db, [...new Set(page.map((r) => r.service_code))]);
      const acknowledgers = new Map(
        (await getSpaces(deps.db, [...new Set(page.map((r) => r.acknowledged_by).filter((x): x is string => !!x))])).map((p) => [
          p.id,
          `${p.first_name} ${p.last_name}`,
        ]),
      );
      for (const r of page) {
        const folder = `${r.siren}/${r.reference.replace(/[^\w.-]/g, "_")}`;
        const messages = await threadOf(deps.db, r);
        const transcript = await transcriptPdf(
          {
            ...r,
            companyName: companies.get(r.siren)?.name ?? r.siren,
            serviceName: services.get(r.service_code) ?? r.service_code,
            acknowledgedByName: r.acknowledged_by ? (acknowledgers.get(r.acknowledged_by) ?? null) : null,
          },
          messages,
        );
        await addEntry(`${folder}/transcript.pdf`, () => Promise.resolve(Readable.from([transcript])), r.last_activity_at);
        const receipt = await repo.findReceipt(deps.db, r.id);
        if (receipt) await addEntry(`${folder}/receipt.pdf`, () => Promise.resolve(Readable.from([receipt.pdf])), r.received_at);
        const attachments = messages.flatMap((m) => m.attachments.map((a) => ({ ...a, at: m.createdAt })));
        const keys = await storageKeys(
          deps.db,
          attachments.map((a) => a.id),
        );
        const names = new Set<string>();
        for (const [i, a] of attachments.entries()) {
          let name = `${String(i + 1).padStart(2, "0")}-${safeFileName(a.name)}`;
          while (names.has(name)) name = `_${name}`;
          names.add(name);
          const key = keys.get(a.id)!;
          await addEntry(`${folder}/attachments/${name}`, () => deps.files.open(key), a.at);
        }
        done++;
      }
      await deps.db.updateTable("exports").set({ done }).where("id", "=", exportId).execute();
      const last = page[page.length - 1]!;
      after = { at: last.received_at, id: last.id };
    }
    while (unfinished.size > 0) await Promise.all([...unfinished.keys()]);
    if (failure) throw failure;
    const manifest: ExportManifest = {
      format: "messagerie-pro-export/1",
      exportId,
      createdAt: startedAt.toISOString(),
      person: { name: person ? `${person.first_name} ${person.last_name}` : "", connectionEmail: person?.connection_email ?? "" },
      scope,
      requests: done,
      keyFingerprint: keyFingerprint(deps.receiptKeys.publicKeyPem),
      files,
    };
    const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2));
    zip.addBuffer(manifestBytes, "manifest.json", { mtime: startedAt });
    zip.addBuffer(await cmsSignDetached(deps.receiptKeys, manifestBytes, startedAt), "manifest.p7s", { mtime: startedAt });
    zip.end();
    staged = await written;
  } catch (error) {
    // The archive is abandoned: the entries still open are closed, the staged file is cut off and removed.
    fail(error instanceof Error ? error : new Error(String(error)));
    archive.destroy(error instanceof Error ? error : new Error(String(error)));
    await written.then((s) => s.drop()).catch(() => undefined);
    throw error;
  }
  try {
    await storeArchive(deps, row.space_id, exportId, staged, person, files.length);
  } finally {
    await staged.drop();
  }
}

/** Stores a built archive (the object first, then the row that names it) and tells its owner. */
async function storeArchive(
  deps: ExportDeps,
  spaceId: string,
  exportId: string,
  staged: StagedFile,
  person: { connection_email: string; first_name: string } | undefined,
  fileCount: number,
): Promise<void> {
  const size = staged.size;
  await storeStaged(deps, staged);
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + EXPORT_RULES.keepMs);
  await deps.db.transaction().execute(async (tx) => {
    await tx
      .updateTable("exports")
      .set({ status: "ready", storage_key: staged.key, sha256: staged.sha256, size, finished_at: now, expires_at: expiresAt })
      .where("id", "=", exportId)
      .execute();
    await appendJournal(tx, now, {
      actor: { kind: "system" },
      action: "export.ready",
      subject: { type: "export", id: exportId },
      data: { spaceId, files: fileCount, size },
    });
    if (person) await queueMail(tx, now, exportReadyMail({ to: person.connection_email, firstName: person.first_name, expiresAt }));
  });
}

async function storageKeys(db: Kysely<DB>, attachmentIds: string[]): Promise<Map<string, string>> {
  if (attachmentIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("attachments as a")
    .innerJoin("uploads as u", "u.id", "a.upload_id")
    .select(["a.id", "u.storage_key"])
    .where("a.id", "in", attachmentIds)
    .execute();
  return new Map(rows.map((r) => [r.id, r.storage_key]));
}

/** The worker's handler: builds the export; after the last attempt it is marked failed (the person sees it). */
export function exportBuildHandler(deps: ExportDeps): OutboxHandler {
  return async (job) => {
    const id = String(job.payload.exportId);
    try {
      await buildExport(deps, id);
    } catch (error) {
      if (job.attempts >= 5) {
        await deps.db
          .updateTable("exports")
          .set({ status: "failed", error: error instanceof Error ? error.message.slice(0, 500) : "échec", finished_at: deps.clock.now() })
          .where("id", "=", id)
          .execute();
        return;
      }
      throw error;
    }
  };
}
