import { correspondenceDepsOf } from "../../src/app/context.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, CookieJar, countRows, seedReferenceData, startTestApp, type TestApp, type WireJson } from "../helpers/app.js";
import { activeAdministrator, AGENT_PASSWORD, agentSignIn, signedInPerson, signIn } from "../helpers/people.js";
import { makeAgent, makeCompany } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";
import { DAY, HOUR } from "../../src/platform/clock.js";
import { parisDay, parisDayLastInstant } from "../../src/platform/paris.js";
import { sendReminders } from "../../src/modules/requests/index.js";
import { runCampaign } from "../../src/modules/correspondence/index.js";
import { withLuhnKey } from "../../src/modules/companies/index.js";

let t: TestApp;
type Person = Awaited<ReturnType<typeof signedInPerson>>;
let robert: Person;
let lila: Person;
let paul: CookieJar; // agent of SIE Paris 11e, competent for Martin distribution
let sophie: CookieJar; // supervisor of SIE Paris 11e
let louis: CookieJar; // agent of SIE Lyon 1er: another service
const SECRETS = { paul: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B", sophie: "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U", louis: "ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU" };
const COMPANY_EMAIL = "contact@martindistribution.com";

const ASK = {
  siren: SEED.martin.siren,
  tax: "TVA",
  nature: "demande_de_pieces",
  subject: "Pièces justificatives du crédit de TVA",
  body: "Bonjour,\nMerci de nous transmettre les factures d'achat du trimestre pour {{raison_sociale}} (SIREN {{siren}}), référence {{reference}}.",
  acknowledgementRequired: true,
};

async function signInAll() {
  robert.jar = await signIn(t, robert.email);
  lila.jar = await signIn(t, lila.email);
  paul = await agentSignIn(t, "agent.paris11@dgfip.test", SECRETS.paul);
  sophie = await agentSignIn(t, "superviseure.paris11@dgfip.test", SECRETS.sophie);
  louis = await agentSignIn(t, "agent.lyon@dgfip.test", SECRETS.louis);
}
async function advance(ms: number) {
  t.clock.advance(ms);
  await signInAll();
}
const write = async (jar: CookieJar, body: Record<string, unknown>) => call(t.app, "POST", "/api/v1/backoffice/threads", { jar, body: { ...ASK, ...body } });
const inboxIds = async (p: Person) => (await call(t.app, "GET", "/api/v1/requests", { jar: p.jar })).body.items.map((r: { id: string }) => r.id);
const mailsTo = async (to: string) => {
  await t.ctx.worker.drain();
  return (await call(t.app, "GET", `/api/v1/dev/mails?to=${encodeURIComponent(to)}`)).body.items as { subject: string; text: string }[];
};

/** A multipart body: the CSV and the thread's fields. */
function multipart(csv: string, fields: Record<string, string>) {
  const boundary = "----campagne" + Math.random().toString(16).slice(2);
  const parts = Object.entries(fields).map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`);
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="campagne.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n`);
  return { payload: `${parts.join("")}--${boundary}--\r\n`, contentType: `multipart/form-data; boundary=${boundary}` };
}
async function submit(jar: CookieJar, csv: string, fields: Record<string, string>) {
  const m = multipart(csv, fields);
  const res = await t.app.inject({
    method: "POST",
    url: "/api/v1/backoffice/campaigns",
    headers: { cookie: jar.header(), "x-csrf-token": jar.csrf!, "content-type": m.contentType },
    payload: m.payload,
  });
  return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, WireJson> };
}

beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  robert = await activeAdministrator(t, SEED.martin.siren, {
    quality: "legal_representative",
    companyEmail: COMPANY_EMAIL,
    email: "robert.lambda@martindistribution.com",
    firstName: "Robert",
    lastName: "Lambda",
  });
  lila = await signedInPerson(t, { siren: SEED.gestion.siren, email: "lila.rosemonde@gestion.com", firstName: "Lila", lastName: "Rosemonde" });
  const offer = await call(t.app, "POST", `/api/v1/companies/${SEED.martin.siren}/delegations`, {
    jar: robert.jar,
    body: { email: lila.email, role: "delegate", services: ["messagerie"], taxScope: ["TVA"] },
  });
  await call(t.app, "POST", `/api/v1/delegations/${offer.body.id}/accept`, { jar: lila.jar });
  await makeAgent(t.ctx, {
    email: "agent.paris11@dgfip.test",
    name: "Paul Agent",
    services: ["SIE-75111"],
    password: AGENT_PASSWORD,
    totpSecret: SECRETS.paul,
  });
  await makeAgent(t.ctx, {
    email: "superviseure.paris11@dgfip.test",
    name: "Sophie Superviseure",
    services: ["SIE-75111"],
    isSupervisor: true,
    password: AGENT_PASSWORD,
    totpSecret: SECRETS.sophie,
  });
  await makeAgent(t.ctx, { email: "agent.lyon@dgfip.test", name: "Louis Agent", services: ["SIE-69381"], password: AGENT_PASSWORD, totpSecret: SECRETS.louis });
  await signInAll();
});
afterAll(async () => t?.close());

