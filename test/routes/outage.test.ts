import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { activeAdministrator } from "../helpers/people.js";
import { tcpProxy } from "../helpers/proxy.js";
import { openStream, until } from "../helpers/sse.js";
import { openDatabase } from "../../src/platform/db/database.js";
import { SEED } from "../../src/app/demo.js";
import { buildHttpApp } from "../../src/app/http.js";

/**
 * The network to PostgreSQL fails under a running process (a server only: PGlite has no network). The process
 * reaches the database through a TCP proxy that the test cuts while the pool is idle and in the middle of a
 * transaction; the same process answers 503 (never 500, never dies), then 200 once the proxy is back, and its live
 * updates come back by themselves.
 */
const serverOnly = !process.env.TEST_DATABASE_URL;

let direct: TestApp; // a second process's view of the same database, not behind the proxy
let proxied: TestApp;
let proxy: Awaited<ReturnType<typeof tcpProxy>>;
let base: string;

beforeAll(async () => {
  if (serverOnly) return;
  direct = await startTestApp();
  await seedReferenceData(direct.ctx);
  const url = new URL(direct.databaseUrl!);
  proxy = await tcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  url.port = String(proxy.port);
  const database = await openDatabase({ url: url.toString(), poolSize: 4 });
  proxied = await startTestApp({}, { clock: direct.clock, database: { ...database, url: url.toString() } });
  await proxied.app.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(proxied.app.server.address() as { port: number }).port}`;
});
afterAll(async () => {
  if (serverOnly) return;
  if (!proxy.isUp) await proxy.restore();
  await proxied.close();
  await proxy.close();
  await direct.close();
});

describe.skipIf(serverOnly)("a PostgreSQL connection lost under a running process", () => {
  it("answers 503 with Retry-After while idle and mid-transaction, 200 once back, and live events resume", async () => {
    const robert = await activeAdministrator(direct, SEED.martin.siren, {
      quality: "legal_representative",
      companyEmail: "robert.lambda@martindistribution.com",
    });
    const filed = await call(proxied.app, "POST", "/api/v1/requests", {
      jar: robert.jar,
      body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "Panne réseau", body: "Bonjour", uploadIds: [] },
    });
    expect(filed.status).toBe(201);
    const stream = await openStream(base, robert.jar.header());
    try {
      // 1. Cut while the pool is idle, long enough for the LISTEN connection to fail to come back twice.
      proxy.refuse();
      const idle = await call(proxied.app, "GET", `/api/v1/requests/${filed.body.id}`, { jar: robert.jar });
      expect(idle.status).toBe(503);
      expect(idle.body.error.code).toBe("service_unavailable");
      expect(idle.headers["retry-after"]).toBe("5");
      const seen = proxy.refused;
      expect(await until(() => proxy.refused >= seen + 2, 10_000)).toBe(true);
      await proxy.restore();
      expect((await call(proxied.app, "GET", `/api/v1/requests/${filed.body.id}`, { jar: robert.jar })).status).toBe(200);

      // 2. Cut in the middle of a transaction (a reply with an Idempotency-Key is one): the message is written, then
      // the COMMIT never reaches the server, which rolls it all back.
      const count = async () => (await direct.ctx.db.selectFrom("messages").select("id").where("request_id", "=", filed.body.id).execute()).length;
      const before = await count();
      proxy.cutOn(/\bcommit\b/i);
      const key = { "idempotency-key": "reponse-pendant-la-panne" };
      const midway = await call(proxied.app, "POST", `/api/v1/requests/${filed.body.id}/messages`, {
        jar: robert.jar,
        headers: key,
        body: { body: "Pendant la panne" },
      });
      expect(midway.status).toBe(503);
      expect(midway.headers["retry-after"]).toBe("5");
      expect(proxy.isUp).toBe(false);
      expect(await count()).toBe(before);
      await proxy.restore();
      // The browser retries with the same key: written once.
      const after = await call(proxied.app, "POST", `/api/v1/requests/${filed.body.id}/messages`, {
        jar: robert.jar,
        headers: key,
        body: { body: "Pendant la panne" },
      });
      expect(after.status).toBe(201);
      expect(await count()).toBe(before + 1);

      // 3. The LISTEN connection comes back by itself (retrying with back-off): a message posted through the other
      // process reaches the stream, live if LISTEN is already back, else replayed when it is.
      const elsewhere = await call(direct.app, "POST", `/api/v1/requests/${filed.body.id}/messages`, {
        jar: robert.jar,
        body: { body: "Par l'autre processus" },
      });
      expect(elsewhere.status).toBe(201);
      expect(await until(() => stream.events.some((e) => e.data.id === filed.body.id && e.id === elsewhere.body.createdAt), 20_000)).toBe(true);
      expect(stream.ended).toBe(false);
    } finally {
      stream.close();
    }
  }, 60_000);
});

describe.skipIf(serverOnly)("a connection that reaches a demoted primary", () => {
  it("answers a write with 503 and Retry-After (read-only transaction), never a 500, and writes nothing", async () => {
    // During a failover a pooled connection can still reach the old primary, turned standby, for an instant: its
    // transactions are read-only (SQLSTATE 25006). Such a server is imitated by read-only sessions.
    const url = new URL(direct.databaseUrl!);
    url.searchParams.set("options", "-c default_transaction_read_only=on");
    const database = await openDatabase({ url: url.toString(), poolSize: 2 });
    const readOnly = { app: await buildHttpApp({ ...direct.ctx, db: database.db }, { webDir: "/nonexistent" }), close: async () => database.close() };
    try {
      const robert = await activeAdministrator(direct, SEED.martin.siren, {
        quality: "legal_representative",
        companyEmail: "robert.lambda@martindistribution.com",
      });
      const before = await direct.ctx.db.selectFrom("requests").select("id").execute();
      const res = await call(readOnly.app, "POST", "/api/v1/requests", {
        jar: robert.jar,
        body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "Pendant la bascule", body: "Bonjour", uploadIds: [] },
      });
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe("service_unavailable");
      expect(res.headers["retry-after"]).toBe("5");
      expect(await direct.ctx.db.selectFrom("requests").select("id").execute()).toHaveLength(before.length);
    } finally {
      await readOnly.app.close();
      await readOnly.close();
    }
  });
});
