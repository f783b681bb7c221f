import { sql, type Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Tx } from "../../platform/db/database.js";
import type { Clock } from "../../platform/clock.js";
import { HOUR } from "../../platform/clock.js";
import type { FileStore, StagedFile } from "../../platform/files.js";

/**
 * The life of stored files (product §8, docs/operations.md « Files »): a write claims its file before the bytes
 * leave, the row that names it comes after; files no row names are let go, then swept after their grace period.
 */
type StoredFilesDeps = { db: Kysely<DB>; clock: Clock; files: FileStore };

/**
 * The lock of one stored file (transaction-scoped): storing a file with its row and deleting a file no row refers to
 * exclude each other, so that a deletion never takes the file of an upload of the same content being written.
 */
const fileLock = (key: string) => sql`pg_advisory_xact_lock(727003, ('x' || substr(${key}, 1, 8))::bit(32)::int)`;

async function lockFile(tx: Tx, key: string): Promise<void> {
  await sql`SELECT ${fileLock(key)}`.execute(tx);
}

/**
 * Claims a file before its bytes leave for the store, under the file's lock, in one statement: the sweep, which
 * deletes under the same lock, keeps a claimed file. Without it, a sweep that found an old unreferenced copy of the
 * same content could delete it just as this write puts it back, and the row written next would name a missing file
 * (an object store keeps the request that arrived last, and a deletion may arrive after a write began).
 */
export async function claimFile(deps: Pick<StoredFilesDeps, "db" | "clock">, key: string): Promise<void> {
  await sql`WITH locked AS (SELECT ${fileLock(key)})
    INSERT INTO file_claims (storage_key, claimed_at) SELECT ${key}, ${deps.clock.now()}::timestamptz FROM locked
    ON CONFLICT (storage_key) DO UPDATE SET claimed_at = GREATEST(file_claims.claimed_at, EXCLUDED.claimed_at)`.execute(deps.db);
}

/** Claims and stores a staged file (an upload, an export's archive): the row that names it comes next. */
export async function storeStaged(deps: Pick<StoredFilesDeps, "db" | "clock">, staged: StagedFile): Promise<void> {
  await claimFile(deps, staged.key);
  await staged.keep();
}

/** The keys among `keys` that a row names (an upload, or an export's archive) or that a write claimed since `claimedAfter`. */
async function referencedKeys(db: Kysely<DB> | Tx, keys: string[], claimedAfter: Date): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .selectFrom("uploads")
    .select("storage_key as key")
    .where("storage_key", "in", keys)
    .union(db.selectFrom("exports").select("storage_key as key").where("storage_key", "in", keys).$narrowType<{ key: string }>())
    .union(db.selectFrom("file_claims").select("storage_key as key").where("storage_key", "in", keys).where("claimed_at", ">", claimedAfter))
    .execute();
  return new Set(rows.map((r) => r.key));
}

/** How long a claim protects its file: the longest an upload may take to stream in and be named by its row. */
const CLAIM_MS = 6 * HOUR;
/** How long an upload may take to stream in: a staged file older than this was left by a crash. */
const STAGED_GRACE_MS = CLAIM_MS;

/** Deletes the stored files that no row refers to any more (the store is content-addressed: one file, many rows). */
export async function removeUnreferencedFiles(deps: Pick<StoredFilesDeps, "db" | "files" | "clock">, keys: string[]): Promise<number> {
  let removed = 0;
  const claimedAfter = new Date(deps.clock.now().getTime() - CLAIM_MS);
  for (const key of new Set(keys)) {
    await deps.db.transaction().execute(async (tx) => {
      await lockFile(tx, key);
      if (!(await referencedKeys(tx, [key], claimedAfter)).has(key)) {
        await deps.files.remove(key);
        removed++;
      }
    });
  }
  return removed;
}

/**
 * Lets go of the stored files of rows just deleted: each is marked released now and left to the sweep, which removes
 * it once no row names it and its grace (FILES_SWEEP_GRACE_HOURS, the restore window) is over. Never deleted at
 * once: a database restored to a moment before the rows went must find them.
 */
export async function releaseFiles(deps: Pick<StoredFilesDeps, "files" | "clock">, keys: string[]): Promise<void> {
  for (const key of new Set(keys)) await deps.files.release(key, deps.clock.now());
}

/**
 * How long a stored file may wait for the row that names it (the file is written first): a file no row names is
 * swept only once it is older than this. The least grace: the server's is FILES_SWEEP_GRACE_HOURS (7 days in
 * production), at least the restore window of the backups.
 */
export const STORED_GRACE_MS = HOUR;

/**
 * The sweep of the file store (job): staged files left by a crash, and stored files no row refers to (a commit lost
 * after the file was stored) once past their grace period. Walks the store in batches; each deletion is checked
 * again under the file's lock.
 */
export async function sweepFiles(
  deps: Pick<StoredFilesDeps, "db" | "clock" | "files">,
  options: { graceMs?: number } = {},
): Promise<{ staged: number; unreferenced: number }> {
  const graceMs = Math.max(options.graceMs ?? STORED_GRACE_MS, STORED_GRACE_MS);
  const staged = await deps.files.dropStaleStaged(new Date(deps.clock.now().getTime() - STAGED_GRACE_MS));
  const claimedAfter = new Date(deps.clock.now().getTime() - CLAIM_MS);
  await deps.db.deleteFrom("file_claims").where("claimed_at", "<=", claimedAfter).execute();
  let unreferenced = 0;
  let batch: string[] = [];
  const flush = async () => {
    const used = await referencedKeys(deps.db, batch, claimedAfter);
    unreferenced += await removeUnreferencedFiles(
      deps,
      batch.filter((k) => !used.has(k)),
    );
    batch = [];
  };
  for await (const key of deps.files.keys(new Date(deps.clock.now().getTime() - graceMs))) {
    batch.push(key);
    if (batch.length === 500) await flush();
  }
  if (batch.length > 0) await flush();
  return { staged, unreferenced };
}