describe("an agent writes first (product §16)", () => {
  it("opens a thread with an acknowledgement required: reference, journal, content-free notice; seen by those holding messagerie for that tax", async () => {
    const mailsBefore = (await mailsTo(COMPANY_EMAIL)).length;
    const res = await write(paul, {});
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: "published", reference: expect.stringMatching(/^2026-SIE-75111-\d{7}$/) });
    const vat = res.body as { id: string; reference: string };
    // Robert (unscoped) and Lila (TVA delegate) both see it, marked as the administration's.
    for (const p of [robert, lila]) expect(await inboxIds(p)).toContain(vat.id);
    const listed = (await call(t.app, "GET", "/api/v1/requests", { jar: robert.jar })).body.items.find((r: { id: string }) => r.id === vat.id);
    expect(listed).toMatchObject({ origin: "administration", status: "awaiting_user", nature: "demande_de_pieces", unreadCount: 1 });
    // Placeholders filled for the company.
    const thread = await call(t.app, "GET", `/api/v1/requests/${vat.id}`, { jar: lila.jar });
    expect(thread.body.messages[0].body).toContain(`pour ${SEED.martin.name} (SIREN ${SEED.martin.siren}), référence ${vat.reference}.`);
    expect(thread.body.correspondence).toMatchObject({ acknowledgementRequired: true, acknowledgedAt: null, repliesAllowed: true });
    expect(thread.body.messages[0].author).toEqual({ kind: "agent", displayName: "SIE Paris 11e" });
    // The notice names the reference, never the subject or the text.
    const mails = await mailsTo(COMPANY_EMAIL);
    expect(mails.length).toBe(mailsBefore + 1);
    expect(mails[0]!.subject).toContain(vat.reference);
    expect(mails[0]!.text).not.toContain("factures");
    expect(mails[0]!.text).not.toContain("http");
    const journal = await t.ctx.db.selectFrom("journal").select(["action", "actor_kind", "data"]).where("subject_id", "=", vat.id).execute();
    expect(journal.map((j) => j.action)).toEqual(expect.arrayContaining(["thread.published", "request.read"]));

    // The same message about IS: Robert sees it, Lila (TVA only) does not — not in her list, 404 on the thread.
    const is = (await write(paul, { tax: "IS", subject: "Acompte d'IS" })).body as { id: string };
    expect(await inboxIds(robert)).toContain(is.id);
    expect(await inboxIds(lila)).not.toContain(is.id);
    expect((await call(t.app, "GET", `/api/v1/requests/${is.id}`, { jar: lila.jar })).status).toBe(404);
    expect((await call(t.app, "POST", `/api/v1/requests/${is.id}/acknowledge`, { jar: lila.jar })).status).toBe(404);

    // Not closed before it is acknowledged: 409, and nothing changes.
    const early = await call(t.app, "POST", `/api/v1/requests/${vat.id}/close`, { jar: robert.jar });
    expect(early).toMatchObject({ status: 409, body: { error: { code: "acknowledgement_required" } } });
    expect(early.body.error.message).toMatch(/Accusez réception/);
    expect((await call(t.app, "GET", `/api/v1/requests/${vat.id}`, { jar: robert.jar })).body.status).toBe("awaiting_user");
    expect(await t.ctx.db.selectFrom("journal").select("id").where("subject_id", "=", vat.id).where("action", "=", "request.closed").execute()).toHaveLength(0);

    // Robert acknowledges; a second acknowledgement keeps the first; the agent sees who and when.
    await advance(HOUR);
    const ack = await call(t.app, "POST", `/api/v1/requests/${vat.id}/acknowledge`, { jar: robert.jar });
    expect(ack.status, JSON.stringify(ack.body)).toBe(200);
    expect(ack.body).toEqual({ acknowledgedAt: t.clock.now().toISOString(), acknowledgedBy: { firstName: "Robert", lastName: "Lambda" } });
    t.clock.advance(60_000);
    const again = await call(t.app, "POST", `/api/v1/requests/${vat.id}/acknowledge`, { jar: lila.jar });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(ack.body);
    expect(
      await t.ctx.db.selectFrom("journal").select("id").where("subject_id", "=", vat.id).where("action", "=", "thread.acknowledged").execute(),
    ).toHaveLength(1);
    const agentView = await call(t.app, "GET", `/api/v1/backoffice/requests/${vat.id}`, { jar: paul });
    expect(agentView.status).toBe(200);
    expect(agentView.body.companySide.acknowledgement).toEqual({ at: ack.body.acknowledgedAt, by: "Robert Lambda" });
    expect(agentView.body.companySide.firstRead).toMatchObject({ by: "Lila Rosemonde" });
    expect(agentView.body).toMatchObject({ origin: "administration", status: "answered" });
    const seen = await call(t.app, "GET", `/api/v1/requests/${vat.id}`, { jar: robert.jar });
    expect(seen.body.correspondence).toMatchObject({ acknowledgedAt: ack.body.acknowledgedAt, acknowledgedBy: "Robert Lambda" });
    // A thread that asks for no acknowledgement cannot be acknowledged.
    const info = (await write(paul, { nature: "information", acknowledgementRequired: false, subject: "Information" })).body as { id: string };
    const refused = await call(t.app, "POST", `/api/v1/requests/${info.id}/acknowledge`, { jar: robert.jar });
    expect(refused).toMatchObject({ status: 422, body: { error: { code: "acknowledgement_not_required" } } });
    // Once acknowledged (or when none is asked), closing is allowed.
    expect((await call(t.app, "POST", `/api/v1/requests/${info.id}/close`, { jar: robert.jar })).status).toBe(200);
    expect((await call(t.app, "POST", `/api/v1/requests/${vat.id}/close`, { jar: robert.jar })).status).toBe(200);
  });

  it("reads a due date typed without a time as the end of that day in Paris, and shows it back as that day", async () => {
    const day = parisDay(new Date(t.clock.now().getTime() + 10 * DAY));
    const res = await write(paul, { subject: "Échéance au jour", replyDueAt: day });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const id = (res.body as { id: string }).id;
    const seen = await call(t.app, "GET", `/api/v1/requests/${id}`, { jar: robert.jar });
    expect(seen.body.correspondence.replyDueAt).toBe(parisDayLastInstant(day).toISOString());
    expect(parisDay(new Date(seen.body.correspondence.replyDueAt))).toBe(day);
    const stored = await t.ctx.db.selectFrom("requests").select("reply_due_at").where("id", "=", id).executeTakeFirstOrThrow();
    expect(parisDay(stored.reply_due_at!)).toBe(day);
  });

  it("refuses what it must: another service's company (404), unknown placeholders and past dates (422), replies where none are allowed (409)", async () => {
    const requests = await countRows(t, "requests");
    const louisWrites = await write(louis, {});
    expect(louisWrites).toMatchObject({ status: 404, body: { error: { code: "not_found" } } });
    const unknownCompany = await write(paul, { siren: withLuhnKey("12345678") });
    expect(unknownCompany.status).toBe(404);
    const placeholder = await write(paul, { body: "Bonjour {{nom_du_gerant}}, voir {{siren}}." });
    expect(placeholder).toMatchObject({ status: 422, body: { error: { code: "unknown_placeholder", details: { unknown: ["nom_du_gerant"] } } } });
    expect(placeholder.body.error.message).toContain("{{nom_du_gerant}}");
    const past = await write(paul, { publishAt: new Date(t.clock.now().getTime() - 60_000).toISOString() });
    expect(past).toMatchObject({ status: 422, body: { error: { code: "publish_at_past" } } });
    const badDue = await write(paul, { replyDueAt: "2020-01-01" });
    expect(badDue).toMatchObject({ status: 422, body: { error: { code: "reply_due_at_past" } } });
    const badNature = await write(paul, { nature: "question" });
    expect(badNature.status).toBe(400);
    const noMessagerie = await write(paul, { siren: SEED.concurrence.siren });
    expect(noMessagerie).toMatchObject({ status: 422, body: { error: { code: "company_without_messagerie" } } });
    expect(await countRows(t, "requests")).toBe(requests);

    const decision = (await write(paul, { nature: "decision", acknowledgementRequired: false, repliesAllowed: false, subject: "Décision de remboursement" }))
      .body as { id: string };
    const messages = await countRows(t, "messages");
    const reply = await call(t.app, "POST", `/api/v1/requests/${decision.id}/messages`, { jar: robert.jar, body: { body: "Merci", uploadIds: [] } });
    expect(reply).toMatchObject({ status: 409, body: { error: { code: "replies_not_allowed" } } });
    expect(await countRows(t, "messages")).toBe(messages);
    // Louis, of another service, sees none of these threads.
    expect((await call(t.app, "GET", `/api/v1/backoffice/requests/${decision.id}`, { jar: louis })).status).toBe(404);
    expect((await call(t.app, "GET", "/api/v1/backoffice/threads", { jar: louis })).body.items).toEqual([]);
  });

  it("publishes nothing before publishAt: not visible, not notified, not counted; then publishes it once", async () => {
    const at = new Date(t.clock.now().getTime() + 2 * DAY);
    const mails = (await mailsTo(COMPANY_EMAIL)).length;
    const unreadBefore = (await call(t.app, "GET", `/api/v1/companies?q=${SEED.martin.siren}`, { jar: robert.jar })).body.items[0].unreadCount;
    const res = await write(paul, {
      subject: "Programmé",
      publishAt: at.toISOString(),
      acknowledgementRequired: false,
      replyDueAt: new Date(at.getTime() + 10 * DAY).toISOString(),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: "scheduled", publishAt: at.toISOString() });
    const id = res.body.id as string;
    expect(await inboxIds(robert)).not.toContain(id);
    expect((await call(t.app, "GET", `/api/v1/requests/${id}`, { jar: robert.jar })).status).toBe(404);
    expect((await mailsTo(COMPANY_EMAIL)).length).toBe(mails);
    expect((await call(t.app, "GET", `/api/v1/companies?q=${SEED.martin.siren}`, { jar: robert.jar })).body.items[0].unreadCount).toBe(unreadBefore);
    const scheduled = await call(t.app, "GET", "/api/v1/backoffice/threads/scheduled", { jar: paul });
    expect(scheduled.body.items.map((s: { id: string }) => s.id)).toEqual([id]);
    expect((await call(t.app, "GET", "/api/v1/backoffice/threads/scheduled", { jar: louis })).body.items).toEqual([]);
    expect((await call(t.app, "DELETE", `/api/v1/backoffice/threads/scheduled/${id}`, { jar: louis })).status).toBe(404);

    await advance(2 * DAY + 60_000);
    await t.ctx.worker.drain();
    expect(await inboxIds(robert)).toContain(id);
    expect((await call(t.app, "GET", `/api/v1/companies?q=${SEED.martin.siren}`, { jar: robert.jar })).body.items[0].unreadCount).toBe(unreadBefore + 1);
    const after = await mailsTo(COMPANY_EMAIL);
    expect(after.length).toBe(mails + 1);
    expect(after[0]!.subject).toContain(res.body.reference);
    expect((await call(t.app, "GET", "/api/v1/backoffice/threads/scheduled", { jar: paul })).body.items).toEqual([]);
    // The agent's queue of what companies owe: the reply due, with its date.
    const waiting = await call(t.app, "GET", "/api/v1/backoffice/threads?waiting=reply", { jar: paul });
    expect(waiting.body.items.find((x: { id: string }) => x.id === id)).toMatchObject({ waitingFor: ["reply"], overdue: false, firstReadAt: null });
  });

  it("reminds once, 7 days after publication, when nobody read; a read thread gets no reminder", async () => {
    const unread = (await write(paul, { subject: "À lire", acknowledgementRequired: false, nature: "relance" })).body as { id: string; reference: string };
    const read = (await write(paul, { subject: "Lu", acknowledgementRequired: false, nature: "information" })).body as { id: string; reference: string };
    await call(t.app, "GET", `/api/v1/requests/${read.id}`, { jar: robert.jar });
    const clock = t.clock;
    clock.advance(7 * DAY - HOUR);
    const remindersOf = async (reference: string) =>
      (await mailsTo(COMPANY_EMAIL)).filter((m) => m.subject.startsWith("Rappel") && m.subject.includes(reference));
    await sendReminders({ db: t.ctx.db, clock });
    expect(await remindersOf(unread.reference)).toHaveLength(0);
    clock.advance(2 * HOUR);
    expect(await sendReminders({ db: t.ctx.db, clock })).toBeGreaterThanOrEqual(1);
    expect(await sendReminders({ db: t.ctx.db, clock })).toBe(0);
    const reminders = (await mailsTo(COMPANY_EMAIL)).filter((m) => m.subject.startsWith("Rappel"));
    expect(reminders.some((m) => m.subject.includes(unread.reference))).toBe(true);
    expect(reminders.some((m) => m.subject.includes(read.reference))).toBe(false);
    expect(reminders.filter((m) => m.subject.includes(unread.reference))).toHaveLength(1);
    await signInAll();
  });

  it("lists, overdue first, the threads waiting for an acknowledgement or a reply", async () => {
    const soon = (await write(paul, { subject: "Échéance proche", replyDueAt: new Date(t.clock.now().getTime() + 2 * DAY).toISOString() })).body as {
      id: string;
    };
    const later = (await write(paul, { subject: "Échéance lointaine", replyDueAt: new Date(t.clock.now().getTime() + 20 * DAY).toISOString() })).body as {
      id: string;
    };
    await advance(3 * DAY);
    const page = await call(t.app, "GET", "/api/v1/backoffice/threads?limit=100", { jar: paul });
    const ids = page.body.items.map((x: { id: string }) => x.id);
    expect(ids.indexOf(soon.id)).toBeLessThan(ids.indexOf(later.id));
    expect(page.body.items.find((x: { id: string }) => x.id === soon.id)).toMatchObject({ overdue: true, waitingFor: ["acknowledgement", "reply"] });
    expect((await call(t.app, "GET", "/api/v1/backoffice/threads?overdue=true", { jar: paul })).body.items.map((x: { id: string }) => x.id)).toContain(soon.id);
    const one = await call(t.app, "GET", "/api/v1/backoffice/threads?limit=1", { jar: paul });
    const two = await call(t.app, "GET", `/api/v1/backoffice/threads?limit=1&cursor=${one.body.nextCursor}`, { jar: paul });
    expect(two.body.items[0].id).not.toBe(one.body.items[0].id);
    // Robert replies: the thread no longer waits for a reply (it still waits for the acknowledgement).
    expect(
      (await call(t.app, "POST", `/api/v1/requests/${soon.id}/messages`, { jar: robert.jar, body: { body: "Voici les factures.", uploadIds: [] } })).status,
    ).toBe(201);
    const afterReply = await call(t.app, "GET", "/api/v1/backoffice/threads?limit=100", { jar: paul });
    expect(afterReply.body.items.find((x: { id: string }) => x.id === soon.id)).toMatchObject({ waitingFor: ["acknowledgement"] });
    expect(
      (await call(t.app, "GET", "/api/v1/backoffice/threads?waiting=reply&limit=100", { jar: paul })).body.items.map((x: { id: string }) => x.id),
    ).not.toContain(soon.id);
  });
});

