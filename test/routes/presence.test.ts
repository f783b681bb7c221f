import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, seedReferenceData, startTestApp, type CookieJar, type TestApp } from "../helpers/app.js";
import { activeAdministrator, AGENT_PASSWORD, agentSignIn } from "../helpers/people.js";
import { openStream, until } from "../helpers/sse.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";
import { runHousekeeping } from "../../src/app/worker.js";
import { PRESENCE_TTL_MS } from "../../src/modules/requests/index.js";

/** Two agents on one request (issue 24, defect 2): a reply started before a colleague acted is refused, and each sees the other. */
let t: TestApp;
let base: string;
let robert: Awaited<ReturnType<typeof activeAdministrator>>;
let paul: CookieJar;
let pierre: CookieJar;
let louis: CookieJar;
const SECRETS = { paul: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B", pierre: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", louis: "ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU" };
const REQUEST = { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "Deux agents", body: "Bonjour", uploadIds: [] };

beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  await t.app.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
  robert = await activeAdministrator(t, SEED.martin.siren, { quality: "legal_representative", companyEmail: "robert.presence@martindistribution.com" });
  const agents = [
    ["paul", "presence.paul@dgfip.test", "Paul Premier", "SIE-75111"],
    ["pierre", "presence.pierre@dgfip.test", "Pierre Second", "SIE-75111"],
    ["louis", "presence.louis@dgfip.test", "Louis Lyon", "SIE-69381"],
  ] as const;
  for (const [key, email, name, service] of agents)
    await makeAgent(t.ctx, { email, name, services: [service], password: AGENT_PASSWORD, totpSecret: SECRETS[key] });
});
afterAll(async () => t.close());

async function signInAll() {
  paul = await agentSignIn(t, "presence.paul@dgfip.test", SECRETS.paul);
  pierre = await agentSignIn(t, "presence.pierre@dgfip.test", SECRETS.pierre);
  louis = await agentSignIn(t, "presence.louis@dgfip.test", SECRETS.louis);
}
const file = async () => (await call(t.app, "POST", "/api/v1/requests", { jar: robert.jar, body: REQUEST })).body as { id: string };
const version = async (jar: CookieJar, id: string) => (await call(t.app, "GET", `/api/v1/backoffice/requests/${id}`, { jar })).body.version as number;
const reply = (jar: CookieJar, id: string, v: number, body = "Réponse") =>
  call(t.app, "POST", `/api/v1/backoffice/requests/${id}/messages`, { jar, body: { body, version: v } });

describe("a reply started on an older version of the request", () => {
  it("is refused (409 stale_version) after a colleague's note, reply, assignment, or a company message", async () => {
    await signInAll();
    const { id } = await file();
    const changes: [string, () => Promise<unknown>][] = [
      ["note", () => call(t.app, "POST", `/api/v1/backoffice/requests/${id}/notes`, { jar: pierre, body: { body: "Je m'en occupe" } })],
      ["reply", async () => reply(pierre, id, await version(pierre, id), "Réponse de Pierre")],
      [
        "assignment",
        async () =>
          call(t.app, "POST", `/api/v1/backoffice/requests/${id}/assign`, { jar: pierre, body: { agentId: null, version: await version(pierre, id) } }),
      ],
      ["company message", () => call(t.app, "POST", `/api/v1/requests/${id}/messages`, { jar: robert.jar, body: { body: "Précision" } })],
    ];
    for (const [what, change] of changes) {
      const started = await version(paul, id);
      expect(((await change()) as { status: number }).status, what).toBeLessThan(300);
      const stale = await reply(paul, id, started, "Réponse contradictoire");
      expect(stale.status, what).toBe(409);
      expect(stale.body.error.code, what).toBe("stale_version");
    }
    // Sent anyway, knowingly: with the version now read.
    expect((await reply(paul, id, await version(paul, id), "Réponse revue")).status).toBe(201);
  });
});

