import { sql } from "kysely";
import { PREPARED, type Executor } from "../../platform/db/database.js";
import { actingSoftware } from "../../platform/acting.js";
import { messagerieScope } from "../rights/index.js";
import { postAsPerson, type JournalRow } from "./requests.repository.js";

type Reply = {
  m: { id: string; requestId: string; authorSpaceId: string; body: string; bodySha256: string; at: Date };
  moves: { from: string; to: string }[];
  journalOf: (reached: string) => JournalRow;
};
type Posted = Awaited<ReturnType<typeof postAsPerson>>;
type Waiting = Reply & {
  key: string;
  /** The states the moves reach, and the journal entry of each: read at hand-over, in the caller's own context. */
  reached: string[];
  entries: JournalRow[];
  resolve: (p: Posted) => void;
  reject: (e: unknown) => void;
};

/** Statements of replies in flight at once per pool; the replies that come meanwhile wait and leave together. */
const IN_FLIGHT = 1;
/** The most replies one statement carries. */
const BATCH = 16;

/**
 * A company-side reply posted on its own (no attachment, no idempotency key, outside a transaction): like
 * `postAsPerson`, whose answer it gives, but the replies that arrive while the pool already runs `IN_FLIGHT` of these
 * statements leave together, as one statement (one round trip, one executor start, one commit) that moves each request
 * where its own person sees it, at its own time. Each reply stays atomic (its move, message and journal entry are in
 * the one statement). A batch never holds two replies to one request, nor a request another batch of this pool has
 * in flight: two replies to one request are two statements, the second re-reading the request the first left. A
 * reply the batch did not move (not visible, closed, taking no replies, or changed in between) is posted again on its
 * own, by `postAsPerson`, whose second read tells why. A batch the server refuses (a deadlock with another process,
 * say) is rolled back whole, and each of its replies is posted on its own; a connection lost is the error of each.
 * A software acting through a person (its limits are read from its call) posts on its own.
 */
export function postReply(db: Executor, reply: Reply): Promise<Posted> {
  if (db.isTransaction || actingSoftware()) return postAlone(db, reply);
  let q = queues.get(db);
  if (!q) queues.set(db, (q = new Queue(db)));
  return q.add(reply);
}

/** A reply in a statement of its own, seen by its own person. */
const postAlone = (db: Executor, r: Reply) => postAsPerson(db, r.m, messagerieScope(r.m.authorSpaceId, r.m.at), r.moves, r.journalOf);

const queues = new WeakMap<Executor, Queue>();

class Queue {
  private waiting: Waiting[] = [];
  private inFlight = 0;
  private readonly busy = new Set<string>();
  constructor(private readonly db: Executor) {}

