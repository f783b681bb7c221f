/**
 * `cli files verify` (run after a restore): every row that names a stored file — an upload (attachments are uploads
 * sent in a message) or a built export — is checked against the file store. A row whose object is missing is
 * listed; none should be (the ordering rule: an object is written before the row that names it commits, and the
 * sweep waits past its grace period before removing an object no row names).
 */
import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { FileStore } from "../../platform/files.js";

export type MissingFile = { table: "uploads" | "exports"; id: string; key: string; name: string };

const BATCH = 500;
/** Existence checks in flight at once (a round trip each to an object store). */
const PARALLEL = 16;

async function missingOf(files: FileStore, keys: string[]): Promise<Set<string>> {
  const missing = new Set<string>();
  const unique = [...new Set(keys)];
  for (let i = 0; i < unique.length; i += PARALLEL) {
    const slice = unique.slice(i, i + PARALLEL);
    const found = await Promise.all(slice.map((k) => files.exists(k)));
    slice.forEach((k, j) => {
      if (!found[j]) missing.add(k);
    });
  }
  return missing;
}

/** Walks the rows naming stored files (a batch at a time, in id order) and answers those whose file is missing. */
export async function verifyStoredFiles(
  deps: { db: Kysely<DB>; files: FileStore },
  onProgress?: (checked: number) => void,
): Promise<{ checked: number; missing: MissingFile[] }> {
  let checked = 0;
  const missing: MissingFile[] = [];
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const rows = await deps.db.selectFrom("uploads").select(["id", "storage_key", "name"]).where("id", ">", after).orderBy("id").limit(BATCH).execute();
    if (rows.length === 0) break;
    const gone = await missingOf(
      deps.files,
      rows.map((r) => r.storage_key),
    );
    for (const r of rows) if (gone.has(r.storage_key)) missing.push({ table: "uploads", id: r.id, key: r.storage_key, name: r.name });
    checked += rows.length;
    onProgress?.(checked);
    after = rows[rows.length - 1]!.id;
  }
  after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const rows = await deps.db
      .selectFrom("exports")
      .select(["id", "storage_key"])
      .where("storage_key", "is not", null)
      .where("id", ">", after)
      .orderBy("id")
      .limit(BATCH)
      .execute();
    if (rows.length === 0) break;
    const gone = await missingOf(
      deps.files,
      rows.map((r) => r.storage_key!),
    );
    for (const r of rows) if (gone.has(r.storage_key!)) missing.push({ table: "exports", id: r.id, key: r.storage_key!, name: `export ${r.id}` });
    checked += rows.length;
    onProgress?.(checked);
    after = rows[rows.length - 1]!.id;
  }
  return { checked, missing };
}
