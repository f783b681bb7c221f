import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { btree_gin } from "@electric-sql/pglite/contrib/btree_gin";
import { createPgConfig } from "@electric-sql/pglite/node-postgres";
import { Kysely, PostgresDialect, type Transaction } from "kysely";
import pg from "pg";
import type { DB } from "./schema.js";
import { acquireDataDirLock, type DataDirLock } from "./lock.js";
import { serveDumps } from "../backup.js";

/** The query interface handed to repositories: the root database or a transaction. */
export type Executor = Kysely<DB>;
export type Tx = Transaction<DB>;

export type Database = {
  db: Kysely<DB>;
  kind: "pglite" | "postgres";
  /**
   * Subscribes to a PostgreSQL NOTIFY channel (LISTEN). On a server this is a dedicated connection, reopened
   * whenever it drops (with back-off, for as long as it takes), so several processes receive what any of them
   * notifies; `onReconnect` runs once LISTEN is back, for the subscriber to catch up on what it missed.
   * Returns the unsubscribe function.
   */
  listen: (channel: string, onMessage: (payload: string) => void, onReconnect?: () => void) => Promise<() => Promise<void>>;
  /** The pool's connections now: open, idle, and queries waiting for one (metrics, overload). */
  poolStats(): { total: number; idle: number; waiting: number; max: number };
  /** Ends the pool, closes PGlite and releases the data-folder lock. */
  close(): Promise<void>;
  /** The embedded database's data folder (the one it locks); absent on a server and in memory. */
  dataDir?: string;
  /**
   * The embedded database's files as one tar (PGlite's `dumpDataDir`), taken between two statements: a
   * crash-consistent copy that PostgreSQL's recovery opens like after a power cut. Absent on a server.
   */
  dumpDataDir?: () => Promise<Uint8Array>;
};

const statsOf = (pool: pg.Pool, max: number) => () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max });

/**
 * The mark that opens a statement to be prepared once per connection: PostgreSQL then skips parsing and planning
 * it on every later run (a named prepared statement; its plan is cached). Only for statements of fixed text on hot
 * paths — each marked text holds a prepared statement on every connection of the pool.
 */
export const PREPARED = "/* prepared */";

/** Turns every marked statement run through this pool into a named prepared statement (named after its text). */
export function prepareMarkedStatements(pool: pg.Pool): void {
  const names = new Map<string, string>();
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (text: unknown, ...rest: unknown[]) => {
      if (typeof text !== "string" || !text.startsWith(PREPARED) || !Array.isArray(rest[0])) return query(text, ...rest);
      let name = names.get(text);
      if (!name) {
        name = `mp_${createHash("sha256").update(text).digest("hex").slice(0, 24)}`;
        names.set(text, name);
      }
      return query({ name, text, values: rest[0] }, ...rest.slice(1));
    };
  });
}

export type DatabaseOptions = {
  /** PostgreSQL server URL; when absent, the embedded PGlite is used. */
  url?: string | undefined;
  /** PGlite data folder, or "memory://" for a throw-away database. */
  dataDir?: string;
  poolSize?: number;
  /** Told of a connection lost by the server (the pool replaces it; the query in flight fails with 503). */
  onConnectionError?: (error: Error) => void;
};

/**
 * The embedded PostgreSQL lives in the server's own process, as WebAssembly memory that never shrinks: its shared
 * buffers are allocated and touched at start (128 MB by default, about 150 MB of resident memory). One desk's data
 * is served as well from 32 MB and the operating system's file cache; sorts and index builds are bounded too.
 * Measured by `npm run bench -- soak` (docs/operations.md).
 */
const EMBEDDED_SETTINGS = ["shared_buffers = 32MB", "maintenance_work_mem = 32MB", "temp_buffers = 8MB", "work_mem = 4MB"];

