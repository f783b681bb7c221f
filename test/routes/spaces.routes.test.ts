import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, CookieJar, countRows, lastMailTo, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { SEED } from "../../src/app/demo.js";
import { HOUR, MINUTE } from "../../src/platform/clock.js";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
});
afterAll(async () => t.close());

const PASSWORD = "Vingt-Trois-Lapins-Bleus";
let counter = 0;
const newPerson = (over: Record<string, unknown> = {}) => ({
  mode: "expert",
  connectionEmail: `personne${++counter}@gestion.com`,
  password: PASSWORD,
  firstName: "Lila",
  lastName: "Rosemonde",
  phone: "04 72 00 00 00",
  siren: SEED.gestion.siren,
  ...over,
});

async function createVerified(over: Record<string, unknown> = {}) {
  const body = newPerson(over);
  const created = await call(t.app, "POST", "/api/v1/spaces", { body });
  expect(created.status).toBe(201);
  const mail = await lastMailTo(t, body.connectionEmail);
  const code = mail.text.match(/code de validation : ([0-9A-Z-]{9})/)![1]!;
  expect((await call(t.app, "POST", "/api/v1/spaces/verify", { body: { connectionEmail: body.connectionEmail, code } })).status).toBe(200);
  return body;
}

/** Signs in through the new-device code and returns the jar (session + remembered device). */
async function signInNewDevice(email: string, password = PASSWORD, jar = new CookieJar()) {
  const first = await call(t.app, "POST", "/api/v1/session", { body: { email, password }, jar });
  expect(first.body).toEqual({ status: "device_verification_required" });
  const mail = await lastMailTo(t, email);
  const code = mail.text.match(/Code de connexion : (\d{6})/)![1]!;
  const done = await call(t.app, "POST", "/api/v1/session/device", { body: { email, code }, jar });
  expect(done.status).toBe(200);
  return jar;
}

