import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, PRODUCTION_ENV, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { signedInPerson } from "../helpers/people.js";
import { openStream } from "../helpers/sse.js";
import { SEED } from "../../src/app/demo.js";
import { buildHttpApp } from "../../src/app/http.js";
import { loadConfig } from "../../src/platform/config.js";

/** Operations (product §17): liveness, readiness, metrics. */
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.close());

describe("health", () => {
  it("live answers without asking anything; ready checks the database is writable and the migrations current", async () => {
    expect(await call(t.app, "GET", "/api/v1/health/live")).toMatchObject({ status: 200, body: { status: "live" } });
    const ready = await call(t.app, "GET", "/api/v1/health/ready");
    expect(ready).toMatchObject({ status: 200, body: { status: "ready", database: { writable: true }, migrations: { pending: 0 } } });
    // A migration not applied (the code is newer than the schema): not ready, 503 with Retry-After.
    const last = (await t.ctx.db
      .selectFrom("schema_migrations" as never)
      .select("name" as never)
      .orderBy("name" as never, "desc")
      .limit(1)
      .executeTakeFirstOrThrow()) as { name: string };
    await t.ctx.db
      .deleteFrom("schema_migrations" as never)
      .where("name" as never, "=", last.name as never)
      .execute();
    try {
      const pending = await call(t.app, "GET", "/api/v1/health/ready");
      expect(pending).toMatchObject({ status: 503, body: { error: { code: "migrations_pending", details: { pending: [last.name] } } } });
      expect(pending.headers["retry-after"]).toBe("5");
      expect((await call(t.app, "GET", "/api/v1/health/live")).status).toBe(200);
    } finally {
      await t.ctx.db
        .insertInto("schema_migrations" as never)
        .values({ name: last.name })
        .execute();
    }
    expect((await call(t.app, "GET", "/api/v1/health/ready")).status).toBe(200);
  });
});

describe("metrics", () => {
  it("counts requests by route template (never the path with its ids), the pool, the outbox, letters, streams and failed sign-ins", async () => {
    await call(t.app, "GET", "/api/v1/requests/00000000-0000-4000-8000-000000000000");
    await call(t.app, "POST", "/api/v1/session", { body: { email: "personne@exemple.fr", password: "mauvais-mot-de-passe" } });
    const res = await t.app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toContain("text/plain");
    const text = res.body;
    expect(text).toMatch(/mp_http_request_duration_seconds_bucket\{[^}]*route="\/api\/v1\/requests\/:id"[^}]*status="401"/);
    expect(text).not.toContain("00000000-0000-4000-8000-000000000000");
    expect(text).toMatch(/mp_sign_in_failures_total\{side="person"\} 1/);
    expect(text).toMatch(/mp_db_pool_connections\{state="max"\} \d+/);
    expect(text).toMatch(/mp_outbox_depth \d+/);
    expect(text).toMatch(/mp_outbox_oldest_age_seconds [\d.]+/);
    expect(text).toMatch(/mp_letters_pending \d+/);
    expect(text).toMatch(/mp_sse_connections 0/);
    expect(text).toMatch(/mp_process_resident_memory_bytes \d+/);
  });

  it("in production, /metrics does not exist without METRICS_TOKEN, and answers only its bearer with one (404 to anyone else)", async () => {
    const token = "jeton-de-metriques-0123456789-abcdefghij";
    const production = PRODUCTION_ENV;
    // Production watches the event loop too (1 s by default); elsewhere only the pool's queue is watched.
    expect(loadConfig(production).overloadEventLoopDelayMs).toBe(1_000);
    expect(t.ctx.config.overloadEventLoopDelayMs).toBe(0);
    const closed = await buildHttpApp({ ...t.ctx, config: loadConfig(production) }, { webDir: "/nonexistent" });
    const secured = await buildHttpApp({ ...t.ctx, config: loadConfig({ ...production, METRICS_TOKEN: token }) }, { webDir: "/nonexistent" });
    try {
      expect((await closed.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(404);
      expect((await closed.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(404);
      expect((await secured.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(404);
      expect((await secured.inject({ method: "GET", url: "/metrics", headers: { authorization: "Bearer nope" } })).statusCode).toBe(404);
      const scraped = await secured.inject({ method: "GET", url: "/metrics", headers: { authorization: `Bearer ${token}` } });
      expect(scraped.statusCode).toBe(200);
      expect(scraped.body).toContain("mp_http_request_duration_seconds");
    } finally {
      await closed.close();
      await secured.close();
    }
  });
});

describe("graceful shutdown", () => {
  it("closing the server ends the event streams with a retry hint (browsers reconnect elsewhere and catch up)", async () => {
    const server = await startTestApp();
    await seedReferenceData(server.ctx);
    const person = await signedInPerson(server, { siren: SEED.gestion.siren });
    await server.app.listen({ host: "127.0.0.1", port: 0 });
    const base = `http://127.0.0.1:${(server.app.server.address() as { port: number }).port}`;
    const stream = await openStream(base, person.jar.header());
    expect(stream.status).toBe(200);
    expect(stream.ended).toBe(false);
    await server.close();
    await stream.finished;
    expect(stream.raw.startsWith("retry: 5000\n\n")).toBe(true);
    expect(stream.raw.endsWith("retry: 2000\n\n"), JSON.stringify(stream.raw)).toBe(true);
  });
});

describe("overload", () => {
  it("while the database pool's queue is too long, requests are refused at once with 503 and Retry-After; liveness and metrics still answer", async () => {
    const saturated = { ...t.ctx.database, poolStats: () => ({ total: 10, idle: 0, waiting: 10_000, max: 10 }) };
    const app = await buildHttpApp({ ...t.ctx, database: saturated }, { webDir: "/nonexistent" });
    try {
      const refused = await call(app, "GET", "/api/v1/health/ready");
      expect(refused).toMatchObject({ status: 503, body: { error: { code: "overloaded", message: expect.stringContaining("surchargé") } } });
      expect(refused.headers["retry-after"]).toBe("5");
      expect((await call(app, "POST", "/api/v1/session", { body: { email: "a@b.fr", password: "x" } })).status).toBe(503);
      expect((await call(app, "GET", "/api/v1/health/live")).status).toBe(200);
      expect((await app.inject({ method: "GET", url: "/metrics" })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
    // The same server with a pool that keeps up answers normally.
    expect((await call(t.app, "GET", "/api/v1/health/ready")).status).toBe(200);
  });
});