  add(reply: Reply): Promise<Posted> {
    const reached = [...new Set(reply.moves.map((x) => x.to))];
    const entries = reached.map(reply.journalOf);
    const journalOf = (state: string) => entries[reached.indexOf(state)]!;
    return new Promise((resolve, reject) => {
      this.waiting.push({ ...reply, journalOf, key: JSON.stringify(reply.moves), reached, entries, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < IN_FLIGHT && this.waiting.length > 0) {
      const key = this.waiting.find((w) => !this.busy.has(w.m.requestId))?.key;
      if (key === undefined) return;
      const batch: Waiting[] = [];
      const rest: Waiting[] = [];
      for (const w of this.waiting) {
        if (batch.length < BATCH && w.key === key && !this.busy.has(w.m.requestId)) {
          batch.push(w);
          this.busy.add(w.m.requestId);
        } else rest.push(w);
      }
      this.waiting = rest;
      this.inFlight++;
      void this.run(batch);
    }
  }

  /**
   * Runs a batch; its lane is free again as soon as its statement answers: the replies it did not move are then
   * posted on their own (waiting, if need be, for a request another transaction holds) while the next batch leaves.
   * Their requests stay out of any batch until they are done.
   */
  private async run(batch: Waiting[]): Promise<void> {
    let moved = new Map<number, string>();
    let failure: { error: unknown } | undefined;
    try {
      moved = await postTogether(this.db, batch);
    } catch (error) {
      if (!refusedByServer(error) || batch.length === 1) failure = { error };
    }
    this.inFlight--;
    const rest = batch.filter((w, i) => {
      const status = moved.get(i + 1);
      if (failure) w.reject(failure.error);
      else if (status !== undefined) w.resolve({ status, moved: true, repliesAllowed: true });
      else return true;
      this.busy.delete(w.m.requestId);
      return false;
    });
    this.pump();
    await Promise.all(
      rest.map(async (w) => {
        try {
          w.resolve(await postAlone(this.db, w));
        } catch (error) {
          w.reject(error);
        } finally {
          this.busy.delete(w.m.requestId);
          this.pump();
        }
      }),
    );
  }
}

/** An error the server answered (a SQLSTATE): the statement did nothing. A lost connection leaves that unknown. */
const refusedByServer = (error: unknown) =>
  typeof error === "object" &&
  error !== null &&
  typeof (error as { code?: unknown }).code === "string" &&
  /^[0-9A-Z]{5}$/.test((error as { code: string }).code);

/**
 * The batch's statement; answers, by place in the batch (from 1), the state each moved request reached. Each column of
 * the batch is one array, read at the request's place (`array_position` of its id), always `BATCH` long (NULLs after
 * the last reply): PostgreSQL plans a statement prepared with parameters anew while planning it for its values looks
 * cheaper than its generic plan, which it does for an array it counts shorter than its default guess of 10 elements,
 * and planning this statement costs more than running it (about 1.5 ms of the server's CPU against 0.3 per reply,
 * measured). At `BATCH` elements the generic plan wins and is kept. The update's own `id = ANY(…)`, beside the set it
 * locked, is what the planner estimates it from.
 */
async function postTogether(db: Executor, batch: Waiting[]): Promise<Map<number, string>> {
  const { moves, reached } = batch[0]!;
  const from = moves.map((x) => x.from);
  const to = moves.map((x) => x.to);
  const entries = batch.map((w) => w.entries);
  const col = <T>(f: (w: Waiting, i: number) => T) => padded(batch.map(f), null);
  const j = <T>(f: (e: JournalRow) => T) =>
    padded(
      entries.map((e) => f(e[0]!)),
      null,
    );
  const data = padded(
    entries.map((e) => e.map((x) => x.data)),
    reached.map(() => null),
  );
  const ids = col((w) => w.m.requestId);
  const place = sql`array_position(${ids}::uuid[], requests.id)`;
  const at = col((w) => w.m.at);
  const res = await sql<{ ord: number; status: string }>`${sql.raw(PREPARED)}
    WITH free AS (SELECT id FROM requests WHERE id = ANY(${ids}::uuid[]) FOR NO KEY UPDATE SKIP LOCKED),
    moved AS (
      UPDATE requests SET status = (${to}::text[])[array_position(${from}::text[], requests.status)], last_activity_at = (${at}::timestamptz[])[${place}],
        version = requests.version + 1, company_replied_at = COALESCE(requests.company_replied_at, (${at}::timestamptz[])[${place}])
      WHERE requests.id = ANY(${ids}::uuid[]) AND requests.id IN (SELECT id FROM free)
        AND ${messagerieScope(sql<string>`(${col((w) => w.m.authorSpaceId)}::uuid[])[${place}]`, sql<Date>`(${at}::timestamptz[])[${place}]`)}
        AND requests.replies_allowed AND requests.status = ANY(${from}::text[])
      RETURNING ${place} AS ord, requests.id, requests.service_code, requests.status),
    msg AS (
      INSERT INTO messages (id, request_id, author_kind, author_space_id, body, body_sha256, created_at, read_by_company_at, read_by_company_space, service_code)
      SELECT (${col((w) => w.m.id)}::uuid[])[ord], moved.id, 'person', (${col((w) => w.m.authorSpaceId)}::uuid[])[ord], (${col((w) => w.m.body)}::text[])[ord],
        (${col((w) => w.m.bodySha256)}::text[])[ord], (${at}::timestamptz[])[ord], (${at}::timestamptz[])[ord], (${col((w) => w.m.authorSpaceId)}::uuid[])[ord],
        moved.service_code
      FROM moved),
    journal_entry AS (
      INSERT INTO journal (at, actor_kind, actor_id, action, subject_type, subject_id, data)
      SELECT (${j((e) => e.at)}::timestamptz[])[ord], (${j((e) => e.actor_kind)}::text[])[ord], (${j((e) => e.actor_id)}::text[])[ord],
        (${j((e) => e.action)}::text[])[ord], (${j((e) => e.subject_type)}::text[])[ord], (${j((e) => e.subject_id)}::text[])[ord],
        ((${data}::text[])[ord][array_position(${reached}::text[], moved.status)])::jsonb
      FROM moved)
    SELECT ord, status FROM moved`.execute(db);
  return new Map(res.rows.map((r) => [Number(r.ord), r.status]));
}

/** `values`, filled up to `BATCH` entries with `filler`. */
function padded<T, F>(values: T[], filler: F): (T | F)[] {
  return [...values, ...Array.from({ length: BATCH - values.length }, () => filler)];
}
