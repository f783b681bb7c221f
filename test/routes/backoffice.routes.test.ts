import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate } from "otplib";
import { call, CookieJar, countRows, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { makeAgent } from "../../src/app/factories.js";
import { MINUTE } from "../../src/platform/clock.js";

let t: TestApp;
const SECRET = "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B";
const PASSWORD = "Guichet-Fiscal-Solide-42";
const totp = (offsetS = 0) => generate({ secret: SECRET, epoch: Math.floor(t.clock.now().getTime() / 1000) + offsetS });

beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  await makeAgent(t.ctx, { email: "agent.paris11@dgfip.test", name: "Paul Agent", services: ["SIE-75111"], password: PASSWORD, totpSecret: SECRET });
  await makeAgent(t.ctx, {
    email: "agent.lyon@dgfip.test",
    name: "Louis Agent",
    services: ["SIE-69381"],
    password: PASSWORD,
    totpSecret: "ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU",
  });
});
afterAll(async () => t.close());

async function signIn(email = "agent.paris11@dgfip.test") {
  t.clock.advance(30_000); // a fresh TOTP step for every sign-in (a code is single use)
  const jar = new CookieJar();
  const res = await call(t.app, "POST", "/api/v1/backoffice/session", { body: { email, password: PASSWORD, totp: await totp() }, jar });
  return { res, jar };
}

describe("POST /api/v1/backoffice/session", () => {
  it("signs an agent in with password and TOTP and shows his services", async () => {
    const { res, jar } = await signIn();
    expect(res.status).toBe(200);
    expect(res.body.agent).toMatchObject({ email: "agent.paris11@dgfip.test", services: [{ code: "SIE-75111", name: "SIE Paris 11e", type: "SIE" }] });
    const me = await call(t.app, "GET", "/api/v1/backoffice/session", { jar });
    expect(me.body.agent.name).toBe("Paul Agent");
    // The agent secret and hash never leave the server.
    expect(JSON.stringify(me.body)).not.toMatch(/totp_secret|password_hash|\$argon2/);
  });

  it("refuses a wrong TOTP, a wrong password and an unknown agent with the same 401", async () => {
    t.clock.advance(30_000);
    const wrongTotp = await call(t.app, "POST", "/api/v1/backoffice/session", {
      body: { email: "agent.paris11@dgfip.test", password: PASSWORD, totp: "000000" },
    });
    const wrongPassword = await call(t.app, "POST", "/api/v1/backoffice/session", {
      body: { email: "agent.paris11@dgfip.test", password: "mauvais-mot-de-passe", totp: await totp() },
    });
    const unknown = await call(t.app, "POST", "/api/v1/backoffice/session", { body: { email: "personne@dgfip.test", password: PASSWORD, totp: await totp() } });
    for (const r of [wrongTotp, wrongPassword, unknown]) {
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe("invalid_credentials");
    }
    expect(wrongTotp.body.error.message).toBe(unknown.body.error.message);
  });

  it("refuses a TOTP code used once already (replay)", async () => {
    t.clock.advance(30_000);
    const code = await generate({ secret: "ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU", epoch: Math.floor(t.clock.now().getTime() / 1000) });
    const first = await call(t.app, "POST", "/api/v1/backoffice/session", { body: { email: "agent.lyon@dgfip.test", password: PASSWORD, totp: code } });
    expect(first.status).toBe(200);
    const replay = await call(t.app, "POST", "/api/v1/backoffice/session", { body: { email: "agent.lyon@dgfip.test", password: PASSWORD, totp: code } });
    expect(replay.status).toBe(401);
  });

  it.each([
    ["malformed JSON", { rawBody: "{" }, 400, "malformed_json"],
    ["a missing TOTP", { body: { email: "agent.paris11@dgfip.test", password: PASSWORD } }, 400, "invalid_request"],
    ["a wrong type", { body: { email: "agent.paris11@dgfip.test", password: PASSWORD, totp: 123456 } }, 400, "invalid_request"],
    ["a non-JSON content type", { rawBody: "email=x", headers: { "content-type": "text/plain" } }, 415, "unsupported_media_type"],
  ])("refuses %s and writes nothing", async (_l, options, status, code) => {
    const before = [await countRows(t, "sessions"), await countRows(t, "journal")];
    const res = await call(t.app, "POST", "/api/v1/backoffice/session", options);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect([await countRows(t, "sessions"), await countRows(t, "journal")]).toEqual(before);
  });

  it("expires an agent session after 15 idle minutes", async () => {
    const { jar } = await signIn();
    t.clock.advance(14 * MINUTE);
    expect((await call(t.app, "GET", "/api/v1/backoffice/session", { jar })).status).toBe(200);
    t.clock.advance(16 * MINUTE);
    expect((await call(t.app, "GET", "/api/v1/backoffice/session", { jar })).status).toBe(401);
  });

  it("keeps agent and company sessions apart, and requires the CSRF header to sign out", async () => {
    const { jar } = await signIn();
    const token = jar.get("mp_bo_session")!;
    expect((await call(t.app, "GET", "/api/v1/session", { headers: { cookie: `mp_session=${token}` } })).status).toBe(401);
    expect((await call(t.app, "DELETE", "/api/v1/backoffice/session", { jar, csrf: false })).status).toBe(403);
    expect((await call(t.app, "DELETE", "/api/v1/backoffice/session", { jar })).status).toBe(204);
    expect((await call(t.app, "GET", "/api/v1/backoffice/session", { jar })).status).toBe(401);
    expect((await call(t.app, "GET", "/api/v1/backoffice/session")).status).toBe(401);
  });
});

