import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { DB } from "../../src/platform/db/schema.js";
import { buildHttpApp } from "../../src/app/http.js";
import { createLogger } from "../../src/platform/logger.js";
import { loadConfig } from "../../src/platform/config.js";
import { createContext } from "../../src/app/context.js";
import { manualClock } from "../../src/platform/clock.js";
import { makeActiveSpace, makeCompany } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";
import { call, CookieJar, lastMailTo, type TestApp } from "../helpers/app.js";
import { openTestDatabase } from "../helpers/db.js";
import { assertNoContractViolations, recordContractViolations } from "../helpers/contract.js";

const lines: string[] = [];
let t: TestApp;
beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  const clock = manualClock(new Date("2026-11-28T09:00:00Z"));
  const logger = createLogger("trace", sink);
  const config = loadConfig({ NODE_ENV: "test", SIGNIN_RATE_PER_MINUTE: "10000" });
  const ctx = await createContext(config, { clock, database: await openTestDatabase(), logger });
  const app = await buildHttpApp(ctx, { webDir: "/nonexistent" });
  const contractViolations: string[] = [];
  recordContractViolations(app, contractViolations);
  await app.ready();
  t = {
    ctx,
    app,
    clock,
    contractViolations,
    async close() {
      await app.close();
      await ctx.close();
      assertNoContractViolations(contractViolations);
    },
  };
  await makeCompany(ctx, { ...SEED.gestion, streetName: "BELLECOUR", postalCode: "69002", communeName: "LYON", communeCode: "69382" });
});
afterAll(async () => t.close());

describe("logs", () => {
  it("carry the request id and never a password, a code or a session token", async () => {
    const email = "journal@gestion.com";
    const password = "Vingt-Trois-Lapins-Bleus";
    await makeActiveSpace(t.ctx, { email, password, firstName: "Léa", lastName: "Journal", siren: SEED.gestion.siren });
    const jar = new CookieJar();
    await call(t.app, "POST", "/api/v1/session", { body: { email, password }, jar });
    const code = (await lastMailTo(t, email)).text.match(/Code de connexion : (\d{6})/)![1]!;
    const res = await call(t.app, "POST", "/api/v1/session/device", { body: { email, code }, jar });
    expect(res.status).toBe(200);
    await call(t.app, "GET", "/api/v1/session", { jar });
    const text = lines.join("\n");
    expect(lines.length).toBeGreaterThan(3);
    expect(text).toContain(res.raw.headers["x-request-id"] as string);
    for (const secret of [password, code, jar.get("mp_session")!, jar.get("mp_device")!, jar.csrf!]) expect(text).not.toContain(secret);
  });
});

describe("database outage", () => {
  it("answers 503 with Retry-After, never a 500", async () => {
    // The same application whose pool points at a port where no PostgreSQL listens.
    const pool = new pg.Pool({ connectionString: "postgres://postgres@127.0.0.1:1/none", connectionTimeoutMillis: 1000 });
    pool.on("error", () => {});
    const deadDb = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    const app = await buildHttpApp({ ...t.ctx, db: deadDb }, { webDir: "/nonexistent" });
    try {
      for (const [method, url, body] of [
        ["GET", "/api/v1/health", undefined],
        ["POST", "/api/v1/session", { email: "a@b.fr", password: "x" }],
        ["GET", "/api/v1/session", undefined],
      ] as const) {
        const res = await call(app, method, url, { body, headers: { cookie: "mp_session=some-token-of-a-decent-length" } });
        expect(res.status).toBe(503);
        expect(res.body.error.code).toBe("service_unavailable");
        expect(res.headers["retry-after"]).toBe("5");
      }
    } finally {
      await app.close();
      await deadDb.destroy();
    }
  });
});
