import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Clock } from "../../platform/clock.js";
import { YEAR } from "../../platform/clock.js";
import type { FileStore } from "../../platform/files.js";
import { DomainError } from "../../platform/errors.js";
import { appendJournal } from "../journal/index.js";
import { releaseFiles } from "./requests.stored-files.js";

/** GAIA figures (product §8): archived 4 years after closing, purged 10 years after closing. */
export const RETENTION = { archiveAfterMs: 4 * YEAR, purgeAfterMs: 10 * YEAR, notesAfterMs: 2 * YEAR };

/**
 * The retention job: archives requests closed 4 years ago (read-only, out of default lists) and purges those
 * closed 10 years ago with their messages, attachments and receipts, unless a legal hold (on the request or its
 * company) suspends it; purges agents' internal notes 2 years after they were written (a legal hold keeps them too).
 * Journaled.
 */
export async function applyRetention(deps: { db: Kysely<DB>; clock: Clock; files: FileStore }) {
  const now = deps.clock.now();
  const result = await deps.db.transaction().execute(async (tx) => {
    const archived = await tx
      .updateTable("requests")
      .set({ archived_at: now })
      .where("archived_at", "is", null)
      .where("closed_at", "<=", new Date(now.getTime() - RETENTION.archiveAfterMs))
      .returning(["id", "reference"])
      .execute();
    const doomed = await tx
      .selectFrom("requests")
      .select(["id", "reference"])
      .where("closed_at", "<=", new Date(now.getTime() - RETENTION.purgeAfterMs))
      .where("legal_hold", "=", false)
      .where("siren", "not in", tx.selectFrom("legal_holds").select("siren"))
      .execute();
    const ids = doomed.map((d) => d.id);
    let keys: string[] = [];
    if (ids.length > 0) {
      const uploads = await tx
        .selectFrom("attachments as a")
        .innerJoin("messages as m", "m.id", "a.message_id")
        .innerJoin("uploads as u", "u.id", "a.upload_id")
        .select(["u.id", "u.storage_key"])
        .where("m.request_id", "in", ids)
        .execute();
      await tx.deleteFrom("requests").where("id", "in", ids).execute();
      if (uploads.length > 0)
        await tx
          .deleteFrom("uploads")
          .where(
            "id",
            "in",
            uploads.map((u) => u.id),
          )
          .execute();
      keys = uploads.map((u) => u.storage_key);
    }
    const notes = await tx
      .deleteFrom("request_notes")
      .where("created_at", "<=", new Date(now.getTime() - RETENTION.notesAfterMs))
      .where(
        "request_id",
        "not in",
        tx
          .selectFrom("requests")
          .select("id")
          .where((eb) => eb.or([eb("legal_hold", "=", true), eb("siren", "in", tx.selectFrom("legal_holds").select("siren"))])),
      )
      .executeTakeFirst();
    const notesPurged = Number(notes.numDeletedRows);
    if (notesPurged > 0) await appendJournal(tx, now, { actor: { kind: "system" }, action: "retention.notes_purged", data: { notes: notesPurged } });
    if (archived.length > 0)
      await appendJournal(tx, now, { actor: { kind: "system" }, action: "retention.archived", data: { references: archived.map((a) => a.reference) } });
    if (doomed.length > 0)
      await appendJournal(tx, now, { actor: { kind: "system" }, action: "retention.purged", data: { references: doomed.map((d) => d.reference) } });
    return { archived: archived.length, purged: doomed.length, notesPurged, keys };
  });
  // Files go once the rows that cited them are gone and the sweep's grace is over (a file still cited stays).
  await releaseFiles(deps, result.keys);
  return { archived: result.archived, purged: result.purged, notesPurged: result.notesPurged };
}

/** Sets or lifts a legal hold on a company (operator command), journaled. */
export async function setLegalHold(deps: { db: Kysely<DB>; clock: Clock }, siren: string, on: boolean, reason: string) {
  if (!/^\d{9}$/.test(siren)) throw new DomainError("invalid", "invalid_siren", `SIREN invalide : ${siren}`);
  const now = deps.clock.now();
  await deps.db.transaction().execute(async (tx) => {
    if (on) {
      await tx
        .insertInto("legal_holds")
        .values({ siren, reason, created_at: now })
        .onConflict((oc) => oc.column("siren").doUpdateSet({ reason }))
        .execute();
    } else {
      await tx.deleteFrom("legal_holds").where("siren", "=", siren).execute();
    }
    await appendJournal(tx, now, {
      actor: { kind: "operator" },
      action: on ? "legal_hold.set" : "legal_hold.lifted",
      subject: { type: "company", id: siren },
      data: { reason },
    });
  });
}
