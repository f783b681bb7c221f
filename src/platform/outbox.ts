import { sql } from "kysely";
import type { Executor, Tx } from "./db/database.js";
import type { Clock } from "./clock.js";
import type { Logger } from "./logger.js";

/**
 * The outbox: side effects (mails, letters) are rows written in the transaction of the change they follow, then
 * delivered by the worker. A rolled-back change sends nothing; a crashed delivery is retried; nothing is lost.
 */
export async function enqueue(tx: Tx, at: Date, kind: string, payload: Record<string, unknown>): Promise<void> {
  await tx
    .insertInto("outbox")
    .values({ kind, payload: JSON.stringify(payload), run_after: at, created_at: at, last_error: null, done_at: null })
    .execute();
}

/** Many rows of one kind in one statement (a campaign's notices). */
export async function enqueueMany(tx: Tx, at: Date, kind: string, payloads: Record<string, unknown>[]): Promise<void> {
  if (payloads.length === 0) return;
  await tx
    .insertInto("outbox")
    .values(payloads.map((payload) => ({ kind, payload: JSON.stringify(payload), run_after: at, created_at: at, last_error: null, done_at: null })))
    .execute();
}

export type OutboxJob = { id: string; kind: string; payload: Record<string, unknown>; attempts: number };
export type OutboxHandler = (job: OutboxJob) => Promise<void>;

export type WorkerOptions = {
  db: Executor;
  clock: Clock;
  logger: Logger;
  handlers: Record<string, OutboxHandler>;
  /** Rows claimed per round. */
  batchSize?: number;
  /** Poll interval when idle, in ms. */
  pollMs?: number;
  /** How long a claimed row stays invisible to other workers (a crashed worker's rows come back after it). */
  leaseMs?: number;
  /** After this many failed attempts a row is set aside as `dead` (kept, reported, never deleted). */
  maxAttempts?: number;
};

/** Retry delay after the n-th failed attempt: 5 s doubling, at most one hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/**
 * A worker that claims due outbox rows with `FOR UPDATE SKIP LOCKED` (several workers never take the same row),
 * runs the handler of their kind, and marks them done or schedules a retry with back-off.
 */
export function createWorker(options: WorkerOptions) {
  const { db, clock, logger, handlers } = options;
  const batchSize = options.batchSize ?? 20;
  const pollMs = options.pollMs ?? 500;
  const leaseMs = options.leaseMs ?? 60_000;
  const maxAttempts = options.maxAttempts ?? 30;
  let timer: NodeJS.Timeout | undefined;
  /** The background round in flight, if any: the rows it claimed are invisible to `drain` until it settles them. */
  let running: Promise<number> | undefined;
  let stopped = true;

  async function claim(): Promise<OutboxJob[]> {
    const now = clock.now();
    const rows = await sql<{ id: string; kind: string; payload: Record<string, unknown>; attempts: number }>`
      UPDATE outbox SET attempts = attempts + 1, run_after = ${new Date(now.getTime() + leaseMs)}
      WHERE id IN (
        SELECT id FROM outbox WHERE status = 'pending' AND run_after <= ${now}
        ORDER BY run_after, id LIMIT ${batchSize} FOR UPDATE SKIP LOCKED)
      RETURNING id, kind, payload, attempts`.execute(db);
    // RETURNING follows no order: deliver in the order the rows were written (a code mail before a later one).
    return rows.rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  }

  /** Marks a job done, or failed with what its handler threw (whatever it threw: even a falsy value is a failure). */
  async function settle(job: OutboxJob, failure: { error: unknown } | undefined): Promise<void> {
    const now = clock.now();
    if (!failure) {
      await db.updateTable("outbox").set({ status: "done", done_at: now, last_error: null }).where("id", "=", job.id).execute();
      return;
    }
    const { error } = failure;
    // The cause too (a stored file's ENOENT, an object store's answer): the message alone may be the user's sentence.
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.name}: ${error.cause.message})` : "";
    const message = (error instanceof Error ? error.message : String(error)) + cause;
    const dead = job.attempts >= maxAttempts;
    logger.warn({ outboxId: job.id, kind: job.kind, attempts: job.attempts, err: message, dead }, "outbox delivery failed");
    await db
      .updateTable("outbox")
      .set({
        status: dead ? "dead" : "pending",
        last_error: message.slice(0, 2000),
        run_after: new Date(now.getTime() + retryDelayMs(job.attempts)),
      })
      .where("id", "=", job.id)
      .execute();
  }

  /** Claims and runs one batch; returns how many rows were handled. */
  async function runOnce(): Promise<number> {
    const jobs = await claim();
    for (const job of jobs) {
      const handler = handlers[job.kind];
      let failure: { error: unknown } | undefined;
      try {
        if (!handler) throw new Error(`no handler for outbox kind "${job.kind}"`);
        await handler(job);
      } catch (e) {
        failure = { error: e ?? new Error("unknown failure") };
      }
      await settle(job, failure);
    }
    return jobs.length;
  }

  /**
   * Runs rounds until nothing is due (tests, CLI). A round of the background worker in flight holds rows under its
   * lease, which this cannot claim: it waits for that round to settle them before it says that nothing is left.
   */
  async function drain(maxRounds = 100): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxRounds; i++) {
      const n = await runOnce();
      total += n;
      if (n > 0) continue;
      const inFlight = running;
      if (!inFlight) break;
      await inFlight;
    }
    return total;
  }

  function schedule(delay: number) {
    if (stopped) return;
    timer = setTimeout(() => {
      const round = runOnce().catch((error: unknown) => {
        // The database may be briefly unreachable: log and try again at the next round.
        logger.error({ err: error instanceof Error ? error.message : String(error) }, "worker round failed");
        return 0;
      });
      running = round;
      void round.then((n) => {
        if (running === round) running = undefined;
        schedule(n > 0 ? 0 : pollMs);
      });
    }, delay);
    timer.unref?.();
  }

  return {
    runOnce,
    drain,
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
export type Worker = ReturnType<typeof createWorker>;