describe("POST /api/v1/spaces", () => {
  it("creates an expert space pending verification and e-mails an 8-character code valid 48 hours", async () => {
    const body = newPerson();
    const res = await call(t.app, "POST", "/api/v1/spaces", { body });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ status: "pending_email_verification" });
    const mail = await lastMailTo(t, body.connectionEmail);
    expect(mail.text).toMatch(/numéro d'abonné[^\d]*\d{14}/i);
    const space = await t.ctx.db.selectFrom("spaces").select("id").where("connection_email", "=", body.connectionEmail).executeTakeFirstOrThrow();
    expect(mail.text).toMatch(/code de validation : [0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}/);
    expect(mail.text).toContain("30 novembre 2026");
    // The code is stored hashed, never in clear.
    const stored = await t.ctx.db.selectFrom("space_email_codes").select("code_hash").where("space_id", "=", space.id).executeTakeFirstOrThrow();
    const code = mail.text.match(/code de validation : ([0-9A-Z-]{9})/)![1]!.replace("-", "");
    expect(stored.code_hash).not.toContain(code);
    expect(stored.code_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each([
    ["malformed JSON", { rawBody: "{not json" }, 400, "malformed_json"],
    ["an empty body", { rawBody: "" }, 400, "malformed_json"],
    ["missing fields", { body: { mode: "expert" } }, 400, "invalid_request"],
    ["wrong types", { body: newPerson({ siren: 812345676, phone: true }) }, 400, "invalid_request"],
    ["an unknown mode", { body: newPerson({ mode: "turbo" }) }, 400, "invalid_request"],
    ["a malformed e-mail", { body: newPerson({ connectionEmail: "pas-une-adresse" }) }, 400, "invalid_request"],
    ["a malformed SIREN", { body: newPerson({ siren: "12345" }) }, 400, "invalid_request"],
    ["a SIREN with a wrong key", { body: newPerson({ siren: "812345677" }) }, 422, "unknown_company"],
    ["a SIREN absent from the reference data", { body: newPerson({ siren: "732829320" }) }, 422, "unknown_company"],
    ["a short password", { body: newPerson({ password: "court" }) }, 422, "weak_password"],
    ["a common password", { body: newPerson({ password: "123456789012" }) }, 422, "weak_password"],
    ["a password holding the SIREN", { body: newPerson({ password: `Cabinet-${SEED.gestion.siren}` }) }, 422, "weak_password"],
    ["an oversized body", { body: newPerson({ firstName: "x".repeat(70_000) }) }, 413, "payload_too_large"],
  ])("refuses %s with a coded 4xx and writes nothing", async (_label, options, status, code) => {
    const before = [await countRows(t, "spaces"), await countRows(t, "journal"), await countRows(t, "outbox")];
    const res = await call(t.app, "POST", "/api/v1/spaces", options);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers["x-request-id"]).toBe(res.body.error.requestId);
    expect(JSON.stringify(res.body)).not.toMatch(/stack|at .*\.ts:/);
    expect([await countRows(t, "spaces"), await countRows(t, "journal"), await countRows(t, "outbox")]).toEqual(before);
  });

  it("names the invalid fields of a 400", async () => {
    const res = await call(t.app, "POST", "/api/v1/spaces", { body: newPerson({ siren: "abc", phone: "" }) });
    const fields = (res.body.error.details.issues as { field: string }[]).map((i) => i.field);
    expect(fields).toEqual(expect.arrayContaining(["body.siren", "body.phone"]));
  });

  it("refuses a ceased company", async () => {
    const { makeCompany } = await import("../../src/app/factories.js");
    await makeCompany(t.ctx, {
      siren: "552100554",
      name: "ANCIENNE SA",
      isActive: false,
      streetName: "RUE X",
      postalCode: "75011",
      communeName: "PARIS",
      communeCode: "75111",
    });
    const res = await call(t.app, "POST", "/api/v1/spaces", { body: newPerson({ siren: "552100554" }) });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("ceased_company");
  });

  it("answers a taken address exactly as a free one (status, body, time): its owner is told by mail, nothing is created, a pending space keeps its code", async () => {
    // An active space, and a space still waiting for its code.
    const active = await createVerified();
    const pending = newPerson();
    expect((await call(t.app, "POST", "/api/v1/spaces", { body: pending })).status).toBe(201);
    const pendingCode = (await lastMailTo(t, pending.connectionEmail)).text.match(/code de validation : ([0-9A-Z-]{9})/)![1]!;
    const spacesBefore = await countRows(t, "spaces");

    const attempt = (connectionEmail: string) =>
      call(t.app, "POST", "/api/v1/spaces", { body: { ...newPerson(), connectionEmail, password: "Un-Autre-Mot-De-Passe-Long" } });
    const takenActive = await attempt(active.connectionEmail.toUpperCase());
    const takenPending = await attempt(pending.connectionEmail);
    const fresh = await attempt(`libre${counter}@gestion.com`);
    for (const res of [takenActive, takenPending, fresh]) {
      expect(res.status).toBe(201);
      expect(res.body).toEqual({ status: "pending_email_verification" });
      expect(Object.keys(res.headers).sort()).toEqual(Object.keys(fresh.headers).sort());
    }
    expect(await countRows(t, "spaces")).toBe(spacesBefore + 1);

    // The owners are told, with what to do; nobody else learns anything.
    const toActive = await lastMailTo(t, active.connectionEmail);
    expect(toActive.subject).toBe("Tentative de création d'un espace avec votre adresse");
    expect(toActive.text).toContain("/mot-de-passe-oublie");
    const toPending = await lastMailTo(t, pending.connectionEmail);
    expect(toPending.subject).toBe("Tentative de création d'un espace avec votre adresse");
    expect(toPending.text).toContain("Renvoyer le code");
    // The pending space's code still works, with its own password (the attempt's password changed nothing).
    expect((await call(t.app, "POST", "/api/v1/spaces/verify", { body: { connectionEmail: pending.connectionEmail, code: pendingCode } })).status).toBe(200);
    expect((await call(t.app, "POST", "/api/v1/session", { body: { email: pending.connectionEmail, password: PASSWORD } })).body).toEqual({
      status: "device_verification_required",
    });
    expect((await call(t.app, "POST", "/api/v1/session", { body: { email: active.connectionEmail, password: "Un-Autre-Mot-De-Passe-Long" } })).status).toBe(
      401,
    );

    // Same time: the password is hashed in both cases. Taken and free addresses alternate (a load that changes
    // during the test weighs on both); the medians of 9 tries each stay within a factor of two.
    const taken: number[] = [];
    const free: number[] = [];
    for (let i = 0; i < 9; i++) {
      for (const [email, times] of [
        [active.connectionEmail, taken],
        [`chrono${++counter}@gestion.com`, free],
      ] as const) {
        const start = performance.now();
        expect((await attempt(email)).status).toBe(201);
        times.push(performance.now() - start);
      }
    }
    const median = (times: number[]) => times.sort((a, b) => a - b)[4]!;
    expect(median(taken) / median(free)).toBeGreaterThan(0.5);
    expect(median(taken) / median(free)).toBeLessThan(2);
  });
});

describe("POST /api/v1/spaces/verify", () => {
  it("counts wrong codes, voids the code at the 5th (410), and never grants a 6th try", async () => {
    const body = newPerson();
    await call(t.app, "POST", "/api/v1/spaces", { body });
    const good = (await lastMailTo(t, body.connectionEmail)).text.match(/code de validation : ([0-9A-Z-]{9})/)![1]!;
    const wrong = good.startsWith("0") ? "1111-1111" : "0000-0000";
    for (let left = 4; left >= 1; left--) {
      const res = await call(t.app, "POST", "/api/v1/spaces/verify", { body: { connectionEmail: body.connectionEmail, code: wrong } });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: "invalid_verification_code", details: { attemptsLeft: left } });
    }
    const fifth = await call(t.app, "POST", "/api/v1/spaces/verify", { body: { connectionEmail: body.connectionEmail, code: wrong } });
    expect(fifth.status).toBe(410);
    expect(fifth.body.error.code).toBe("verification_code_voided");
    const sixth = await call(t.app, "POST", "/api/v1/spaces/verify", { body: { connectionEmail: body.connectionEmail, code: good } });
    expect(sixth.status).toBe(410);
  });

  it("allows at most 5 attempts under 20 concurrent wrong entries", async () => {
    const body = newPerson();
    await call(t.app, "POST", "/api/v1/spaces", { body });
    const good = (await lastMailTo(t, body.connectionEmail)).text.match(/code de validation : ([0-9A-Z-]{9})/)![1]!;
    const wrong = good.startsWith("0") ? "1111-1111" : "0000-0000";
    const results = await Promise.all(
      Array.from({ length: 20 }, () => call(t.app, "POST", "/api/v1/spaces/verify", { body: { connectionEmail: body.connectionEmail, code: wrong } })),
    );
    expect(results.filter((r) => r.status === 422)).toHaveLength(4);
    expect(results.filter((r) => r.status === 410)).toHaveLength(16);
    expect((await call(t.app, "POST", "/api/v1/spaces/verify", { body: { connectionEmail: body.connectionEmail, code: good } })).status).toBe(410);
  });

  it("accepts the code in lower case, with spaces, without dash; refuses it after 48 hours", async () => {
    const body = newPerson();
    await call(t.app, "POST", "/api/v1/spaces", { body });
    const code = (await lastMailTo(t, body.connectionEmail)).text.match(/code de validation : ([0-9A-Z-]{9})/)![1]!;
    t.clock.advance(48 * HOUR + 1);
    const late = await call(t.app, "POST", "/api/v1/spaces/verify", { body: { connectionEmail: body.connectionEmail, code } });
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe("verification_code_expired");
    t.clock.advance(-(48 * HOUR + 1));

    const other = newPerson();
    await call(t.app, "POST", "/api/v1/spaces", { body: other });
    const code2 = (await lastMailTo(t, other.connectionEmail)).text.match(/code de validation : ([0-9A-Z-]{9})/)![1]!;
    const typed = ` ${code2.replace("-", " ").toLowerCase()} `;
    const ok = await call(t.app, "POST", "/api/v1/spaces/verify", { body: { connectionEmail: other.connectionEmail, code: typed } });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ status: "active" });
    const again = await call(t.app, "POST", "/api/v1/spaces/verify", { body: { connectionEmail: other.connectionEmail, code: typed } });
    expect(again.status).toBe(409);
  });

  it.each([
    ["a code of the wrong length", { code: "ABC" }, 400, "invalid_code_format"],
    ["a code with forbidden characters", { code: "ABCD-EFG!" }, 400, "invalid_code_format"],
    ["a missing code", { code: undefined }, 400, "invalid_request"],
    ["an address with no pending space", { connectionEmail: "personne@nulle-part.fr" }, 404, "verification_not_found"],
  ])("refuses %s", async (_label, over, status, code) => {
    const res = await call(t.app, "POST", "/api/v1/spaces/verify", { body: { connectionEmail: "x@gestion.com", code: "ABCD-EFGH", ...over } });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
  });
});

