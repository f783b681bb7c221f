import { sha256Hex } from "../../platform/crypto.js";
import type { Executor, Tx } from "../../platform/db/database.js";
import type { Row } from "../../platform/db/schema.js";
import * as repo from "./journal.repository.js";
import { actingSoftware } from "../../platform/acting.js";

export const GENESIS_HASH = "0".repeat(64);

export type Actor =
  { kind: "person"; id: string } | { kind: "agent"; id: string } | { kind: "operator"; id?: string } | { kind: "system" } | { kind: "anonymous"; id?: string };

export type JournalEvent = {
  actor: Actor;
  /** dotted verb, e.g. `space.created`, `session.sign_in_failed`. */
  action: string;
  subject?: { type: string; id: string };
  /** Facts worth keeping. Never a password, a code or a token. */
  data?: Record<string, unknown>;
};

/** JSON with keys sorted at every level: the same content always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

type HashedContent = Pick<Row<"journal">, "at" | "actor_kind" | "actor_id" | "action" | "subject_type" | "subject_id" | "data"> & { seq: string | null };

/** The hash of an entry: SHA-256 over the previous hash and the canonical form of the entry's own content. */
export function entryHash(prevHash: string, e: HashedContent): string {
  return sha256Hex(
    `${prevHash}\n${canonicalJson({
      seq: String(e.seq),
      at: new Date(e.at).toISOString(),
      actorKind: e.actor_kind,
      actorId: e.actor_id,
      action: e.action,
      subjectType: e.subject_type,
      subjectId: e.subject_id,
      data: e.data,
    })}`,
  );
}

/**
 * Appends an entry to the journal inside the caller's transaction, so that the entry exists exactly when the
 * change it records does. The chainer (`chainJournal`) then links it into the hash chain.
 */
export async function appendJournal(tx: Tx, at: Date, event: JournalEvent): Promise<void> {
  await repo.insertEntries(tx, [journalRow(at, event)]);
}

/** Journals many events of one change in one statement (one per company of a team's change, say). */
export async function appendJournalMany(tx: Tx, at: Date, events: JournalEvent[]): Promise<void> {
  await repo.insertEntries(
    tx,
    events.map((e) => journalRow(at, e)),
  );
}

/** The row an event is written as (for a writer that must put it inside a larger statement). */
export function journalRow(at: Date, event: JournalEvent) {
  // Every action of a software is recorded with the person it acts through (the actor) and the software itself.
  const software = actingSoftware();
  const data = software
    ? { ...event.data, software: { clientId: software.clientId, name: software.softwareName, grantId: software.grantId } }
    : (event.data ?? {});
  return {
    at,
    actor_kind: event.actor.kind,
    actor_id: "id" in event.actor && event.actor.id ? event.actor.id : null,
    action: event.action,
    subject_type: event.subject?.type ?? null,
    subject_id: event.subject?.id ?? null,
    data: JSON.stringify(data),
  };
}

/**
 * Links the committed entries not yet chained, in the order they were written: each gets the next place in the
 * chain, the previous entry's hash and its own. One chainer at a time; returns how many entries it chained.
 */
export async function chainJournal(db: Executor, batch = 1_000): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await db.transaction().execute(async (tx) => {
      if (!(await repo.tryLockChain(tx))) return 0;
      const rows = await repo.unchained(tx, batch);
      if (rows.length === 0) return 0;
      const last = await repo.findLastChained(tx);
      let seq = last ? BigInt(last.seq) : 0n;
      let prevHash = last?.hash ?? GENESIS_HASH;
      const chained = rows.map((r) => {
        seq++;
        const hash = entryHash(prevHash, { ...r, seq: String(seq) });
        const row = { id: r.id, seq: String(seq), prev_hash: prevHash, hash };
        prevHash = hash;
        return row;
      });
      await repo.setChain(tx, chained);
      return rows.length;
    });
    total += n;
    if (n < batch) return total;
  }
}

export type ChainVerdict =
  { ok: true; entries: number; lastHash: string; unchained: number } | { ok: false; entries: number; brokenSeq: string; reason: string; unchained: number };

/** Walks the whole chain in order and names the first entry whose link or content does not match. */
export async function verifyJournal(db: Executor, pageSize = 5_000): Promise<ChainVerdict> {
  const unchained = await repo.countUnchained(db);
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1n;
  let count = 0;
  let after = "0";
  for (;;) {
    const page = await repo.listChainedAfter(db, after, pageSize);
    for (const e of page) {
      if (BigInt(e.seq!) !== expectedSeq) {
        return { ok: false, entries: count, brokenSeq: String(expectedSeq), reason: `entrée ${expectedSeq} manquante`, unchained };
      }
      if (e.prev_hash !== prevHash) {
        return { ok: false, entries: count, brokenSeq: e.seq!, reason: "lien vers l'entrée précédente rompu", unchained };
      }
      if (entryHash(prevHash, e) !== e.hash) {
        return { ok: false, entries: count, brokenSeq: e.seq!, reason: "contenu modifié (empreinte différente)", unchained };
      }
      prevHash = e.hash!;
      expectedSeq++;
      count++;
    }
    if (page.length < pageSize) return { ok: true, entries: count, lastHash: prevHash, unchained };
    after = page[page.length - 1]!.seq!;
  }
}

/** The entries of one action about one subject, oldest first (e.g. the agents' openings of a request). */
export async function entriesAbout(db: Executor, subject: { type: string; id: string }, action: string) {
  const rows = await repo.entriesAbout(db, subject.type, subject.id, action);
  return rows.map((r) => ({ at: r.at, actorKind: r.actor_kind, actorId: r.actor_id, data: r.data }));
}

/** The entries of one action about one subject, grouped per actor: how many, the first and the latest. */
export async function countsAbout(db: Executor, subject: { type: string; id: string }, action: string) {
  const rows = await repo.countsAbout(db, subject.type, subject.id, action);
  return rows.map((r) => ({ actorKind: r.actor_kind, actorId: r.actor_id, count: Number(r.n), firstAt: new Date(r.first_at), lastAt: new Date(r.last_at) }));
}

/** Every entry about one subject, oldest first. */
export async function journalAbout(db: Executor, subject: { type: string; id: string }) {
  const rows = await repo.allAbout(db, subject.type, subject.id);
  return rows.map((r) => ({ at: r.at, actorKind: r.actor_kind, actorId: r.actor_id, action: r.action, data: r.data }));
}
