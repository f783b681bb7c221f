import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { unaccent } from "@electric-sql/pglite/contrib/unaccent";
import { createPgConfig } from "@electric-sql/pglite/node-postgres";
import { Kysely, PostgresDialect, type Transaction } from "kysely";
import pg from "pg";
import type { DB } from "./schema.js";
import { acquireDataDirLock, type DataDirLock } from "./lock.js";

/** The query interface handed to repositories: the root database or a transaction. */
export type Executor = Kysely<DB>;
export type Tx = Transaction<DB>;

export type Database = {
  db: Kysely<DB>;
  kind: "pglite" | "postgres";
  /** Ends the pool, closes PGlite and releases the data-folder lock. */
  close(): Promise<void>;
};

export type DatabaseOptions = {
  /** PostgreSQL server URL; when absent, the embedded PGlite is used. */
  url?: string | undefined;
  /** PGlite data folder, or "memory://" for a throw-away database. */
  dataDir?: string;
  poolSize?: number;
};

/**
 * Opens the database: a pool on a PostgreSQL server when a URL is given, otherwise the embedded PGlite in its
 * data folder (locked against a second process, since PGlite does not lock its own folder).
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) {
    const pool = new pg.Pool({ connectionString: options.url, max: options.poolSize ?? 10, connectionTimeoutMillis: 5_000 });
    // An idle client losing its server must not crash the process: the next query reconnects.
    pool.on("error", () => {});
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, kind: "postgres", close: () => db.destroy() };
  }
  const dataDir = options.dataDir ?? "./data";
  let lock: DataDirLock | undefined;
  let pglite: PGlite;
  if (dataDir.startsWith("memory://")) {
    pglite = new PGlite(dataDir, { extensions: { unaccent } });
  } else {
    const dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true });
    lock = acquireDataDirLock(dir);
    pglite = new PGlite(resolve(dir, "pg"), { extensions: { unaccent } });
  }
  await pglite.waitReady;
  const pool = new pg.Pool(createPgConfig(pglite) as unknown as pg.PoolConfig);
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: "pglite",
    close: async () => {
      await db.destroy();
      await pglite.close();
      lock?.release();
    },
  };
}
