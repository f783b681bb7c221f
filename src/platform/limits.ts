import { sql } from "kysely";
import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from "@fastify/rate-limit";
import { PREPARED, type Executor } from "./db/database.js";
import type { Clock } from "./clock.js";
import { takeCountedHit } from "./acting.js";

/**
 * Limits shared by all processes (product §17): every rate limit is counted in the database, so N processes allow
 * the figure once, not N times. The same table serves the embedded database (one process) and a server (any number).
 */

/** One hit counted: the hits of the current window, this one included, and when the window ends. */
export type Hit = { hits: number; windowEndsAt: Date };

/**
 * Counts one hit on `key` and returns the count of its window, in one atomic statement: the window starts at the
 * key's first hit and lasts `windowMs`; the first hit after its end starts a new window at 1. Concurrent hits from
 * any number of processes are each counted once (the upsert locks the key's row).
 */
export async function countHit(db: Executor, key: string, windowMs: number, now: Date): Promise<Hit> {
  const res = await sql<{ hits: number; window_ends_at: Date }>`${sql.raw(PREPARED)} ${hitStatement(key, windowMs, now)}`.execute(db);
  const row = res.rows[0]!;
  return { hits: row.hits, windowEndsAt: row.window_ends_at };
}

/** The upsert of `countHit`, returning `hits` and `window_ends_at`: a statement of its own or a CTE of a larger one. */
export function hitStatement(key: string, windowMs: number, now: Date) {
  const end = new Date(now.getTime() + windowMs);
  return sql`INSERT INTO rate_limit_counters AS c (key, hits, window_ends_at) VALUES (${key}, 1, ${end})
    ON CONFLICT (key) DO UPDATE SET
      hits = CASE WHEN c.window_ends_at <= ${now} THEN 1 ELSE c.hits + 1 END,
      window_ends_at = CASE WHEN c.window_ends_at <= ${now} THEN ${end} ELSE c.window_ends_at END
    RETURNING hits, window_ends_at`;
}

/** Housekeeping: the counters whose window is over (the next hit would start afresh anyway). */
export async function purgeRateLimits(db: Executor, now: Date): Promise<number> {
  const res = await db.deleteFrom("rate_limit_counters").where("window_ends_at", "<=", now).executeTakeFirst();
  return Number(res.numDeletedRows);
}

type RateLimitResult = { current: number; ttl: number };
type Callback = (error: Error | null, result?: RateLimitResult) => void;

/** What @fastify/rate-limit hands `child()` at run time: the route's merged options, with the route itself. */
type ChildOptions = { routeInfo?: { method?: string | string[]; url?: string } };

/**
 * A store for @fastify/rate-limit that counts in the database (`countHit`), on the application's clock. The global
 * limit counts under `api:<key>`; a route with its own limit counts under its method and path, so each such route
 * keeps its own allowance per key, as the plugin's in-memory store did.
 */
export function sharedRateLimitStore(db: Executor, clock: Clock): FastifyRateLimitStoreCtor {
  class SharedStore implements FastifyRateLimitStore {
    readonly namespace: string;
    /** The plugin constructs the root store with its options (no namespace: the global limit). */
    constructor(options: { namespace?: unknown } = {}) {
      this.namespace = typeof options.namespace === "string" ? options.namespace : "api";
    }
    incr(key: string, callback: Callback, timeWindow: number): void {
      const now = clock.now();
      // Counted already, with the call's sessions in one statement (sessionHook): not counted twice.
      const counted = takeCountedHit(`${this.namespace}:${key}`);
      if (counted) {
        callback(null, { current: counted.hits, ttl: Math.max(0, counted.windowEndsAt.getTime() - now.getTime()) });
        return;
      }
      countHit(db, `${this.namespace}:${key}`, timeWindow, now).then(
        (hit) => callback(null, { current: hit.hits, ttl: Math.max(0, hit.windowEndsAt.getTime() - now.getTime()) }),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
      );
    }
    child(routeOptions: unknown): FastifyRateLimitStore {
      const route = (routeOptions as ChildOptions).routeInfo;
      const method = Array.isArray(route?.method) ? route.method.join(",") : (route?.method ?? "");
      return new SharedStore({ namespace: `route:${method} ${route?.url ?? ""}` });
    }
  }
  return SharedStore;
}