describe("campaigns (product §16)", () => {
  it("a supervisor's campaign: a thread for each company with messagerie, a letter for the others, refusals in the report; figures", async () => {
    const ceased = withLuhnKey("55500001");
    await makeCompany(t.ctx, {
      siren: ceased,
      name: "ANCIENNE SARL",
      isActive: false,
      streetName: "RUE OBERKAMPF",
      postalCode: "75011",
      communeName: "PARIS 11",
      communeCode: "75111",
    });
    const unknown = withLuhnKey("55500002");
    const csv = [
      "siren;raison sociale",
      `${SEED.martin.siren};Martin`,
      `${SEED.concurrence.siren};Concurrence`,
      `${SEED.gestion.siren};Gestion (Lyon)`,
      `${unknown};?`,
      `${ceased};cessée`,
      "12345;faux",
      `${SEED.martin.siren};doublon`,
      "",
    ].join("\n");
    const fields = {
      tax: "TVA",
      nature: "information",
      subject: "Campagne TVA {{siren}}",
      body: "Madame, Monsieur, l'entreprise {{raison_sociale}} est invitée à vérifier ses déclarations.",
    };
    expect((await submit(paul, csv, fields)).status).toBe(403);
    const bad = await submit(sophie, csv, { ...fields, body: "Bonjour {{gerant}}" });
    expect(bad).toMatchObject({ status: 422, body: { error: { code: "unknown_placeholder" } } });
    expect(await t.ctx.db.selectFrom("campaigns").select("id").execute()).toHaveLength(0);

    const res = await submit(sophie, csv, fields);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const id = res.body.campaignId as string;
    await t.ctx.worker.drain();
    const c = await call(t.app, "GET", `/api/v1/backoffice/campaigns/${id}`, { jar: sophie });
    // Published: the thread and the letter (which has its own thread and reference too).
    expect(c.body).toMatchObject({ status: "done", total: 7, done: 7, threads: 1, letters: 1, refused: 5, figures: { published: 2, read: 0 } });
    const lines = (await call(t.app, "GET", `/api/v1/backoffice/campaigns/${id}/recipients`, { jar: sophie })).body.items as {
      line: number;
      status: string;
      error: { code: string } | null;
      reference: string | null;
    }[];
    expect(lines.map((l) => [l.status, l.error?.code ?? null])).toEqual([
      ["thread", null],
      ["letter", null],
      ["refused", "out_of_competence"],
      ["refused", "unknown_siren"],
      ["refused", "ceased_company"],
      ["refused", "invalid_siren"],
      ["refused", "duplicate_line"],
    ]);
    const threadId = (
      await t.ctx.db.selectFrom("requests").select("id").where("campaign_id", "=", id).where("siren", "=", SEED.martin.siren).executeTakeFirstOrThrow()
    ).id;
    const thread = await call(t.app, "GET", `/api/v1/requests/${threadId}`, { jar: robert.jar });
    expect(thread.body.subject).toBe(`Campagne TVA ${SEED.martin.siren}`);
    expect(thread.body.messages[0].body).toContain(SEED.martin.name);
    const letters = (await call(t.app, "GET", `/api/v1/dev/letters?siren=${SEED.concurrence.siren}`)).body.items;
    expect(letters[0]).toMatchObject({ kind: "correspondence", fields: { subject: `Campagne TVA ${SEED.concurrence.siren}` } });
    expect(letters[0].fields.body).toContain(SEED.concurrence.name);
    expect((await t.app.inject({ method: "GET", url: letters[0].pdfUrl })).headers["content-type"]).toContain("application/pdf");
    // Robert reads it: the figures count it; the report says when.
    const figures = await call(t.app, "GET", `/api/v1/backoffice/campaigns/${id}`, { jar: sophie });
    expect(figures.body.figures).toMatchObject({ published: 2, read: 1, acknowledged: 0, replied: 0 });
    expect(figures.body.figures.perDay).toHaveLength(1);
    const report = await t.app.inject({ method: "GET", url: `/api/v1/backoffice/campaigns/${id}/report.csv`, headers: { cookie: sophie.header() } });
    expect(report.statusCode).toBe(200);
    expect(report.body).toContain("message publié");
    expect(report.body).toContain("courrier postal");
    expect(report.body).toContain("inconnu du répertoire");
    // Another service sees nothing of it.
    expect((await call(t.app, "GET", `/api/v1/backoffice/campaigns/${id}`, { jar: louis })).status).toBe(404);
    expect((await call(t.app, "GET", `/api/v1/backoffice/campaigns/${id}/recipients`, { jar: louis })).status).toBe(404);
    expect((await t.app.inject({ method: "GET", url: `/api/v1/backoffice/campaigns/${id}/report.csv`, headers: { cookie: louis.header() } })).statusCode).toBe(
      404,
    );
    expect((await call(t.app, "GET", "/api/v1/backoffice/campaigns", { jar: louis })).body.items).toEqual([]);
    expect((await call(t.app, "GET", "/api/v1/backoffice/campaigns", { jar: sophie })).body.items.map((x: { id: string }) => x.id)).toEqual([id]);
    // Running it again changes nothing; the database refuses a second thread of the campaign to a company.
    expect(await runCampaign(correspondenceDepsOf(t.ctx), id)).toBe(0);
    await expect(
      t.ctx.db
        .insertInto("requests")
        .values({
          id: crypto.randomUUID(),
          reference: "2026-SIE-75111-9999999",
          siren: SEED.martin.siren,
          tax: "TVA",
          nature: "information",
          subject: "x",
          status: "answered",
          service_code: "SIE-75111",
          author_space_id: null,
          origin: "administration",
          opened_by_agent_id: (await t.ctx.db.selectFrom("agents").select("id").limit(1).executeTakeFirstOrThrow()).id,
          campaign_id: id,
          received_at: new Date(),
          last_activity_at: new Date(),
          answered_at: null,
          first_answer_at: null,
          closed_at: null,
          archived_at: null,
          first_answer_due_at: new Date(),
          legal_due_at: null,
        })
        .execute(),
    ).rejects.toThrow(/requests_one_per_campaign|duplicate/);
  });

  it("refuses a file without a siren column, an empty file, a campaign of another service", async () => {
    const fields = { tax: "TVA", nature: "information", subject: "Objet", body: "Texte" };
    expect(await submit(sophie, "numero\n123", fields)).toMatchObject({ status: 422, body: { error: { code: "missing_siren_column" } } });
    expect(await submit(sophie, "siren\n", fields)).toMatchObject({ status: 422, body: { error: { code: "empty_campaign" } } });
    expect(await submit(sophie, `siren\n${SEED.martin.siren}`, { ...fields, service: "SIE-69381" })).toMatchObject({ status: 404 });
    expect(await submit(sophie, `siren\n${SEED.martin.siren}`, { ...fields, publishAt: "2020-01-01T10:00" })).toMatchObject({
      status: 422,
      body: { error: { code: "publish_at_past" } },
    });
  });
});

