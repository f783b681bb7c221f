import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, seedReferenceData, startTestApp, type CookieJar, type TestApp } from "../helpers/app.js";
import { activeAdministrator, AGENT_PASSWORD, agentSignIn } from "../helpers/people.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";

/** The request's page in the back office (issue 24): consultations, attribution of agents' messages, timeline, reopening. */
let t: TestApp;
let robert: Awaited<ReturnType<typeof activeAdministrator>>;
let paul: CookieJar;
let pierre: CookieJar;
let louis: CookieJar;
const SECRETS = { paul: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B", pierre: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", louis: "ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU" };
const REQUEST = { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "Page de la demande", body: "Bonjour", uploadIds: [] };

beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  robert = await activeAdministrator(t, SEED.martin.siren, {
    quality: "legal_representative",
    companyEmail: "robert.page@martindistribution.com",
    firstName: "Robert",
    lastName: "Lambda",
  });
  const agents = [
    ["paul", "page.paul@dgfip.test", "Anne Martin", "SIE-75111"],
    ["pierre", "page.pierre@dgfip.test", "Pierre Second", "SIE-75111"],
    ["louis", "page.louis@dgfip.test", "Louis Lyon", "SIE-69381"],
  ] as const;
  for (const [key, email, name, service] of agents)
    await makeAgent(t.ctx, { email, name, services: [service], password: AGENT_PASSWORD, totpSecret: SECRETS[key] });
});
afterAll(async () => t.close());

async function signInAll() {
  paul = await agentSignIn(t, "page.paul@dgfip.test", SECRETS.paul);
  pierre = await agentSignIn(t, "page.pierre@dgfip.test", SECRETS.pierre);
  louis = await agentSignIn(t, "page.louis@dgfip.test", SECRETS.louis);
}
const file = async () => (await call(t.app, "POST", "/api/v1/requests", { jar: robert.jar, body: REQUEST })).body as { id: string; reference: string };
const view = async (jar: CookieJar, id: string) => (await call(t.app, "GET", `/api/v1/backoffice/requests/${id}`, { jar })).body;

describe("consultations (defect 5)", () => {
  it("journals every opening and shows one line per agent: 24 reloads are « 24 fois »", async () => {
    await signInAll();
    const { id } = await file();
    for (let i = 0; i < 24; i++) await view(paul, id);
    t.clock.advance(1_000);
    const seen = await view(pierre, id);
    expect(seen.openings).toEqual([
      { agent: { id: expect.any(String), displayName: "Anne Martin" }, count: 24, lastAt: expect.any(String) },
      { agent: { id: expect.any(String), displayName: "Pierre Second" }, count: 1, lastAt: expect.any(String) },
    ]);
    const journal = await t.ctx.db
      .selectFrom("journal")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .where("action", "=", "request.opened")
      .where("subject_id", "=", id)
      .executeTakeFirstOrThrow();
    expect(Number(journal.n)).toBe(25);
    // The company side: grouped likewise, per service, never the agents' names.
    const asRobert = await call(t.app, "GET", `/api/v1/requests/${id}`, { jar: robert.jar });
    expect(asRobert.body.openings).toEqual([{ service: { code: "SIE-75111", name: "SIE Paris 11e" }, count: 25, openedAt: expect.any(String) }]);
    expect(JSON.stringify(asRobert.body)).not.toContain("Anne Martin");
  });
});

describe("agents' messages", () => {
  it("carry the agent's name in the back office; the company side keeps seeing the service", async () => {
    await signInAll();
    const { id } = await file();
    const v = (await view(paul, id)).version as number;
    expect((await call(t.app, "POST", `/api/v1/backoffice/requests/${id}/messages`, { jar: paul, body: { body: "Réponse d'Anne", version: v } })).status).toBe(
      201,
    );
    const agentSide = (await view(pierre, id)).messages as { author: { kind: string; displayName: string }; body: string }[];
    expect(agentSide.find((m) => m.body === "Réponse d'Anne")?.author).toEqual({ kind: "agent", displayName: "Anne Martin" });
    const companySide = (await call(t.app, "GET", `/api/v1/requests/${id}`, { jar: robert.jar })).body.messages as typeof agentSide;
    expect(companySide.find((m) => m.body === "Réponse d'Anne")?.author).toEqual({ kind: "agent", displayName: "SIE Paris 11e" });
    expect((await call(t.app, "GET", `/api/v1/backoffice/requests/${id}`, { jar: louis })).status).toBe(404);
  });
});