/**
 * Opens the database: a pool on a PostgreSQL server when a URL is given, otherwise the embedded PGlite in its
 * data folder (locked against a second process, since PGlite does not lock its own folder).
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    // keepAlive: a primary whose machine vanished sends no reset; TCP keep-alive finds the dead connection.
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, connectionTimeoutMillis: 5_000, keepAlive: true });
    // A connection losing its server must never crash the process. pg-pool listens for errors only while a
    // client is idle; a checked-out client (a transaction in flight) would emit an unhandled 'error'. Every
    // client gets a permanent listener: the failing query rejects (→ 503) and the pool drops the dead client.
    const onError = (error: Error) => options.onConnectionError?.(error);
    pool.on("error", onError);
    pool.on("connect", (client) => client.on("error", onError));
    prepareMarkedStatements(pool);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    const listeners = new Set<() => Promise<void>>();
    return {
      db,
      kind: "postgres",
      poolStats: statsOf(pool, options.poolSize ?? 10),
      listen: async (channel, onMessage, onReconnect) => {
        const stop = await listenOnServer(options.url!, channel, onMessage, onReconnect);
        listeners.add(stop);
        return async () => {
          listeners.delete(stop);
          await stop();
        };
      },
      close: async () => {
        for (const stop of listeners) await stop();
        await db.destroy();
      },
    };
  }
  const dataDir = options.dataDir ?? "./data";
  let lock: DataDirLock | undefined;
  let pglite: PGlite;
  let dir: string | undefined;
  if (dataDir.startsWith("memory://")) {
    pglite = new PGlite(dataDir, { extensions: { unaccent, btree_gin, pg_trgm }, postgresqlconf: EMBEDDED_SETTINGS });
  } else {
    dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true });
    lock = acquireDataDirLock(dir);
    pglite = new PGlite(resolve(dir, "pg"), { extensions: { unaccent, btree_gin, pg_trgm }, postgresqlconf: EMBEDDED_SETTINGS });
  }
  await pglite.waitReady;
  const dumpDataDir = async () => new Uint8Array(await (await pglite.dumpDataDir("none")).arrayBuffer());
  // The holder of the folder answers `cli backup` (src/platform/backup.ts); a folder whose socket path is too long
  // for the system (over 107 bytes) is backed up with the server stopped.
  const dumps = dir ? await serveDumps(dir, dumpDataDir).catch(() => undefined) : undefined;
  const pool = new pg.Pool(createPgConfig(pglite));
  prepareMarkedStatements(pool);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: "pglite",
    poolStats: statsOf(pool, (pool as unknown as { options: { max: number } }).options.max),
    listen: async (channel, onMessage) => {
      const unlisten = await pglite.listen(channel, onMessage);
      return async () => {
        await unlisten();
      };
    },
    close: async () => {
      await dumps?.close();
      await db.destroy();
      await pglite.close();
      lock?.release();
    },
    ...(dir ? { dataDir: dir } : {}),
    dumpDataDir,
  };
}

/**
 * A dedicated LISTEN connection. When the server drops it (an error, or the socket simply ending), it is reopened
 * after 1 s, doubling to 30 s, forever: live updates come back by themselves after an outage of any length.
 */
async function listenOnServer(url: string, channel: string, onMessage: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>> {
  if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`invalid channel name: ${channel}`);
  let client: pg.Client | undefined;
  let stopped = false;
  let delay = 1_000;
  let timer: NodeJS.Timeout | undefined;
  let missed = false;
  let started = false; // the first attempt fails to the caller (start-up); later ones retry

  const scheduleRetry = () => {
    if (stopped || timer || !started) return;
    missed = true;
    timer = setTimeout(() => {
      timer = undefined;
      void attempt().catch(() => {});
    }, delay);
    timer.unref();
    delay = Math.min(delay * 2, 30_000);
  };

  const attempt = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000, keepAlive: true });
    let lost = false;
    const onLost = () => {
      if (lost) return;
      lost = true;
      if (client === c) client = undefined;
      c.end().catch(() => {});
      scheduleRetry();
    };
    c.on("notification", (n) => {
      if (n.channel === channel) onMessage(n.payload ?? "");
    });
    c.on("error", onLost);
    c.on("end", onLost);
    try {
      await c.connect();
      await c.query(`LISTEN ${channel}`);
    } catch (error) {
      onLost();
      throw error;
    }
    if (stopped) {
      lost = true;
      await c.end().catch(() => {});
      return;
    }
    client = c;
    delay = 1_000;
    if (missed) {
      missed = false;
      onReconnect?.();
    }
  };

  await attempt();
  started = true;
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    const c = client;
    client = undefined;
    await c?.end().catch(() => {});
  };
}