describe("the company search of the writing form", () => {
  it("finds companies of the agent's competence only, by SIREN or name", async () => {
    const paris = await call(t.app, "GET", "/api/v1/backoffice/companies?q=martin", { jar: paul });
    expect(paris.body.items.map((c: { siren: string }) => c.siren)).toEqual([SEED.martin.siren]);
    expect(
      (await call(t.app, "GET", `/api/v1/backoffice/companies?q=${SEED.martin.siren.slice(0, 4)}`, { jar: paul })).body.items.map(
        (c: { siren: string }) => c.siren,
      ),
    ).toContain(SEED.martin.siren);
    expect((await call(t.app, "GET", "/api/v1/backoffice/companies?q=martin", { jar: louis })).body.items).toEqual([]);
  });
});

describe("the inbox's three plans", () => {
  it("walking the requests by activity, steering that walk by the person's companies and reading each company's own index give the same pages, filters and cursors included", async () => {
    const { listRequests } = await import("../../src/modules/requests/requests.inbox.js");
    const deps = { db: t.ctx.db, clock: t.ctx.clock, receiptKeys: t.ctx.receiptKeys };
    for (const who of [robert, lila]) {
      for (const filters of [{}, { tax: "TVA" }, { tax: "IS" }, { siren: SEED.martin.siren }, { unread: true }, { q: "factures" }, { nature: "information" }]) {
        const pages = async (plan: "walk" | "per_company" | "steered") => {
          const seen: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await listRequests(deps, who.spaceId, filters, 3, cursor, { plan });
            seen.push(...page.items.map((i) => i.id));
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
          return seen;
        };
        const walked = await pages("walk");
        expect(await pages("per_company"), `${who.email} ${JSON.stringify(filters)}`).toEqual(walked);
        expect(await pages("steered"), `steered: ${who.email} ${JSON.stringify(filters)}`).toEqual(walked);
        if (Object.keys(filters).length === 0) expect(walked.length).toBeGreaterThan(5);
      }
    }
  });
});