describe("the timeline and reopening", () => {
  it("tells the request's story oldest first, each step with its actor; reopening brings it back to the queue", async () => {
    await signInAll();
    const { id } = await file();
    const post = (path: string, jar: CookieJar, body: unknown) => call(t.app, "POST", `/api/v1/backoffice/requests/${id}${path}`, { jar, body });
    await view(paul, id);
    await view(paul, id);
    let v = (await view(paul, id)).version as number;
    expect((await post("/assign", paul, { agentId: null, version: v })).status).toBe(200);
    v = (await view(pierre, id)).version as number;
    expect((await post("/notes", pierre, { body: "À vérifier" })).status).toBe(201);
    v = (await view(paul, id)).version as number;
    expect((await post("/messages", paul, { body: "Voici la réponse", version: v, status: "answered" })).status).toBe(201);
    await call(t.app, "GET", `/api/v1/requests/${id}`, { jar: robert.jar });
    v = (await view(paul, id)).version as number;

    // Reopening: a stale version is refused; the right one brings it back.
    expect((await post("/reopen", paul, { version: v - 1 })).status).toBe(409);
    expect((await post("/reopen", louis, { version: v })).status).toBe(404);
    const bad = await post("/reopen", paul, { version: "deux" });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("version");
    const reopened = await post("/reopen", paul, { version: v });
    expect(reopened.status).toBe(200);
    expect(reopened.body).toEqual({ status: "received", version: v + 1 });
    expect((await post("/reopen", paul, { version: v + 1 })).body.error.code).toBe("not_reopenable");
    const queue = (await call(t.app, "GET", "/api/v1/backoffice/requests", { jar: pierre })).body.items as { id: string }[];
    expect(queue.some((q) => q.id === id)).toBe(true);

    const timeline = await call(t.app, "GET", `/api/v1/backoffice/requests/${id}/timeline`, { jar: pierre });
    expect(timeline.status).toBe(200);
    const items = timeline.body.items as { kind: string; actor: { kind: string; displayName: string }; details: Record<string, unknown> }[];
    const story = items.map((i) => `${i.kind}:${i.actor.displayName}`);
    const who = "Robert Lambda";
    expect(story).toEqual([
      `received:${who}`,
      "opened:Anne Martin",
      "unassigned:Anne Martin",
      "opened:Pierre Second",
      "note:Pierre Second",
      "opened:Anne Martin",
      "message:Anne Martin",
      "state_changed:Anne Martin",
      `read:${who}`,
      "opened:Anne Martin",
      "reopened:Anne Martin",
      "state_changed:Anne Martin",
    ]);
    expect(items[1]).toMatchObject({ actor: { kind: "agent" }, details: { count: 3 } });
    expect(items.at(-2)!.details).toEqual({});
    expect(items.at(-1)!.details).toEqual({ from: "answered", to: "received" });
    expect(items[0]!.actor.kind).toBe("person");
    expect(items.find((i) => i.kind === "message")!.details.excerpt).toBe("Voici la réponse");
    expect(items.find((i) => i.kind === "state_changed")!.details).toEqual({ from: "received", to: "answered" });
    expect((await call(t.app, "GET", `/api/v1/backoffice/requests/${id}/timeline`, { jar: louis })).status).toBe(404);
    expect((await call(t.app, "GET", `/api/v1/backoffice/requests/${id}/timeline`)).status).toBe(401);
  });
});