describe("sign-in, device code and sessions", () => {
  it("answers the same generic 401 for an unknown address and a wrong password", async () => {
    const body = await createVerified();
    const unknown = await call(t.app, "POST", "/api/v1/session", { body: { email: "inconnu@gestion.com", password: PASSWORD } });
    const wrong = await call(t.app, "POST", "/api/v1/session", { body: { email: body.connectionEmail, password: "mauvais-mot-de-passe" } });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body.error.code).toBe("invalid_credentials");
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });

  it("refuses sign-in before the address is verified", async () => {
    const body = newPerson();
    await call(t.app, "POST", "/api/v1/spaces", { body });
    const res = await call(t.app, "POST", "/api/v1/session", { body: { email: body.connectionEmail, password: PASSWORD } });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("connection_email_not_verified");
  });

  it("asks a new device for the e-mailed code, then remembers the device", async () => {
    const body = await createVerified();
    const jar = await signInNewDevice(body.connectionEmail);
    const session = await call(t.app, "GET", "/api/v1/session", { jar });
    expect(session.status).toBe(200);
    expect(session.body.person).toMatchObject({ connectionEmail: body.connectionEmail, firstName: "Lila" });
    expect(session.headers["cache-control"]).toBe("no-store");
    // Same browser later: the device cookie skips the code.
    const again = await call(t.app, "POST", "/api/v1/session", { body: { email: body.connectionEmail, password: PASSWORD }, jar });
    expect(again.body.status).toBe("authenticated");
  });

  it("rotates the session token at sign-in: the previous token stops working", async () => {
    const body = await createVerified();
    const jar = await signInNewDevice(body.connectionEmail);
    const oldToken = jar.get("mp_session")!;
    await call(t.app, "POST", "/api/v1/session", { body: { email: body.connectionEmail, password: PASSWORD }, jar });
    expect(jar.get("mp_session")).not.toBe(oldToken);
    const stale = await call(t.app, "GET", "/api/v1/session", { headers: { cookie: `mp_session=${oldToken}` } });
    expect(stale.status).toBe(401);
  });

  it("sets HttpOnly SameSite=Lax cookies", async () => {
    const body = await createVerified();
    await call(t.app, "POST", "/api/v1/session", { body: { email: body.connectionEmail, password: PASSWORD } });
    const code = (await lastMailTo(t, body.connectionEmail)).text.match(/Code de connexion : (\d{6})/)![1]!;
    const res = await call(t.app, "POST", "/api/v1/session/device", { body: { email: body.connectionEmail, code } });
    const cookies = ([] as string[]).concat(res.headers["set-cookie"] as string | string[]);
    expect(cookies).toHaveLength(2);
    for (const c of cookies) {
      expect(c).toMatch(/HttpOnly/i);
      expect(c).toMatch(/SameSite=Lax/i);
    }
  });

  it("voids the device code after 5 wrong entries and after 30 minutes", async () => {
    const body = await createVerified();
    await call(t.app, "POST", "/api/v1/session", { body: { email: body.connectionEmail, password: PASSWORD } });
    const good = (await lastMailTo(t, body.connectionEmail)).text.match(/Code de connexion : (\d{6})/)![1]!;
    const wrong = good === "000000" ? "111111" : "000000";
    for (let i = 0; i < 4; i++)
      expect((await call(t.app, "POST", "/api/v1/session/device", { body: { email: body.connectionEmail, code: wrong } })).status).toBe(422);
    expect((await call(t.app, "POST", "/api/v1/session/device", { body: { email: body.connectionEmail, code: wrong } })).status).toBe(410);
    expect((await call(t.app, "POST", "/api/v1/session/device", { body: { email: body.connectionEmail, code: good } })).status).toBe(410);

    await call(t.app, "POST", "/api/v1/session", { body: { email: body.connectionEmail, password: PASSWORD } });
    const fresh = (await lastMailTo(t, body.connectionEmail)).text.match(/Code de connexion : (\d{6})/)![1]!;
    t.clock.advance(30 * MINUTE + 1);
    const late = await call(t.app, "POST", "/api/v1/session/device", { body: { email: body.connectionEmail, code: fresh } });
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe("device_code_expired");
  });

  it("backs off from the 5th failure (429 with Retry-After), for unknown addresses too", async () => {
    const body = await createVerified();
    for (const email of [body.connectionEmail, "fantome@gestion.com"]) {
      for (let i = 0; i < 5; i++)
        expect((await call(t.app, "POST", "/api/v1/session", { body: { email, password: "mauvais-mot-de-passe" } })).status).toBe(401);
      const locked = await call(t.app, "POST", "/api/v1/session", { body: { email, password: PASSWORD } });
      expect(locked.status).toBe(429);
      expect(locked.body.error.code).toBe("too_many_attempts");
      expect(Number(locked.headers["retry-after"])).toBe(30);
    }
    t.clock.advance(31_000);
    const jar = await signInNewDevice(body.connectionEmail);
    expect(jar.csrf).toBeTruthy();
  });

  it("lets the owner in from a remembered device while a stranger's failures lock the address", async () => {
    const body = await createVerified();
    const email = body.connectionEmail;
    const owner = await signInNewDevice(email);
    expect((await call(t.app, "DELETE", "/api/v1/session", { jar: owner })).status).toBe(204);
    // Someone who only knows the address fails ten times: the address is locked for whoever has no device.
    for (let i = 0; i < 10; i++)
      expect([401, 429]).toContain((await call(t.app, "POST", "/api/v1/session", { body: { email, password: "mauvais-mot-de-passe" } })).status);
    expect((await call(t.app, "POST", "/api/v1/session", { body: { email, password: PASSWORD } })).status).toBe(429);
    // The owner's remembered device with a wrong password is refused like anyone (and counted)…
    const wrong = await call(t.app, "POST", "/api/v1/session", { body: { email, password: "encore-mauvais" }, jar: owner });
    expect(wrong.status).toBe(401);
    // …and with the right one goes through at once, which ends the back-off.
    const back = await call(t.app, "POST", "/api/v1/session", { body: { email, password: PASSWORD }, jar: owner });
    expect([back.status, back.body.status]).toEqual([200, "authenticated"]);
    const journal = await t.ctx.db.selectFrom("journal").select("action").where("action", "=", "session.sign_in_failed").execute();
    expect(journal.length).toBeGreaterThanOrEqual(11);
  });

  it("expires a session after 30 idle minutes and after 12 hours in all", async () => {
    const body = await createVerified();
    const jar = await signInNewDevice(body.connectionEmail);
    t.clock.advance(29 * MINUTE);
    expect((await call(t.app, "GET", "/api/v1/session", { jar })).status).toBe(200);
    t.clock.advance(29 * MINUTE);
    expect((await call(t.app, "GET", "/api/v1/session", { jar })).status).toBe(200);
    t.clock.advance(31 * MINUTE);
    expect((await call(t.app, "GET", "/api/v1/session", { jar })).status).toBe(401);

    const jar2 = await call(t.app, "POST", "/api/v1/session", { body: { email: body.connectionEmail, password: PASSWORD }, jar }).then(() => jar);
    for (let elapsed = 0; elapsed < 12 * HOUR - 20 * MINUTE; elapsed += 20 * MINUTE) {
      t.clock.advance(20 * MINUTE);
      expect((await call(t.app, "GET", "/api/v1/session", { jar: jar2 })).status).toBe(200);
    }
    t.clock.advance(21 * MINUTE);
    expect((await call(t.app, "GET", "/api/v1/session", { jar: jar2 })).status).toBe(401);
  });

  it("requires the CSRF header to sign out, then ends the session", async () => {
    const body = await createVerified();
    const jar = await signInNewDevice(body.connectionEmail);
    const noCsrf = await call(t.app, "DELETE", "/api/v1/session", { jar, csrf: false });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe("csrf_token_invalid");
    const badCsrf = await call(t.app, "DELETE", "/api/v1/session", { jar, csrf: "x".repeat(43) });
    expect(badCsrf.status).toBe(403);
    expect((await call(t.app, "GET", "/api/v1/session", { jar })).status).toBe(200);
    const out = await call(t.app, "DELETE", "/api/v1/session", { jar });
    expect(out.status).toBe(204);
    expect((await call(t.app, "GET", "/api/v1/session", { jar })).status).toBe(401);
  });

  it("answers 401 without a session, and never shows one person's session to another", async () => {
    expect((await call(t.app, "GET", "/api/v1/session")).status).toBe(401);
    expect((await call(t.app, "DELETE", "/api/v1/session")).status).toBe(401);
    const a = await createVerified();
    const b = await createVerified();
    const jarA = await signInNewDevice(a.connectionEmail);
    const jarB = await signInNewDevice(b.connectionEmail);
    expect((await call(t.app, "GET", "/api/v1/session", { jar: jarA })).body.person.connectionEmail).toBe(a.connectionEmail);
    expect((await call(t.app, "GET", "/api/v1/session", { jar: jarB })).body.person.connectionEmail).toBe(b.connectionEmail);
    // B's CSRF token does not work with A's session.
    expect((await call(t.app, "DELETE", "/api/v1/session", { jar: jarA, csrf: jarB.csrf })).status).toBe(403);
    // A company-side session opens nothing in the back office.
    expect((await call(t.app, "GET", "/api/v1/backoffice/session", { headers: { cookie: `mp_bo_session=${jarA.get("mp_session")}` } })).status).toBe(401);
  });

  it("journals the sign-in steps without any code or password", async () => {
    const body = await createVerified();
    await signInNewDevice(body.connectionEmail);
    const rows = await t.ctx.db.selectFrom("journal").select(["action", "data"]).execute();
    const actions = rows.map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining([
        "space.created",
        "space.email_verified",
        "session.device_challenged",
        "session.device_verified",
        "session.signed_in",
        "session.sign_in_failed",
      ]),
    );
    expect(JSON.stringify(rows)).not.toContain(PASSWORD);
  });
});