describe("presence on a request (who has it open, who is typing)", () => {
  it("reaches the colleagues' event streams, never the company's nor another service's; lapses after 30 s", async () => {
    await signInAll();
    const { id } = await file();
    const paulStream = await openStream(base, paul.header(), "/api/v1/backoffice/events");
    const louisStream = await openStream(base, louis.header(), "/api/v1/backoffice/events");
    const robertStream = await openStream(base, robert.jar.header());
    try {
      const open = await call(t.app, "POST", `/api/v1/backoffice/requests/${id}/presence`, { jar: pierre, body: { typing: false } });
      expect(open.status).toBe(200);
      expect(open.body.items).toEqual([]);
      expect(await until(() => paulStream.events.some((e) => e.event === "presence.updated" && e.data.id === id))).toBe(true);
      const seen = await call(t.app, "GET", `/api/v1/backoffice/requests/${id}/presence`, { jar: paul });
      expect(seen.body.items).toEqual([{ agent: { id: expect.any(String), displayName: "Pierre Second" }, typing: false, since: expect.any(String) }]);

      const before = paulStream.events.length;
      await call(t.app, "POST", `/api/v1/backoffice/requests/${id}/presence`, { jar: pierre, body: { typing: true } });
      expect(await until(() => paulStream.events.slice(before).some((e) => e.event === "presence.updated"))).toBe(true);
      const typing = await call(t.app, "POST", `/api/v1/backoffice/requests/${id}/presence`, { jar: paul, body: { typing: false } });
      expect(typing.body.items).toMatchObject([{ agent: { displayName: "Pierre Second" }, typing: true }]);
      // A note is internal too: the company side hears of neither.
      await call(t.app, "POST", `/api/v1/backoffice/requests/${id}/notes`, { jar: pierre, body: { body: "Interne" } });
      expect(await until(() => paulStream.events.some((e) => e.event === "note.added"))).toBe(true);
      await new Promise((r) => setTimeout(r, 200));
      expect(robertStream.events.filter((e) => e.event === "presence.updated" || e.event === "note.added")).toEqual([]);
      expect(louisStream.events).toEqual([]);

      t.clock.advance(31_000);
      expect((await call(t.app, "GET", `/api/v1/backoffice/requests/${id}/presence`, { jar: paul })).body.items).toEqual([]);
      await call(t.app, "POST", `/api/v1/backoffice/requests/${id}/presence`, { jar: pierre, body: { typing: false } });
      expect((await call(t.app, "GET", `/api/v1/backoffice/requests/${id}/presence`, { jar: paul })).body.items).toHaveLength(1);
      expect((await call(t.app, "DELETE", `/api/v1/backoffice/requests/${id}/presence`, { jar: pierre })).status).toBe(204);
      expect((await call(t.app, "GET", `/api/v1/backoffice/requests/${id}/presence`, { jar: paul })).body.items).toEqual([]);
    } finally {
      paulStream.close();
      louisStream.close();
      robertStream.close();
    }
  });

  it("is forgotten by the periodic clean-up once long over, not while it lasts", async () => {
    await signInAll();
    const { id } = await file();
    await call(t.app, "POST", `/api/v1/backoffice/requests/${id}/presence`, { jar: pierre, body: { typing: false } });
    const rows = () => t.ctx.db.selectFrom("request_presence").select("agent_id").where("request_id", "=", id).execute();
    expect((await runHousekeeping(t.ctx)).presence).toBe(0);
    expect(await rows()).toHaveLength(1);
    t.clock.advance(10 * PRESENCE_TTL_MS + 1_000);
    expect((await runHousekeeping(t.ctx)).presence).toBeGreaterThanOrEqual(1);
    expect(await rows()).toEqual([]);
  });

  it("answers 404 for another service's request, 400 with a French message for a bad body, 401 without a session", async () => {
    await signInAll();
    const { id } = await file();
    for (const method of ["GET", "POST", "DELETE"] as const) {
      const res = await call(t.app, method, `/api/v1/backoffice/requests/${id}/presence`, {
        jar: louis,
        ...(method === "POST" ? { body: { typing: true } } : {}),
      });
      expect(res.status, method).toBe(404);
    }
    const bad = await call(t.app, "POST", `/api/v1/backoffice/requests/${id}/presence`, { jar: paul, body: { typing: "oui" } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("en train d'écrire");
    expect((await call(t.app, "GET", `/api/v1/backoffice/requests/${id}/presence`)).status).toBe(401);
  });
});
