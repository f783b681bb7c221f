import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type Database } from "../../src/platform/db/database.js";
import { migrate } from "../../src/platform/db/migrate.js";

/**
 * A fresh, empty database: a new database on the PostgreSQL server reached through `adminUrl` (dropped on
 * close), or an embedded PGlite (`dataDir`, in memory by default).
 */
export async function openFreshDatabase(
  adminUrl: string | undefined,
  options: { dataDir?: string; prefix?: string } = {},
): Promise<Database & { url?: string }> {
  if (!adminUrl) return openDatabase({ dataDir: options.dataDir ?? "memory://" });
  const name = `${options.prefix ?? "mp_test"}_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString(), poolSize: 20 });
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      const again = new pg.Client({ connectionString: adminUrl });
      await again.connect();
      await again.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await again.end();
    },
  };
}

/** A fresh database for one test file: on the server of TEST_DATABASE_URL when set, else an in-memory PGlite. */
export function openTestDatabase(): Promise<Database & { url?: string }> {
  return openFreshDatabase(process.env.TEST_DATABASE_URL);
}

/** The same, with the migrations applied. */
export async function openMigratedTestDatabase(): Promise<Database> {
  const database = await openTestDatabase();
  await migrate(database.db);
  return database;
}
