import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import { call, safeJson, seedReferenceData, startSecondApp, startTestApp, type TestApp, type WireJson } from "../helpers/app.js";
import { letterCodes, newCompany, signedInPerson } from "../helpers/people.js";
import { ISSUER, listen, newSoftware, obtainTokens, softwareClient } from "../helpers/oauth.js";
import { openStream, until, type Stream } from "../helpers/sse.js";
import { DAY, MINUTE } from "../../src/platform/clock.js";
import { createLogger } from "../../src/platform/logger.js";
import { createEventHub, MAX_STREAMS_PER_SESSION, purgeStaleStreams, STREAM_STALE_MS, type EventClient } from "../../src/modules/requests/index.js";
import { SEED } from "../../src/app/demo.js";
import { runHousekeeping } from "../../src/app/worker.js";

/**
 * Every limit is counted once for all the processes on one database (product §17): two application instances on
 * the same database stand for two server processes. Each limit is hit through both in turn.
 */

/** A request from a given address (the per-address limits tell addresses apart). */
async function from(app: FastifyInstance, address: string, method: "GET" | "POST", url: string, body?: unknown) {
  const res = await app.inject({
    method,
    url,
    remoteAddress: address,
    ...(body === undefined ? {} : { payload: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
  return { status: res.statusCode, body: safeJson(res.body) as Record<string, WireJson>, headers: res.headers };
}

const RATE_LIMITED = { code: "rate_limited", message: expect.stringMatching(/^Trop de requêtes ; réessayez dans \d+ s\.$/) };

describe("the client's address behind a load balancer", () => {
  it("is the X-Forwarded-For of a trusted proxy only: each client has its own allowance; anyone else's header is ignored", async () => {
    const behind = await startTestApp({ API_RATE_PER_MINUTE: "2", TRUST_PROXY: "10.0.0.5" });
    try {
      const get = (peer: string, client: string) =>
        behind.app.inject({ method: "GET", url: "/api/v1/health", remoteAddress: peer, headers: { "x-forwarded-for": client } });
      // Through the balancer (10.0.0.5): two clients, two allowances.
      expect([(await get("10.0.0.5", "198.51.100.1")).statusCode, (await get("10.0.0.5", "198.51.100.1")).statusCode]).toEqual([200, 200]);
      expect((await get("10.0.0.5", "198.51.100.1")).statusCode).toBe(429);
      expect((await get("10.0.0.5", "198.51.100.2")).statusCode).toBe(200);
      // A client that is not the balancer cannot pick its address with the header: its own allowance is spent.
      expect([(await get("192.0.2.9", "198.51.100.3")).statusCode, (await get("192.0.2.9", "198.51.100.4")).statusCode]).toEqual([200, 200]);
      expect((await get("192.0.2.9", "198.51.100.5")).statusCode).toBe(429);
    } finally {
      await behind.close();
    }
  });
});

describe("per-address limits shared by two processes", () => {
  let a: TestApp;
  let b: TestApp;
  const env = { API_RATE_PER_MINUTE: "4", SIGNIN_RATE_PER_MINUTE: "3" };
  beforeAll(async () => {
    a = await startTestApp(env);
    b = await startSecondApp(a, env);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("allow the API figure once per address across both, then 429 with Retry-After; a new window a minute later", async () => {
    const statuses: number[] = [];
    const refusals: Awaited<ReturnType<typeof from>>[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await from(i % 2 === 0 ? a.app : b.app, "203.0.113.7", "GET", "/api/v1/health");
      statuses.push(res.status);
      if (res.status === 429) refusals.push(res);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
    for (const r of refusals) {
      expect(r.body.error).toMatchObject(RATE_LIMITED);
      expect(Number(r.headers["retry-after"])).toBeGreaterThan(0);
      expect(Number(r.headers["retry-after"])).toBeLessThanOrEqual(60);
    }
    // Per address: another one is not concerned.
    expect((await from(b.app, "203.0.113.8", "GET", "/api/v1/health")).status).toBe(200);
    a.clock.advance(MINUTE);
    // Housekeeping forgets the counters whose window is over.
    expect((await runHousekeeping(a.ctx)).rateLimits).toBe(2);
    expect((await from(b.app, "203.0.113.7", "GET", "/api/v1/health")).status).toBe(200);
    expect((await from(a.app, "203.0.113.7", "GET", "/api/v1/health")).status).toBe(200);
  });

  it("count a signed-in call once, with its session read in the same statement, whichever process answers", async () => {
    await seedReferenceData(a.ctx);
    const { jar } = await signedInPerson(a, { siren: SEED.gestion.siren });
    const get = (app: FastifyInstance) =>
      app.inject({ method: "GET", url: "/api/v1/session", remoteAddress: "203.0.113.9", headers: { cookie: jar.header() } });
    const answers = [];
    for (const app of [a.app, b.app, a.app, b.app, a.app]) answers.push(await get(app));
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 429]);
    expect(answers.slice(0, 4).map((r) => r.headers["x-ratelimit-remaining"])).toEqual(["3", "2", "1", "0"]);
    const counter = await a.ctx.db.selectFrom("rate_limit_counters").select("hits").where("key", "=", "api:203.0.113.9").executeTakeFirstOrThrow();
    expect(counter.hits).toBe(5);
    // A route with a limit of its own is not counted by the global one.
    const signIn = await a.app.inject({
      method: "POST",
      url: "/api/v1/session",
      remoteAddress: "203.0.113.10",
      payload: JSON.stringify({ email: "personne@inconnue.fr", password: "mauvais-mot-de-passe" }),
      headers: { "content-type": "application/json" },
    });
    expect(signIn.statusCode).toBe(401);
    expect(await a.ctx.db.selectFrom("rate_limit_counters").select("key").where("key", "=", "api:203.0.113.10").executeTakeFirst()).toBeUndefined();
  });

  it("count an IPv6 address by its /64", async () => {
    const statuses = [];
    for (let i = 1; i <= 5; i++) statuses.push((await from(i % 2 === 0 ? a.app : b.app, `2001:db8:5:6::${i}`, "GET", "/api/v1/health")).status);
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    expect((await from(a.app, "2001:db8:5:7::1", "GET", "/api/v1/health")).status).toBe(200);
  });

  it("allow the sign-in figure once per address across both, each limited route keeping its own count", async () => {
    const attempt = (app: FastifyInstance) =>
      from(app, "198.51.100.4", "POST", "/api/v1/session", { email: "personne@inconnue.fr", password: "mauvais-mot-de-passe" });
    const statuses = [];
    for (const app of [a.app, b.app, a.app, b.app, a.app]) statuses.push((await attempt(app)).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    const refused = await attempt(b.app);
    expect(refused.body.error).toMatchObject(RATE_LIMITED);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    // The recovery route has its own allowance at the same figure.
    expect((await from(b.app, "198.51.100.4", "POST", "/api/v1/password-reset", { email: "personne@inconnue.fr" })).status).toBe(202);
    a.clock.advance(MINUTE);
    expect((await attempt(b.app)).status).toBe(401);
  });
});

describe("limits of people, companies and software shared by two processes", () => {
  let a: TestApp;
  let b: TestApp;
  const env = { PUBLIC_URL: ISSUER, SOFTWARE_RATE_PER_MINUTE: "3" };
  beforeAll(async () => {
    a = await startTestApp(env);
    await seedReferenceData(a.ctx);
    b = await startSecondApp(a, env);
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("back off a sign-in address from its 5th failure, whichever process counted the failures", async () => {
    const email = "cible.partagee@exemple.fr";
    const attempt = (app: FastifyInstance) => call(app, "POST", "/api/v1/session", { body: { email, password: "mauvais-mot-de-passe" } });
    for (const app of [a.app, b.app, a.app, b.app, a.app]) expect((await attempt(app)).status).toBe(401);
    for (const app of [b.app, a.app]) {
      const locked = await attempt(app);
      expect(locked.status).toBe(429);
      expect(locked.body.error).toMatchObject({ code: "too_many_attempts", message: "Trop de tentatives de connexion. Réessayez dans 30 s." });
      expect(locked.headers["retry-after"]).toBe("30");
    }
    a.clock.advance(30_000);
    expect((await attempt(b.app)).status).toBe(401);
  });

  it("send 3 device codes per address in 15 minutes, whichever process is asked", async () => {
    const ask = (app: FastifyInstance) => call(app, "POST", "/api/v1/session/device/resend", { body: { email: "codes.partages@exemple.fr" } });
    for (const app of [a.app, b.app, a.app]) expect((await ask(app)).status).toBe(202);
    const refused = await ask(b.app);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({ code: "too_many_codes", message: expect.stringMatching(/^Trois codes ont déjà été envoyés à cette adresse/) });
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    a.clock.advance(15 * MINUTE);
    expect((await ask(b.app)).status).toBe(202);
  });

  it("allow 5 wrong opposition codes per SIREN and day across both, a right code costing none", async () => {
    const requester = await signedInPerson(a, { siren: SEED.gestion.siren });
    const siren = await newCompany(a, "OPPOSITION PARTAGEE");
    expect((await call(a.app, "POST", "/api/v1/adhesions", { jar: requester.jar, body: { siren, quality: "mandated", services: ["cfe"] } })).status).toBe(201);
    const { oppositionCode } = await letterCodes(a, siren);
    const wrongCode = oppositionCode.startsWith("0") ? "1111-1111" : "0000-0000";
    const oppose = (app: FastifyInstance, code = wrongCode) => call(app, "POST", "/api/v1/opposition", { body: { siren, oppositionCode: code } });
    for (const app of [a.app, b.app, a.app, b.app]) expect((await oppose(app)).status).toBe(422);
    // The right code is not a failure: one wrong code is still allowed after it.
    expect((await oppose(b.app, oppositionCode)).body).toEqual({ status: "opposed" });
    const fifth = await oppose(a.app);
    expect(fifth.body.error).toMatchObject({ code: "invalid_opposition_code", details: { attemptsLeft: 0 } });
    const refused = await oppose(b.app);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({
      code: "too_many_opposition_attempts",
      message: "Trop de codes d'opposition erronés aujourd'hui pour cette entreprise. Réessayez demain.",
    });
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    a.clock.advance(DAY);
    expect((await oppose(a.app)).status).toBe(422);
  });

  it("never let concurrent wrong opposition codes through both processes pass the figure", async () => {
    const siren = await newCompany(a, "RAFALE SARL");
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => call(i % 2 === 0 ? a.app : b.app, "POST", "/api/v1/opposition", { body: { siren, oppositionCode: "ZZZZ-ZZZZ" } })),
    );
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array<number>(5).fill(422), ...Array<number>(7).fill(429)]);
  });

  it("never let simultaneous adhesions through both processes pass a person's 3 pending in 24 hours", async () => {
    const person = await signedInPerson(a, { siren: SEED.gestion.siren });
    const sirens = [];
    for (let i = 0; i < 6; i++) sirens.push(await newCompany(a, `AFFLUX ${i}`));
    const answers = await Promise.all(
      sirens.map((siren, i) =>
        call(i % 2 === 0 ? a.app : b.app, "POST", "/api/v1/adhesions", { jar: person.jar, body: { siren, quality: "mandated", services: ["cfe"] } }),
      ),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([201, 201, 201, 429, 429, 429]);
    expect(answers.find((r) => r.status === 429)!.body.error.code).toBe("too_many_pending_adhesions");
  });

  it("allow a software acting through a person its figure once across both, then 429 with Retry-After", async () => {
    const send = await listen(a);
    const person = await signedInPerson(a, { siren: SEED.gestion.siren });
    const software = await newSoftware(a);
    const config = await softwareClient(send, software);
    const { access_token: token } = await obtainTokens(a, send, config, person, "all", "companies.read");
    const headers = { authorization: `Bearer ${token}` };
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof call>> | undefined;
    for (const app of [b.app, a.app, b.app, a.app, b.app]) {
      const res = await call(app, "GET", "/api/v1/companies", { headers });
      statuses.push(res.status);
      refused ??= res.status === 429 ? res : undefined;
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(refused!.body.error).toMatchObject(RATE_LIMITED);
    expect(Number(refused!.headers["retry-after"])).toBeGreaterThan(0);
    // The person's own browser session is not the software's allowance.
    expect((await call(b.app, "GET", "/api/v1/companies", { jar: person.jar })).status).toBe(200);
    a.clock.advance(MINUTE);
    expect((await call(b.app, "GET", "/api/v1/companies", { headers })).status).toBe(200);
  }, 60_000);
});

describe("event streams per session, counted across processes", () => {
  let a: TestApp;
  let b: TestApp;
  const bases: string[] = [];
  beforeAll(async () => {
    a = await startTestApp();
    await seedReferenceData(a.ctx);
    b = await startSecondApp(a);
    for (const app of [a.app, b.app]) {
      await app.listen({ host: "127.0.0.1", port: 0 });
      bases.push(`http://127.0.0.1:${(app.server.address() as { port: number }).port}`);
    }
  }, 60_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it("keep 5 streams of a session open in all: a 6th on another process closes the oldest, wherever it is", async () => {
    const person = await signedInPerson(a, { siren: SEED.gestion.siren });
    const other = await signedInPerson(a, { siren: SEED.gestion.siren });
    const streams: Stream[] = [];
    const otherStream = await openStream(bases[1]!, other.jar.header());
    try {
      for (let i = 0; i < 3; i++) streams.push(await openStream(bases[0]!, person.jar.header()));
      for (let i = 0; i < 2; i++) streams.push(await openStream(bases[1]!, person.jar.header()));
      // Five in all: none closed.
      expect(await until(() => streams.some((s) => s.ended), 500)).toBe(false);
      // The sixth, on the second process, closes the oldest, held by the first.
      streams.push(await openStream(bases[1]!, person.jar.header()));
      expect(await until(() => streams[0]!.ended)).toBe(true);
      expect(streams[0]!.events.at(-1)).toEqual({ event: "stream.closed", data: { reason: "too_many_streams" } });
      // A seventh on the first process closes the next oldest, held there too.
      streams.push(await openStream(bases[0]!, person.jar.header()));
      expect(await until(() => streams[1]!.ended)).toBe(true);
      expect(streams.slice(2).every((s) => !s.ended)).toBe(true);
      expect(otherStream.ended).toBe(false);
      // In the database: the person's five and the other person's one.
      const live = await a.ctx.db.selectFrom("event_streams").select("id").where("evicted", "=", false).execute();
      expect(live).toHaveLength(MAX_STREAMS_PER_SESSION + 1);
    } finally {
      for (const s of [...streams, otherStream]) s.close();
    }
  });

  it("stop counting the streams of a process that died, and purge them", async () => {
    const person = await signedInPerson(a, { siren: SEED.gestion.siren });
    const session = (await a.ctx.db.selectFrom("sessions").select("token_hash").where("subject_id", "=", person.spaceId).executeTakeFirstOrThrow()).token_hash;
    const streams: Stream[] = [];
    try {
      for (let i = 0; i < 2; i++) streams.push(await openStream(bases[0]!, person.jar.header()));
      // A third process opened three streams of the session later, then died: it stopped refreshing them.
      const dead = new Date(a.clock.now().getTime() - STREAM_STALE_MS);
      await a.ctx.db
        .insertInto("event_streams")
        .values([1, 2, 3].map((i) => ({ id: `00000000-0000-4000-8000-00000000000${i}`, session_key: session, seen_at: dead })))
        .execute();
      // Counted, they would make these three the sixth, seventh and eighth, closing the two live ones.
      for (let i = 0; i < 3; i++) streams.push(await openStream(bases[1]!, person.jar.header()));
      expect(await until(() => streams.some((s) => s.ended), 500)).toBe(false);
      expect(await purgeStaleStreams(a.ctx)).toBe(3);
      const left = await a.ctx.db.selectFrom("event_streams").select("id").where("session_key", "=", session).execute();
      expect(left).toHaveLength(5);
    } finally {
      for (const s of streams) s.close();
    }
  });

  it("close a stream evicted elsewhere at the next refresh, even when the word of it was missed", async () => {
    // Two hubs on the same database, as two processes; the first hears nothing of the evictions (no LISTEN).
    const quiet = { db: a.ctx.db, clock: a.clock, logger: createLogger("silent"), listen: () => Promise.resolve(async () => {}) };
    const first = createEventHub(quiet);
    const second = createEventHub({ ...quiet, listen: a.ctx.database.listen });
    const ended: string[] = [];
    const client = (name: string): EventClient => ({
      spaceId: "00000000-0000-4000-8000-0000000000aa",
      session: "session-rafraichie",
      send: () => {},
      evict: () => ended.push(name),
      release: () => {},
    });
    try {
      for (let i = 0; i < MAX_STREAMS_PER_SESSION; i++) first.add(await first.open("session-rafraichie"), client(`premier-${i}`));
      second.add(await second.open("session-rafraichie"), client("second"));
      expect(ended).toEqual([]);
      await first.refresh();
      expect(ended).toEqual(["premier-0"]);
      expect(first.size).toBe(MAX_STREAMS_PER_SESSION - 1);
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});
