import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { call, CookieJar, seedReferenceData, startTestApp, type TestApp, type WireJson } from "../helpers/app.js";
import { activeAdministrator, AGENT_PASSWORD, agentSignIn, newCompany, signedInPerson } from "../helpers/people.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";
import { manualClock } from "../../src/platform/clock.js";

/** Inside a firm (product §19): « suivie par » a colleague, the inbox by follower, and who read each message. */
let t: TestApp;
type Person = Awaited<ReturnType<typeof signedInPerson>>;
let robert: Person;
let claire: Person;
let lila: Person;
let bruno: Person;
let stranger: Person;
let lilaDelegation: string;
const SECRET = "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B";

const REQUEST = { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "Crédit de TVA", body: "Bonjour", uploadIds: [] };
const file = async (who: Person, over: Record<string, unknown> = {}) => {
  const res = await call(t.app, "POST", "/api/v1/requests", { jar: who.jar, body: { ...REQUEST, ...over } });
  expect(res.status).toBe(201);
  return res.body as { id: string; reference: string };
};
const follow = (who: Person | CookieJar, id: string, body: unknown) =>
  call(t.app, "POST", `/api/v1/requests/${id}/follower`, { jar: who instanceof CookieJar ? who : who.jar, body });
const inbox = async (who: Person, query: string) => {
  const res = await call(t.app, "GET", `/api/v1/requests?${query}`, { jar: who.jar });
  expect(res.status).toBe(200);
  return res.body as { items: WireJson[]; nextCursor: string | null };
};
const followerColumn = async (id: string) =>
  (await t.ctx.db.selectFrom("requests").select("followed_by").where("id", "=", id).executeTakeFirstOrThrow()).followed_by;
const journalOf = (id: string) =>
  t.ctx.db
    .selectFrom("journal")
    .select(["action", "actor_id", "data"])
    .where("subject_id", "=", id)
    .where("action", "like", "request.%follow%")
    .orderBy("id")
    .execute();
/** The « Une demande vous est confiée » mails to an address, newest first. */
const mailsTo = async (to: string) => {
  await t.ctx.worker.drain();
  const items = (await call(t.app, "GET", `/api/v1/dev/mails?to=${encodeURIComponent(to)}`)).body.items as { subject: string; text: string }[];
  return items.filter((m) => m.subject.startsWith("Une demande vous est confiée"));
};

beforeAll(async () => {
  // 4 December 2026, 13:50 in Paris (UTC+1).
  t = await startTestApp({}, { clock: manualClock(new Date("2026-12-04T12:50:00.000Z")) });
  await seedReferenceData(t.ctx);
  robert = await activeAdministrator(t, SEED.martin.siren, {
    quality: "legal_representative",
    companyEmail: "robert.suivi@martindistribution.com",
    email: "robert.suivi@martindistribution.com",
    firstName: "Robert",
    lastName: "Lambda",
  });
  claire = await activeAdministrator(t, SEED.martin.siren, { entitySiren: SEED.gestion.siren, firstName: "Claire", lastName: "Vasseur" });
  lila = await signedInPerson(t, { siren: SEED.gestion.siren, firstName: "Lila", lastName: "Rosemonde" });
  bruno = await signedInPerson(t, { siren: SEED.gestion.siren, firstName: "Bruno", lastName: "Sansdroit" });
  const offer = await call(t.app, "POST", `/api/v1/companies/${SEED.martin.siren}/delegations`, {
    jar: claire.jar,
    body: { email: lila.email, role: "delegate", services: ["messagerie"], taxScope: ["TVA"] },
  });
  lilaDelegation = offer.body.id;
  expect((await call(t.app, "POST", `/api/v1/delegations/${lilaDelegation}/accept`, { jar: lila.jar })).status).toBe(200);
  const other = await newCompany(t, "AUTRE SOCIETE");
  stranger = await activeAdministrator(t, other, { companyEmail: "contact@autre-societe.fr" });
  await makeAgent(t.ctx, { email: "suivi.agent@dgfip.test", name: "Paul Agent", services: ["SIE-75111"], password: AGENT_PASSWORD, totpSecret: SECRET });
});
afterAll(async () => t.close());