describe("platform routes", () => {
  it("publishes an OpenAPI 3.1 document listing the routes", async () => {
    const res = await call(t.app, "GET", "/api/v1/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    for (const path of ["/api/v1/spaces", "/api/v1/spaces/verify", "/api/v1/session", "/api/v1/session/device", "/api/v1/backoffice/session"]) {
      expect(res.body.paths).toHaveProperty([path]);
    }
    expect(res.body.paths["/api/v1/spaces"].post.requestBody.content["application/json"].schema.required).toContain("connectionEmail");
    expect((await t.app.inject({ method: "GET", url: "/api/docs/" })).statusCode).toBe(200);
  });

  it("sends the security headers", async () => {
    const res = await call(t.app, "GET", "/api/v1/health");
    expect(res.body).toMatchObject({ status: "ok" });
    expect(res.headers["content-security-policy"]).toContain("default-src 'self'");
    expect(res.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["referrer-policy"]).toBe("no-referrer");
    expect(res.headers["cache-control"]).toBe("no-store");
    // Every answer carries the same set, the refusals included; HSTS only in production (behind TLS).
    const expected = {
      "content-security-policy":
        "default-src 'self';script-src 'self';style-src 'self' 'unsafe-inline';img-src 'self' data:;font-src 'self' data:;connect-src 'self';object-src 'none';frame-ancestors 'none';base-uri 'none';form-action 'self'",
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-resource-policy": "same-origin",
      "origin-agent-cluster": "?1",
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
      "x-dns-prefetch-control": "off",
      "x-download-options": "noopen",
      "x-frame-options": "SAMEORIGIN",
      "x-permitted-cross-domain-policies": "none",
      "x-xss-protection": "0",
    };
    for (const answer of [res, await call(t.app, "GET", "/api/v1/nothing-here"), await call(t.app, "POST", "/api/v1/session", { body: { email: "x" } })]) {
      expect(answer.headers).toMatchObject(expected);
      expect(answer.headers["strict-transport-security"]).toBeUndefined();
      expect(answer.headers["cross-origin-embedder-policy"]).toBeUndefined();
    }
  });

  it("answers unknown API routes with a coded 404", async () => {
    const res = await call(t.app, "GET", "/api/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("route_not_found");
  });

  it("lists caught mails newest first, filtered by recipient, with bad filters refused", async () => {
    const all = await call(t.app, "GET", "/api/v1/dev/mails");
    expect(all.status).toBe(200);
    expect(Array.isArray(all.body.items)).toBe(true);
    expect((await call(t.app, "GET", "/api/v1/dev/mails?limit=0")).status).toBe(400);
    const letters = await call(t.app, "GET", "/api/v1/dev/letters");
    expect(letters.body).toEqual({ items: [] });
    expect((await call(t.app, "GET", "/api/v1/dev/letters?siren=12")).status).toBe(400);
  });

  it("limits the rate per address (429 with Retry-After)", async () => {
    const limited = await startTestApp({ API_RATE_PER_MINUTE: "3" });
    try {
      const statuses: number[] = [];
      let retryAfter: unknown;
      for (let i = 0; i < 5; i++) {
        const r = await call(limited.app, "GET", "/api/v1/health");
        statuses.push(r.status);
        if (r.status === 429) retryAfter = r.headers["retry-after"];
        if (r.status === 429) expect(r.body.error.code).toBe("rate_limited");
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});