describe("bad inputs of the sign-in routes", () => {
  it.each([
    ["POST", "/api/v1/session", { rawBody: "{" }, 400, "malformed_json"],
    ["POST", "/api/v1/session", { body: { email: "x@y.fr" } }, 400, "invalid_request"],
    ["POST", "/api/v1/session", { body: { email: 12, password: "x" } }, 400, "invalid_request"],
    ["POST", "/api/v1/session", { body: { email: "x@y.fr", password: "p".repeat(2000) } }, 400, "invalid_request"],
    ["POST", "/api/v1/session/device", { rawBody: "[]" }, 400, "invalid_request"],
    ["POST", "/api/v1/session/device", { body: { email: "x@y.fr", code: "12ab56" } }, 400, "invalid_code_format"],
    ["POST", "/api/v1/session/device", { body: { email: "x@y.fr", code: "1234567" } }, 400, "invalid_code_format"],
    ["POST", "/api/v1/session/device", { body: { email: "nobody@y.fr", code: "123456" } }, 410, "device_code_expired"],
    ["POST", "/api/v1/spaces/verify", { rawBody: "null" }, 400, "invalid_request"],
  ] as const)("%s %s refuses %j", async (method, url, options, status, code) => {
    const before = [await countRows(t, "sessions"), await countRows(t, "devices"), await countRows(t, "spaces")];
    const res = await call(t.app, method, url, options);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect([await countRows(t, "sessions"), await countRows(t, "devices"), await countRows(t, "spaces")]).toEqual(before);
  });
});
