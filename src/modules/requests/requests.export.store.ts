import { rmSync } from "node:fs";
import type { Readable } from "node:stream";
import { DomainError } from "../../platform/errors.js";
import { openLocalFile } from "../../platform/files.js";
import { parisDay } from "../../platform/paris.js";
import { appendJournal } from "../journal/index.js";
import { getExport, type ExportDeps } from "./requests.export.js";
import { releaseFiles } from "./requests.stored-files.js";

// The archives of exports in the file store: downloaded by their owner, deleted after their 7 days.

/**
 * The ZIP of a ready export, for its owner only, opened from the file store (a missing archive is a 503
 * `file_unavailable` before anything is sent); journaled.
 */
export async function openExport(deps: ExportDeps, spaceId: string, id: string): Promise<{ stream: Readable; size: number; name: string }> {
  const view = await getExport(deps, spaceId, id);
  const row = await deps.db.selectFrom("exports").select(["file_path", "storage_key"]).where("id", "=", id).executeTakeFirstOrThrow();
  if (view.status !== "ready" || !(row.storage_key ?? row.file_path))
    throw new DomainError("conflict", "export_not_ready", "L'export n'est pas encore prêt : revenez quand il l'est (un courriel vous le dira).");
  // Opened first: an archive that cannot be read is not journaled as downloaded. One built before exports went
  // through the file store is read from its folder until it expires.
  const stream = row.storage_key ? await deps.files.open(row.storage_key) : await openLocalFile(row.file_path!);
  try {
    await deps.db
      .transaction()
      .execute((tx) =>
        appendJournal(tx, deps.clock.now(), { actor: { kind: "person", id: spaceId }, action: "export.downloaded", subject: { type: "export", id } }),
      );
  } catch (error) {
    stream.destroy();
    throw error;
  }
  return { stream, size: view.size ?? 0, name: `export-messagerie-${parisDay(view.createdAt)}.zip` };
}

/** Deletes the exports past their 7 days, then their archives (let go to the sweep in the file store; deleted in a folder for older ones). */
export async function purgeExports(deps: Pick<ExportDeps, "db" | "clock" | "files">): Promise<number> {
  const rows = await deps.db
    .selectFrom("exports")
    .select(["id", "file_path", "storage_key"])
    .where("status", "=", "ready")
    .where("expires_at", "<=", deps.clock.now())
    .execute();
  if (rows.length === 0) return 0;
  await deps.db
    .deleteFrom("exports")
    .where(
      "id",
      "in",
      rows.map((r) => r.id),
    )
    .execute();
  for (const r of rows) if (r.file_path) rmSync(r.file_path, { force: true });
  await releaseFiles(
    deps,
    rows.flatMap((r) => (r.storage_key ? [r.storage_key] : [])),
  );
  return rows.length;
}