describe("« suivie par » (POST /requests/{id}/follower)", () => {
  it("Claire gives a request to Lila: her name on the request and in the inbox, journaled, Lila told by a content-free mail", async () => {
    const { id, reference } = await file(claire, { subject: "Confiée à Lila" });
    const res = await follow(claire, id, { personId: lila.spaceId });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ followedBy: { id: lila.spaceId, displayName: "Lila Rosemonde" } });
    expect(await followerColumn(id)).toBe(lila.spaceId);
    expect((await call(t.app, "GET", `/api/v1/requests/${id}`, { jar: lila.jar })).body.followedBy).toEqual({
      id: lila.spaceId,
      displayName: "Lila Rosemonde",
    });
    const item = (await inbox(robert, "")).items.find((r) => r.id === id);
    expect(item.followedBy).toEqual({ id: lila.spaceId, displayName: "Lila Rosemonde" });
    expect(await journalOf(id)).toEqual([{ action: "request.followed", actor_id: claire.spaceId, data: { follower: lila.spaceId, previous: null } }]);
    const [mail] = await mailsTo(lila.email);
    expect(mail!.subject).toBe(`Une demande vous est confiée : ${reference}`);
    expect(mail!.text).toContain(`Claire Vasseur vous a confié le suivi de la demande ${reference} de l'entreprise`);
    expect(mail!.text).not.toContain("Crédit de TVA");
    expect(mail!.text).not.toMatch(/https?:\/\//);
    // Giving it again to the same person changes nothing, and says nothing twice.
    expect((await follow(claire, id, { personId: lila.spaceId })).status).toBe(200);
    expect(await mailsTo(lila.email)).toHaveLength(1);
    expect(await journalOf(id)).toHaveLength(1);
  });

  it("« Me l'attribuer »: no mail to herself; the agents see nothing of it", async () => {
    const { id } = await file(claire, { subject: "Prise par Lila" });
    const before = (await mailsTo(lila.email)).length;
    expect((await follow(lila, id, { personId: lila.spaceId })).body.followedBy).toMatchObject({ id: lila.spaceId });
    expect(await mailsTo(lila.email)).toHaveLength(before);
    const agent = await agentSignIn(t, "suivi.agent@dgfip.test", SECRET);
    const seen = await call(t.app, "GET", `/api/v1/backoffice/requests/${id}`, { jar: agent });
    expect(seen.status).toBe(200);
    // The back office already names who acts for the company (its representatives); who follows what is the firm's own.
    expect(JSON.stringify(seen.body)).not.toContain("followedBy");
    expect(JSON.stringify(seen.body)).not.toContain(lila.spaceId);
    const timeline = await call(t.app, "GET", `/api/v1/backoffice/requests/${id}/timeline`, { jar: agent });
    expect(timeline.status).toBe(200);
    expect(JSON.stringify(timeline.body)).not.toContain("Rosemonde");
  });

  it("null clears it: journaled, out of the follower's list", async () => {
    const { id } = await file(claire, { subject: "Suivi levé" });
    await follow(claire, id, { personId: lila.spaceId });
    const cleared = await follow(claire, id, { personId: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toEqual({ followedBy: null });
    expect(await followerColumn(id)).toBeNull();
    expect((await call(t.app, "GET", `/api/v1/requests/${id}`, { jar: claire.jar })).body.followedBy).toBeNull();
    expect((await inbox(lila, "followedBy=me&limit=100")).items.map((r) => r.id)).not.toContain(id);
    expect((await journalOf(id)).map((j) => j.action)).toEqual(["request.followed", "request.unfollowed"]);
  });

  it("refuses, naming the rule, a colleague without a right covering the request, and anyone outside the firm; nothing written", async () => {
    const { id } = await file(claire, { subject: "Refus" });
    const noRight = await follow(claire, id, { personId: bruno.spaceId });
    expect(noRight.status).toBe(422);
    expect(noRight.body.error.code).toBe("follower_without_right");
    expect(noRight.body.error.message).toContain("habilitation « messagerie » active");
    expect(noRight.body.error.message).toContain("TVA");
    // Lila's right covers the VAT only.
    const is = await file(claire, { tax: "IS", subject: "Impôt sur les sociétés" });
    const outOfScope = await follow(claire, is.id, { personId: lila.spaceId });
    expect(outOfScope.status).toBe(422);
    expect(outOfScope.body.error).toMatchObject({ code: "follower_without_right", message: expect.stringContaining("IS") });
    for (const personId of [robert.spaceId, randomUUID()]) {
      const other = await follow(claire, id, { personId });
      expect(other.status).toBe(422);
      expect(other.body.error.code).toBe("follower_not_colleague");
      expect(other.body.error.message).toContain("collègue de votre entité");
    }
    expect(await followerColumn(id)).toBeNull();
    expect(await journalOf(id)).toEqual([]);
  });

  it("another company's request, or one the person may not see, answers 404; without session 401; a bad body 400", async () => {
    const { id } = await file(claire, { subject: "Cloisonnement" });
    const is = await file(robert, { tax: "IS", subject: "IS de Robert" });
    expect((await follow(stranger, id, { personId: stranger.spaceId })).status).toBe(404);
    expect((await call(t.app, "GET", `/api/v1/requests/${id}/possible-followers`, { jar: stranger.jar })).status).toBe(404);
    expect((await follow(lila, is.id, { personId: lila.spaceId })).status).toBe(404);
    expect((await follow(bruno, id, { personId: bruno.spaceId })).status).toBe(404);
    const anonymous = await call(t.app, "POST", `/api/v1/requests/${id}/follower`, { body: { personId: null } });
    expect(anonymous.status).toBe(401);
    expect((await call(t.app, "GET", `/api/v1/requests/${id}/possible-followers`)).status).toBe(401);
    expect((await call(t.app, "GET", "/api/v1/requests?followedBy=me")).status).toBe(401);
    expect((await call(t.app, "POST", `/api/v1/requests/${id}/follower`, { jar: claire.jar, csrf: false, body: { personId: null } })).status).toBe(403);
    for (const body of [{}, { personId: "lila" }, { personId: 12 }]) {
      const bad = await follow(claire, id, body);
      expect(bad.status).toBe(400);
      expect(bad.body.error.message).toMatch(/^Champ « Personne » : /);
    }
    expect((await call(t.app, "GET", "/api/v1/requests?followedBy=lila", { jar: claire.jar })).status).toBe(400);
    expect(await followerColumn(id)).toBeNull();
  });
});

describe("the inbox by follower (GET /requests?followedBy=…)", () => {
  it("followedBy=me and by a colleague's id, newest activity first, paginated by cursor", async () => {
    const ids: string[] = [];
    for (const subject of ["Suivi 1", "Suivi 2", "Suivi 3"]) {
      t.clock.advance(1_000);
      const { id } = await file(claire, { subject });
      await follow(claire, id, { personId: lila.spaceId });
      ids.push(id);
    }
    t.clock.advance(1_000);
    await file(claire, { subject: "Pas suivie" });
    const mine = await inbox(lila, "followedBy=me&limit=100");
    expect(mine.items.every((r) => r.followedBy?.id === lila.spaceId)).toBe(true);
    const expected = (await inbox(claire, `followedBy=${lila.spaceId}&limit=100`)).items.map((r) => r.id);
    expect(mine.items.map((r) => r.id)).toEqual(expected);
    expect(expected.slice(0, 3)).toEqual([...ids].reverse());
    // Page by page, two at a time: every followed request once, in the same order.
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await inbox(lila, `followedBy=me&limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(expected);
    expect((await inbox(claire, "followedBy=me&limit=100")).items).toEqual([]);
    // Another company's person asking for Lila's requests sees none of them.
    expect((await inbox(stranger, `followedBy=${lila.spaceId}`)).items).toEqual([]);
    // The filter combines with the others.
    expect((await inbox(lila, "followedBy=me&q=Suivi&status=closed")).items).toEqual([]);
  });

  it("the follower's requests are read by their own index, in the inbox's keyset order", async () => {
    const plan = await t.ctx.db.transaction().execute(async (tx) => {
      // The table is tiny here: without this, a sequential scan is as good as any index.
      await sql`SET LOCAL enable_seqscan = off`.execute(tx);
      return sql<{ "QUERY PLAN": string }>`EXPLAIN SELECT id FROM requests WHERE followed_by = ${lila.spaceId}::uuid AND archived_at IS NULL
        AND (last_activity_at, id) < (now(), ${randomUUID()}::uuid) ORDER BY last_activity_at DESC, id DESC LIMIT 21`.execute(tx);
    });
    const text = plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
    expect(text).toContain("requests_followed");
    expect(text).not.toMatch(/\bSort\b/);
  });

  it("possible followers: the colleagues of the entity who may see the request, by name, searched and paginated", async () => {
    const { id } = await file(claire, { subject: "Qui peut suivre" });
    const list = (q: string, who: Person = claire) => call(t.app, "GET", `/api/v1/requests/${id}/possible-followers?${q}`, { jar: who.jar });
    expect((await list("")).body).toEqual({
      items: [
        { id: lila.spaceId, displayName: "Lila Rosemonde" },
        { id: claire.spaceId, displayName: "Claire Vasseur" },
      ],
      nextCursor: null,
    });
    expect((await list("q=ROSÉ")).body.items).toEqual([{ id: lila.spaceId, displayName: "Lila Rosemonde" }]);
    const first = await list("limit=1");
    expect(first.body.items).toEqual([{ id: lila.spaceId, displayName: "Lila Rosemonde" }]);
    const second = await list(`limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({ items: [{ id: claire.spaceId, displayName: "Claire Vasseur" }], nextCursor: null });
    expect((await list("cursor=abc")).status).toBe(400);
    // Robert's colleagues are those of his own company: not the firm's.
    expect((await list("", robert)).body.items).toEqual([{ id: robert.spaceId, displayName: "Robert Lambda" }]);
  });
});

describe("read marks per person (« lu par … »)", () => {
  it("each reader named with her first reading; the unread counters keep their meaning (the company's first read)", async () => {
    const { id } = await file(claire, { subject: "Lu par qui" });
    const agent = await agentSignIn(t, "suivi.agent@dgfip.test", SECRET);
    const version = (await call(t.app, "GET", `/api/v1/backoffice/requests/${id}`, { jar: agent })).body.version;
    const answer = await call(t.app, "POST", `/api/v1/backoffice/requests/${id}/messages`, {
      jar: agent,
      body: { body: "Merci de préciser la période.", status: "awaiting_user", version },
    });
    expect(answer.status).toBe(201);
    const unreadOf = async (who: Person) => (await inbox(who, "limit=100")).items.find((r) => r.id === id).unreadCount;
    expect(await unreadOf(claire)).toBe(1);
    expect(await unreadOf(lila)).toBe(1);
    const activity = async () =>
      (await t.ctx.db.selectFrom("company_activity").select("unread").where("siren", "=", SEED.martin.siren).where("tax", "=", "TVA").executeTakeFirstOrThrow())
        .unread;
    const unreadBefore = await activity();

    // Lila reads it at 14 h 05, Paris time.
    t.clock.set(new Date("2026-12-04T13:05:00.000Z"));
    const lilaView = await call(t.app, "GET", `/api/v1/requests/${id}`, { jar: lila.jar });
    expect(lilaView.status).toBe(200);
    const [own, administration] = lilaView.body.messages;
    expect(own.readBy).toEqual([]);
    expect(administration.readBy).toEqual([{ displayName: "Lila Rosemonde", at: "2026-12-04T13:05:00.000Z" }]);
    expect(administration.readByCompanyAt).toBe("2026-12-04T13:05:00.000Z");
    // One reading is the company's: the colleagues' counters drop as before.
    expect(await unreadOf(claire)).toBe(0);
    expect(await unreadOf(robert)).toBe(0);
    expect(await activity()).toBe(unreadBefore - 1);

    t.clock.set(new Date("2026-12-04T13:20:00.000Z"));
    const claireView = await call(t.app, "GET", `/api/v1/requests/${id}`, { jar: claire.jar });
    expect(claireView.body.messages[1].readBy).toEqual([
      { displayName: "Lila Rosemonde", at: "2026-12-04T13:05:00.000Z" },
      { displayName: "Claire Vasseur", at: "2026-12-04T13:20:00.000Z" },
    ]);
    // The company's first read stays Lila's; a second reading moves nothing.
    expect(claireView.body.messages[1].readByCompanyAt).toBe("2026-12-04T13:05:00.000Z");
    t.clock.advance(60_000);
    await call(t.app, "GET", `/api/v1/requests/${id}`, { jar: lila.jar });
    const rows = await t.ctx.db
      .selectFrom("message_reads")
      .select(["space_id", "read_at"])
      .where("message_id", "=", administration.id)
      .orderBy("read_at")
      .execute();
    expect(rows).toEqual([
      { space_id: lila.spaceId, read_at: new Date("2026-12-04T13:05:00.000Z") },
      { space_id: claire.spaceId, read_at: new Date("2026-12-04T13:20:00.000Z") },
    ]);
    expect(await activity()).toBe(unreadBefore - 1);

    // The back office reads the company's first read, as before, and nothing of the other readers.
    const seen = await call(t.app, "GET", `/api/v1/backoffice/requests/${id}`, { jar: await agentSignIn(t, "suivi.agent@dgfip.test", SECRET) });
    expect(seen.body.messages[1]).not.toHaveProperty("readBy");
    expect(seen.body.companySide.firstRead).toEqual({ at: "2026-12-04T13:05:00.000Z", by: "Lila Rosemonde" });
    expect(JSON.stringify(seen.body)).not.toContain("2026-12-04T13:20:00.000Z");

    // Someone who no longer may see the request is no longer named to those who do.
    expect((await call(t.app, "DELETE", `/api/v1/delegations/${lilaDelegation}`, { jar: claire.jar })).status).toBe(204);
    const after = await call(t.app, "GET", `/api/v1/requests/${id}`, { jar: robert.jar });
    expect(after.body.messages[1].readBy.map((r: { displayName: string }) => r.displayName)).toEqual(["Claire Vasseur", "Robert Lambda"]);
  });
});
