import { TZDate } from "@date-fns/tz";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, CookieJar, lastMailTo, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { activeAdministrator, AGENT_PASSWORD, agentSignIn, letterCodes, newCompany, signedInPerson, signIn } from "../helpers/people.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";
import { DAY, HOUR } from "../../src/platform/clock.js";
import { firstAnswerTimes } from "../../src/modules/requests/requests.stats.js";

let t: TestApp;
type Person = Awaited<ReturnType<typeof signedInPerson>>;
let robert: Person;
let chief: Person;
let lila: Person;
let paul: CookieJar; // agent of SIE Paris 11e (Martin distribution's SIE)
let pierre: CookieJar; // a colleague in the same SIE
let sophie: CookieJar; // supervisor of SIE Paris 11e
let louis: CookieJar; // agent of SIE Lyon 1er: another service
let camille: CookieJar; // agent of the CDIF Paris
const ids: Record<string, string> = {};
const SECRETS = {
  paul: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B",
  pierre: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
  sophie: "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
  louis: "ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU",
  camille: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
};
const NOTE = "Note interne : vérifier le relevé bancaire avant remboursement";
const REASON = "Relève du cadastre, motif interne";

const VAT_REFUND = {
  siren: SEED.martin.siren,
  tax: "TVA",
  nature: "remboursement_credit_tva",
  subject: "Remboursement du crédit de TVA",
  body: "Nous demandons le remboursement de nos crédits de TVA.",
  uploadIds: [],
};
const file = async (who: Person, body: Record<string, unknown> = {}) => {
  const res = await call(t.app, "POST", "/api/v1/requests", { jar: who.jar, body: { ...VAT_REFUND, ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; reference: string };
};
/** Moves the clock on and signs everyone in again (sessions lapse after 30 min idle, 15 for agents). */
async function advance(ms: number) {
  t.clock.advance(ms);
  for (const p of [robert, chief, lila]) p.jar = await signIn(t, p.email);
  paul = await agentSignIn(t, "agent.paris11@dgfip.test", SECRETS.paul);
  pierre = await agentSignIn(t, "pierre.paris11@dgfip.test", SECRETS.pierre);
  sophie = await agentSignIn(t, "superviseure.paris11@dgfip.test", SECRETS.sophie);
  louis = await agentSignIn(t, "agent.lyon@dgfip.test", SECRETS.louis);
  camille = await agentSignIn(t, "agent.cdif75@dgfip.test", SECRETS.camille);
}
const view = async (jar: CookieJar, id: string) => (await call(t.app, "GET", `/api/v1/backoffice/requests/${id}`, { jar })).body;

beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  robert = await activeAdministrator(t, SEED.martin.siren, {
    quality: "legal_representative",
    companyEmail: "contact@martindistribution.com",
    email: "robert.lambda@martindistribution.com",
    firstName: "Robert",
    lastName: "Lambda",
  });
  chief = await activeAdministrator(t, SEED.martin.siren, {
    entitySiren: SEED.gestion.siren,
    email: "cabinet.comptable@gestion.com",
    firstName: "Claire",
    lastName: "Vasseur",
  });
  lila = await signedInPerson(t, { siren: SEED.gestion.siren, email: "lila.rosemonde@gestion.com", firstName: "Lila", lastName: "Rosemonde" });
  const offer = await call(t.app, "POST", `/api/v1/companies/${SEED.martin.siren}/delegations`, {
    jar: chief.jar,
    body: { email: lila.email, role: "delegate", services: ["messagerie"], taxScope: ["TVA"] },
  });
  await call(t.app, "POST", `/api/v1/delegations/${offer.body.id}/accept`, { jar: lila.jar });
  const agents = [
    ["paul", "agent.paris11@dgfip.test", "Paul Agent", ["SIE-75111"], false],
    ["pierre", "pierre.paris11@dgfip.test", "Pierre Collègue", ["SIE-75111"], false],
    ["sophie", "superviseure.paris11@dgfip.test", "Sophie Superviseure", ["SIE-75111"], true],
    ["louis", "agent.lyon@dgfip.test", "Louis Agent", ["SIE-69381"], false],
    ["camille", "agent.cdif75@dgfip.test", "Camille Agent", ["CDIF-75"], false],
  ] as const;
  for (const [key, email, name, services, isSupervisor] of agents) {
    const a = await makeAgent(t.ctx, { email, name, services: [...services], isSupervisor, password: AGENT_PASSWORD, totpSecret: SECRETS[key] });
    ids[key] = a.id;
  }
  await advance(0);
});
afterAll(async () => t.close());

describe("the queue (product §9)", () => {
  it("lists my services' open requests by deadline, with filters, counts and cursor; another SIE sees none", async () => {
    const question = await file(robert, { tax: "IS", nature: "question", subject: "Question sur l'acompte d'IS" });
    // Filed on Saturday then on Tuesday: their 5-working-day deadlines differ (Friday, then the next Tuesday).
    await advance(3 * DAY);
    const refund = await file(lila, { subject: "Crédit de TVA de septembre" });
    const queue = await call(t.app, "GET", "/api/v1/backoffice/requests", { jar: paul });
    expect(queue.status).toBe(200);
    const refs = queue.body.items.map((r: { reference: string }) => r.reference);
    expect(refs.indexOf(question.reference)).toBeLessThan(refs.indexOf(refund.reference));
    const first = queue.body.items.find((r: { id: string }) => r.id === question.id);
    expect(first).toMatchObject({ status: "received", assignee: null, overdue: false, unreadCount: 1, companyName: expect.any(String), version: 1 });
    expect(new Date(first.deadlineAt).getTime()).toBeGreaterThan(new Date(first.receivedAt).getTime() + 5 * DAY);

    const only = async (qs: string) =>
      (await call(t.app, "GET", `/api/v1/backoffice/requests?${qs}`, { jar: paul })).body.items.map((r: { id: string }) => r.id);
    expect(await only("tax=IS")).toEqual([question.id]);
    expect(await only("nature=remboursement_credit_tva")).toEqual([refund.id]);
    expect(await only("q=acompte")).toEqual([question.id]);
    expect(await only(`siren=${SEED.concurrence.siren}`)).toEqual([]);
    expect(await only("assignee=me")).toEqual([]);
    expect((await only("assignee=none")).length).toBe(2);
    expect(await only("overdue=true")).toEqual([]);
    await advance(10 * DAY);
    expect((await only("overdue=true")).length).toBe(2);
    const page1 = await call(t.app, "GET", "/api/v1/backoffice/requests?limit=1", { jar: paul });
    const page2 = await call(t.app, "GET", `/api/v1/backoffice/requests?limit=1&cursor=${page1.body.nextCursor}`, { jar: paul });
    expect([page1.body.items[0].id, page2.body.items[0].id]).toEqual([question.id, refund.id]);

    const counts = await call(t.app, "GET", "/api/v1/backoffice/requests/counts", { jar: paul });
    expect(counts.body).toMatchObject({ byStatus: { received: 2 }, overdue: 2, unassigned: 2, mine: 0 });
    expect((await call(t.app, "GET", "/api/v1/backoffice/requests", { jar: louis })).body.items).toEqual([]);
    expect((await call(t.app, "GET", "/api/v1/backoffice/requests?service=SIE-75111", { jar: louis })).status).toBe(404);
    expect((await call(t.app, "GET", "/api/v1/backoffice/requests/counts?service=SIE-75111", { jar: louis })).status).toBe(404);
  });

  it.each([["status=perdue"], ["assignee=quelquun"], ["limit=0"], ["limit=101"], ["siren=123"], ["tax=DIME"], ["overdue=oui"], ["cursor=nimporte"]])(
    "refuses %s with a coded 400",
    async (qs) => {
      const res = await call(t.app, "GET", `/api/v1/backoffice/requests?${qs}`, { jar: paul });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toMatch(/invalid_request|invalid_cursor/);
    },
  );

  it("answers 401 without an agent session, even with a person's", async () => {
    expect((await call(t.app, "GET", "/api/v1/backoffice/requests", { jar: robert.jar })).status).toBe(401);
  });
});

describe("working a request", () => {
  it("another SIE's agent gets 404 on every route of the request; opening is journaled and shown to administrators only", async () => {
    const r = await file(lila, { subject: "Isolement" });
    for (const [method, path, body] of [
      ["GET", "", undefined],
      ["POST", "/assign", { agentId: null, version: 1 }],
      ["POST", "/messages", { body: "x", version: 1 }],
      ["POST", "/notes", { body: "x" }],
      ["POST", "/transfer", { serviceCode: "CDIF-75", reason: "x", version: 1 }],
      ["POST", "/close", { version: 1 }],
    ] as const) {
      const res = await call(t.app, method, `/api/v1/backoffice/requests/${r.id}${path}`, { jar: louis, ...(body ? { body } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await call(t.app, "GET", "/api/v1/backoffice/requests/00000000-0000-4000-8000-000000000000", { jar: paul })).status).toBe(404);
    expect((await call(t.app, "GET", "/api/v1/backoffice/requests/pas-un-uuid", { jar: paul })).status).toBe(400);

    const opened = await view(paul, r.id);
    expect(opened).toMatchObject({ reference: r.reference, version: 1, company: { siren: SEED.martin.siren }, notes: [] });
    expect(opened.company.representatives.map((x: { name: string }) => x.name)).toEqual(expect.arrayContaining(["Robert Lambda", "Lila Rosemonde"]));
    const asRobert = await call(t.app, "GET", `/api/v1/requests/${r.id}`, { jar: robert.jar });
    expect(asRobert.body.openings).toEqual([{ service: { code: "SIE-75111", name: "SIE Paris 11e" }, openedAt: expect.any(String), count: 1 }]);
    expect(JSON.stringify(asRobert.body)).not.toContain("Paul");
    const asLila = await call(t.app, "GET", `/api/v1/requests/${r.id}`, { jar: lila.jar });
    expect(asLila.body.openings).toBeUndefined();
  });

  it("assignment: to myself or a colleague; a stale version or a concurrent assign gets 409 with what changed", async () => {
    const r = await file(lila, { subject: "Affectation" });
    const notices = async (to: string) => {
      await t.ctx.worker.drain();
      const mails = (await call(t.app, "GET", `/api/v1/dev/mails?to=${encodeURIComponent(to)}`)).body.items as { text: string }[];
      return mails.filter((m) => m.text.includes(`Un nouveau message concernant votre demande ${r.reference}`)).length;
    };
    const before = [await notices(lila.email), await notices("contact@martindistribution.com")];
    const mine = await call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/assign`, { jar: paul, body: { agentId: ids.paul, version: 1 } });
    expect(mine.body).toEqual({ assigneeId: ids.paul, status: "in_progress", version: 2 });
    // « Reçue » → « En cours de traitement »: the author and the company address are told (content-free).
    expect([await notices(lila.email), await notices("contact@martindistribution.com")]).toEqual([before[0]! + 1, before[1]! + 1]);
    const stale = await call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/assign`, { jar: pierre, body: { agentId: ids.pierre, version: 1 } });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: "stale_version", details: { currentVersion: 2, assigneeId: ids.paul } });
    expect(
      (await call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/assign`, { jar: paul, body: { agentId: ids.louis, version: 2 } })).body.error.code,
    ).toBe("agent_not_in_service");
    expect((await call(t.app, "GET", "/api/v1/backoffice/requests?assignee=me", { jar: paul })).body.items.map((x: { id: string }) => x.id)).toContain(r.id);

    const both = await Promise.all([
      call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/assign`, { jar: paul, body: { agentId: ids.pierre, version: 2 } }),
      call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/assign`, { jar: pierre, body: { agentId: ids.pierre, version: 2 } }),
    ]);
    expect(both.map((x) => x.status).sort()).toEqual([200, 409]);
    expect((await view(pierre, r.id)).assignee).toEqual({ id: ids.pierre, name: "Pierre Collègue" });
    // A new assignee is no change of state: nobody is told again.
    expect([await notices(lila.email), await notices("contact@martindistribution.com")]).toEqual([before[0]! + 1, before[1]! + 1]);
  });

  it.each([
    ["assign", { agentId: "moi", version: 1 }],
    ["assign", { agentId: null }],
    ["assign", { agentId: null, version: 0 }],
    ["messages", { body: "  ", version: 1 }],
    ["messages", { body: "x", status: "perdue", version: 1 }],
    ["messages", { body: "x".repeat(10_001), version: 1 }],
    ["notes", { body: "" }],
    ["notes", {}],
    ["transfer", { serviceCode: "CDIF-75", reason: " ", version: 1 }],
    ["transfer", { serviceCode: "", reason: "x", version: 1 }],
    ["close", {}],
  ])("POST /%s refuses a bad body (case %#) with a coded 400 and changes nothing", async (route, body) => {
    const r = await file(lila, { subject: `Entrée invalide ${route}` });
    const res = await call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/${route}`, { jar: paul, body });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect((await view(paul, r.id)).version).toBe(1);
  });

  it("notes stay internal: no company-side route, search or receipt shows them", async () => {
    const r = await file(lila, { subject: "Notes internes" });
    const note = await call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/notes`, { jar: paul, body: { body: NOTE } });
    expect(note.status).toBe(201);
    expect((await view(pierre, r.id)).notes).toEqual([expect.objectContaining({ body: NOTE, author: { id: ids.paul, name: "Paul Agent" } })]);
    for (const who of [robert, lila]) {
      for (const path of [
        `/api/v1/requests/${r.id}`,
        "/api/v1/requests",
        `/api/v1/requests?siren=${SEED.martin.siren}`,
        `/api/v1/requests?q=${encodeURIComponent("relevé bancaire")}`,
      ]) {
        const res = await call(t.app, "GET", path, { jar: who.jar });
        expect(res.status, path).toBe(200);
        expect(JSON.stringify(res.body), path).not.toContain("relevé bancaire");
      }
      const receipt = await t.app.inject({ method: "GET", url: `/api/v1/requests/${r.id}/receipt.pdf`, headers: { cookie: who.jar.header() } });
      expect(receipt.statusCode).toBe(200);
      expect(receipt.rawPayload.includes(Buffer.from("relev"))).toBe(false);
    }
    expect((await call(t.app, "GET", `/api/v1/requests?q=${encodeURIComponent("relevé bancaire")}`, { jar: robert.jar })).body.items).toEqual([]);
  });

  it("ask, reply, answer: states and content-free notices; two closes at once → one 200, one 409", async () => {
    const r = await file(lila, { subject: "Pièce manquante" });
    const asked = await call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/messages`, {
      jar: paul,
      body: { body: "Merci de joindre le relevé.", status: "awaiting_user", version: 1 },
    });
    expect(asked.body).toMatchObject({ status: "awaiting_user", version: 2 });
    expect((await lastMailTo(t, lila.email)).text).toContain(r.reference);
    await call(t.app, "POST", `/api/v1/requests/${r.id}/messages`, { jar: lila.jar, body: { body: "Le voici." } });
    const v = (await view(paul, r.id)).version;
    const answered = await call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/messages`, {
      jar: paul,
      body: { body: "Remboursement accordé.", status: "answered", version: v },
    });
    expect(answered.body.status).toBe("answered");
    expect((await call(t.app, "GET", `/api/v1/requests/${r.id}`, { jar: lila.jar })).body.status).toBe("answered");
    const closes = await Promise.all(
      [paul, pierre].map((jar) => call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/close`, { jar, body: { version: answered.body.version } })),
    );
    expect(closes.map((c) => c.status).sort()).toEqual([200, 409]);
    expect((await call(t.app, "GET", `/api/v1/requests/${r.id}`, { jar: lila.jar })).body.status).toBe("closed");
    expect(
      (await call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/messages`, { jar: paul, body: { body: "x", version: answered.body.version + 1 } }))
        .status,
    ).toBe(409);
  });

  it("closing without an answer needs a reason, which the company reads in its thread", async () => {
    const r = await file(lila, { subject: "Demande sans objet" });
    const v = (await view(paul, r.id)).version;
    const bare = await call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/close`, { jar: paul, body: { version: v } });
    expect([bare.status, bare.body.error.code]).toEqual([422, "close_reason_required"]);
    expect(bare.body.error.message).toContain("motif");
    const blank = await call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/close`, { jar: paul, body: { version: v, reason: "   " } });
    expect(blank.status).toBe(422);
    const closed = await call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/close`, {
      jar: paul,
      body: { version: v, reason: "Demande en double de la référence précédente." },
    });
    expect(closed.body).toEqual({ status: "closed", version: v + 1 });
    const seen = await call(t.app, "GET", `/api/v1/requests/${r.id}`, { jar: lila.jar });
    expect(seen.body.status).toBe("closed");
    expect(seen.body.messages.at(-1)).toMatchObject({
      author: { kind: "system" },
      body: "Demande clôturée par l'administration. Motif : Demande en double de la référence précédente.",
    });
  });

  it("transfer: the new service gets it, the old one loses it, the company sees the new service but not the reason", async () => {
    const r = await file(robert, { tax: "TF", nature: "question", subject: "Taxe foncière mal adressée" });
    const routed = (await call(t.app, "GET", `/api/v1/requests/${r.id}`, { jar: robert.jar })).body.service.code;
    expect(routed).toBe("CDIF-75");
    const v = (await view(camille, r.id)).version;
    expect(
      (
        await call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/transfer`, {
          jar: camille,
          body: { serviceCode: "CDIF-75", reason: REASON, version: v },
        })
      ).body.error.code,
    ).toBe("same_service");
    expect(
      (
        await call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/transfer`, {
          jar: camille,
          body: { serviceCode: "SIE-00000", reason: REASON, version: v },
        })
      ).body.error.code,
    ).toBe("unknown_service");
    const moved = await call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/transfer`, {
      jar: camille,
      body: { serviceCode: "SIE-75111", reason: REASON, version: v },
    });
    expect(moved.body).toEqual({ serviceCode: "SIE-75111", version: v + 1 });
    expect((await call(t.app, "GET", `/api/v1/backoffice/requests/${r.id}`, { jar: camille })).status).toBe(404);
    const there = await view(paul, r.id);
    expect(there.transfers).toEqual([
      expect.objectContaining({
        from: { code: "CDIF-75", name: "CDIF Paris" },
        to: { code: "SIE-75111", name: "SIE Paris 11e" },
        reason: REASON,
        by: "Camille Agent",
      }),
    ]);
    const company = await call(t.app, "GET", `/api/v1/requests/${r.id}`, { jar: robert.jar });
    expect(company.body.service).toEqual({ code: "SIE-75111", name: "SIE Paris 11e" });
    expect(JSON.stringify(company.body)).not.toContain("cadastre");
  });
});

describe("attachments in the back office", () => {
  it("are sent as stored, with their length, even to a client that accepts compression (both sides)", async () => {
    const { upload } = await import("../helpers/upload.js");
    const content = "mois;montant\njanvier;1200,50\n".repeat(400);
    const uploaded = await upload(t.app, robert.jar, "ventes.csv", content);
    const r = await file(robert, { tax: "IS", nature: "question", subject: "Ventes en pièce jointe", uploadIds: [uploaded.body.uploadId] });
    const attachment = (await view(paul, r.id)).messages[0].attachments[0];
    for (const [url, cookie] of [
      [`/api/v1/backoffice/attachments/${attachment.id}`, paul.header()],
      [`/api/v1/attachments/${attachment.id}`, robert.jar.header()],
    ] as const) {
      const got = await t.app.inject({ method: "GET", url, headers: { cookie, "accept-encoding": "br, gzip" } });
      expect(got.statusCode).toBe(200);
      expect(got.headers["content-encoding"]).toBeUndefined();
      expect(got.headers["content-length"]).toBe(String(Buffer.byteLength(content)));
      expect(got.body).toBe(content);
    }
  });

  it("an agent of the service downloads the company's attachment; another service and a person's session cannot", async () => {
    const { upload } = await import("../helpers/upload.js");
    const uploaded = await upload(t.app, robert.jar, "releve-bancaire.txt", "RIB de Martin distribution");
    const r = await file(robert, { tax: "IS", nature: "question", subject: "Avec pièce jointe", uploadIds: [uploaded.body.uploadId] });
    const attachment = (await view(paul, r.id)).messages[0].attachments[0];
    const got = await t.app.inject({ method: "GET", url: `/api/v1/backoffice/attachments/${attachment.id}`, headers: { cookie: paul.header() } });
    expect(got.statusCode).toBe(200);
    expect(got.body).toBe("RIB de Martin distribution");
    expect(got.headers["content-disposition"]).toContain('attachment; filename="releve-bancaire.txt"');
    expect(got.headers["x-content-type-options"]).toBe("nosniff");
    expect(
      (await t.app.inject({ method: "GET", url: `/api/v1/backoffice/attachments/${attachment.id}`, headers: { cookie: louis.header() } })).statusCode,
    ).toBe(404);
    expect(
      (await t.app.inject({ method: "GET", url: `/api/v1/backoffice/attachments/${attachment.id}`, headers: { cookie: robert.jar.header() } })).statusCode,
    ).toBe(401);
    expect((await t.app.inject({ method: "GET", url: "/api/v1/backoffice/attachments/pas-un-uuid", headers: { cookie: paul.header() } })).statusCode).toBe(400);
  });
});

describe("agents' attachments", () => {
  const AGENT_UPLOADS = "/api/v1/backoffice/uploads";
  it("an agent attaches his own files to a reply; the company side downloads them; nobody uses another's upload", async () => {
    const { upload } = await import("../helpers/upload.js");
    const r = await file(lila, { subject: "Crédit de TVA d'octobre" });
    await advance(2 * HOUR);
    const attestation = await upload(t.app, paul, "attestation-de-regularite.txt", "Attestation de régularité fiscale", "text/plain", AGENT_UPLOADS);
    expect(attestation.status).toBe(201);
    expect(attestation.body).toMatchObject({ name: "attestation-de-regularite.txt", mediaType: "text/plain" });
    // Only an agent session uploads here, with its CSRF header; the type is checked as on the company side.
    expect((await upload(t.app, robert.jar, "x.txt", "x", "text/plain", AGENT_UPLOADS)).status).toBe(401);
    expect(
      (await upload(t.app, { ...paul, csrf: "x".repeat(43), header: () => paul.header() } as never, "x.txt", "x", "text/plain", AGENT_UPLOADS)).status,
    ).toBe(403);
    expect((await upload(t.app, paul, "faux.pdf", "<html>non</html>", "application/pdf", AGENT_UPLOADS)).body.error.code).toBe("unsupported_file_type");

    const companyUpload = await upload(t.app, robert.jar, "rib.txt", "RIB");
    const colleagueUpload = await upload(t.app, pierre, "brouillon.txt", "Brouillon de Pierre", "text/plain", AGENT_UPLOADS);
    const reply = (uploadIds: string[], version: number) =>
      call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/messages`, {
        jar: paul,
        body: { body: "Veuillez trouver l'attestation ci-jointe.", uploadIds, status: "answered", version },
      });
    const before = await view(paul, r.id);
    // A person's upload, a colleague's, an unknown one: refused, and nothing is written.
    for (const other of [companyUpload.body.uploadId, colleagueUpload.body.uploadId, "00000000-0000-4000-8000-000000000000"]) {
      const refused = await reply([attestation.body.uploadId, other], before.version);
      expect(refused.status).toBe(422);
      expect(refused.body.error.code).toBe("unknown_upload");
    }
    expect(
      (
        await reply(
          Array.from({ length: 11 }, () => attestation.body.uploadId).map((id, i) => (i === 0 ? id : crypto.randomUUID())),
          before.version,
        )
      ).body.error.code,
    ).toBe("too_many_attachments");
    // A stale version writes nothing either: the upload stays free for the retry.
    expect((await reply([attestation.body.uploadId], before.version + 1)).status).toBe(409);
    expect((await view(paul, r.id)).messages).toHaveLength(before.messages.length);
    const sent = await reply([attestation.body.uploadId], before.version);
    expect(sent.status).toBe(201);
    expect(sent.body.status).toBe("answered");
    expect((await reply([attestation.body.uploadId], sent.body.version)).body.error.code).toBe("unknown_upload");

    // Lila (TVA delegate) and Robert see it on the company side and download it; the agent view lists it too.
    for (const who of [lila, robert]) {
      const thread = await call(t.app, "GET", `/api/v1/requests/${r.id}`, { jar: who.jar });
      const last = thread.body.messages.at(-1);
      expect(last.author.kind).toBe("agent");
      expect(last.attachments).toEqual([
        expect.objectContaining({ name: "attestation-de-regularite.txt", mediaType: "text/plain", sha256: attestation.body.sha256 }),
      ]);
      const got = await t.app.inject({ method: "GET", url: `/api/v1/attachments/${last.attachments[0].id}`, headers: { cookie: who.jar.header() } });
      expect(got.statusCode).toBe(200);
      expect(got.body).toBe("Attestation de régularité fiscale");
    }
    const agentSide = (await view(paul, r.id)).messages.at(-1);
    expect(agentSide.attachments[0].name).toBe("attestation-de-regularite.txt");
    expect(
      (await t.app.inject({ method: "GET", url: `/api/v1/backoffice/attachments/${agentSide.attachments[0].id}`, headers: { cookie: louis.header() } }))
        .statusCode,
    ).toBe(404);
    // The journal keeps the file's fingerprint with the message.
    const entry = await t.ctx.db
      .selectFrom("journal")
      .select("data")
      .where("action", "=", "message.posted")
      .where("subject_id", "=", r.id)
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(entry.data).toMatchObject({ attachments: [attestation.body.sha256], status: "answered" });
    // The company side cannot attach an agent's upload either.
    const colleagueReuse = await call(t.app, "POST", `/api/v1/requests/${r.id}/messages`, {
      jar: lila.jar,
      body: { body: "Merci.", uploadIds: [colleagueUpload.body.uploadId] },
    });
    expect(colleagueReuse.body.error.code).toBe("unknown_upload");
  });
});

describe("legal deadlines (product §9)", () => {
  it("a réclamation's 6 months are extended once by 3: the company sees the new date and a message, not the reason", async () => {
    const r = await file(robert, { tax: "IS", nature: "reclamation", subject: "Contestation d'une pénalité" });
    const before = (await call(t.app, "GET", `/api/v1/requests/${r.id}`, { jar: robert.jar })).body.deadlines.legal as string;
    const v = (await view(paul, r.id)).version;
    expect((await call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/extend`, { jar: louis, body: { reason: "x", version: v } })).status).toBe(404);
    expect((await call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/extend`, { jar: paul, body: { reason: "", version: v } })).status).toBe(400);
    const extended = await call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/extend`, {
      jar: paul,
      body: { reason: "Expertise comptable en cours", version: v },
    });
    expect(extended.status).toBe(200);
    const after = await call(t.app, "GET", `/api/v1/requests/${r.id}`, { jar: robert.jar });
    const months = (a: string, b: string) =>
      (new Date(b).getUTCFullYear() - new Date(a).getUTCFullYear()) * 12 + new Date(b).getUTCMonth() - new Date(a).getUTCMonth();
    expect(months(before, after.body.deadlines.legal)).toBe(3);
    expect(after.body.messages.at(-1)).toMatchObject({ author: { kind: "system" }, body: expect.stringContaining("prolongé de 3 mois") });
    expect(JSON.stringify(after.body)).not.toContain("Expertise comptable");
    expect(
      (await call(t.app, "POST", `/api/v1/backoffice/requests/${r.id}/extend`, { jar: paul, body: { reason: "encore", version: extended.body.version } })).body
        .error.code,
    ).toBe("already_extended");
    const q = await file(robert, { tax: "IS", nature: "question", subject: "Sans délai légal" });
    expect((await call(t.app, "POST", `/api/v1/backoffice/requests/${q.id}/extend`, { jar: paul, body: { reason: "x", version: 1 } })).body.error.code).toBe(
      "not_extendable",
    );
  });
});

describe("search (product §9)", () => {
  it("finds by word (stemmed, accents folded) and by reference, ranked, with highlighted excerpts; only in my services", async () => {
    const r = await file(lila, { subject: "Pénalités de retard", body: "Nous contestons les pénalités appliquées à notre déclaration de TVA." });
    const res = await call(t.app, "GET", `/api/v1/backoffice/search?q=${encodeURIComponent("penalite declarations")}`, { jar: paul });
    expect(res.status).toBe(200);
    const hit = res.body.items.find((x: { id: string }) => x.id === r.id);
    expect(hit).toBeDefined();
    expect(hit.excerpt.filter((s: { match: boolean }) => s.match).map((s: { text: string }) => s.text.toLowerCase())).toEqual(
      expect.arrayContaining(["pénalités", "déclaration"]),
    );
    expect(hit.subject.some((s: { match: boolean; text: string }) => s.match && s.text === "Pénalités")).toBe(true);
    const byRef = await call(t.app, "GET", `/api/v1/backoffice/search?q=${r.reference}`, { jar: paul });
    expect(byRef.body.items[0].id).toBe(r.id);
    expect((await call(t.app, "GET", `/api/v1/backoffice/search?q=${encodeURIComponent("pénalités")}`, { jar: louis })).body.items).toEqual([]);
    expect((await call(t.app, "GET", "/api/v1/backoffice/search?q=", { jar: paul })).status).toBe(400);
    expect((await call(t.app, "GET", "/api/v1/backoffice/search?q=%20%2B%20", { jar: paul })).body.error.code).toBe("empty_query");
  });
});

describe("the adhesion desk (product §9)", () => {
  it("shows a company's adhesions, letters, rights and oppositions to its managing SIE only (its supervisors included)", async () => {
    const desk = await call(t.app, "GET", `/api/v1/backoffice/companies/${SEED.martin.siren}`, { jar: paul });
    expect(desk.status).toBe(200);
    expect(desk.body.company.name).toBeTruthy();
    expect(desk.body.adhesions.length).toBeGreaterThanOrEqual(2);
    expect(desk.body.letters.length).toBeGreaterThanOrEqual(2);
    expect(desk.body.rights.map((r: { holder: { name: string } }) => r.holder.name)).toEqual(expect.arrayContaining(["Robert Lambda", "Lila Rosemonde"]));
    expect(JSON.stringify(desk.body)).not.toMatch(/"activationCode"|code_hash|opposition_hash/);
    expect((await call(t.app, "GET", `/api/v1/backoffice/companies/${SEED.martin.siren}`, { jar: sophie })).status).toBe(200);
    // The CDIF Paris covers the same commune but does not manage the company: 404.
    expect((await call(t.app, "GET", `/api/v1/backoffice/companies/${SEED.martin.siren}`, { jar: camille })).status).toBe(404);
    expect((await call(t.app, "GET", `/api/v1/backoffice/companies/${SEED.martin.siren}`, { jar: louis })).status).toBe(404);
    expect((await call(t.app, "GET", "/api/v1/backoffice/companies/123", { jar: paul })).status).toBe(400);
    expect((await call(t.app, "GET", "/api/v1/backoffice/companies/000000000", { jar: paul })).status).toBe(404);
  });

  it("re-issues a letter (the old code is void), cancels an adhesion, suspends a right — each journaled", async () => {
    const newcomer = await signedInPerson(t, { siren: SEED.gestion.siren, email: "nouveau@gestion.com", firstName: "Noé", lastName: "Nouveau" });
    const adhesion = await call(t.app, "POST", "/api/v1/adhesions", {
      jar: newcomer.jar,
      body: { siren: SEED.martin.siren, quality: "mandated", services: ["compte_fiscal"] },
    });
    expect(adhesion.status).toBe(201);
    const old = (await letterCodes(t, SEED.martin.siren)).activationCode;
    expect((await call(t.app, "POST", `/api/v1/backoffice/adhesions/${adhesion.body.id}/reissue-letter`, { jar: louis })).status).toBe(404);
    const reissued = await call(t.app, "POST", `/api/v1/backoffice/adhesions/${adhesion.body.id}/reissue-letter`, { jar: paul });
    expect(reissued.body).toEqual({ status: "letter_issued" });
    const fresh = (await letterCodes(t, SEED.martin.siren)).activationCode;
    expect(fresh).not.toBe(old);
    expect((await call(t.app, "POST", `/api/v1/adhesions/${adhesion.body.id}/activate`, { jar: newcomer.jar, body: { code: old } })).status).toBe(422);

    expect(
      (await call(t.app, "POST", `/api/v1/backoffice/adhesions/${adhesion.body.id}/cancel`, { jar: louis, body: { reason: "Demande suspecte" } })).status,
    ).toBe(404);
    expect((await call(t.app, "POST", `/api/v1/backoffice/adhesions/${adhesion.body.id}/cancel`, { jar: paul, body: {} })).status).toBe(400);
    expect(
      (await call(t.app, "POST", `/api/v1/backoffice/adhesions/${adhesion.body.id}/cancel`, { jar: paul, body: { reason: "Demande suspecte" } })).body,
    ).toEqual({ status: "cancelled" });
    expect((await call(t.app, "POST", `/api/v1/adhesions/${adhesion.body.id}/activate`, { jar: newcomer.jar, body: { code: fresh } })).status).toBe(410);
    expect((await call(t.app, "POST", `/api/v1/backoffice/adhesions/${adhesion.body.id}/reissue-letter`, { jar: paul })).status).toBe(409);

    const desk = await call(t.app, "GET", `/api/v1/backoffice/companies/${SEED.martin.siren}`, { jar: paul });
    const lilaRight = desk.body.rights.find(
      (r: { holder: { name: string }; service: string }) => r.holder.name === "Lila Rosemonde" && r.service === "messagerie",
    );
    expect((await call(t.app, "POST", `/api/v1/backoffice/rights/${lilaRight.id}/suspend`, { jar: louis, body: { reason: "x" } })).status).toBe(404);
    const r = await file(lila, { subject: "Avant suspension" });
    // Two agents at once: one suspends, the other is told it is no longer active; the cascade is journaled once.
    const both = await Promise.all(
      [paul, pierre].map((jar) => call(t.app, "POST", `/api/v1/backoffice/rights/${lilaRight.id}/suspend`, { jar, body: { reason: "Usurpation signalée" } })),
    );
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(
      await t.ctx.db.selectFrom("journal").select("id").where("action", "=", "right.suspended").where("subject_id", "=", lilaRight.id).execute(),
    ).toHaveLength(1);
    expect((await call(t.app, "GET", `/api/v1/requests/${r.id}`, { jar: lila.jar })).status).toBe(404);
    expect((await call(t.app, "POST", `/api/v1/backoffice/rights/${lilaRight.id}/suspend`, { jar: paul, body: { reason: "encore" } })).status).toBe(409);
    const actions = (await t.ctx.db.selectFrom("journal").select("action").where("actor_kind", "=", "agent").execute()).map((j) => j.action);
    expect(actions).toEqual(
      expect.arrayContaining(["adhesion.letter_reissued", "adhesion.cancelled", "right.suspended", "request.opened", "request.transferred", "note.added"]),
    );
  });
});

describe("the adhesion desk under attack: an agent of a service that does not manage the company", () => {
  it("the CDIF Paris agent gets 404 on every desk route, reads and actions alike, and nothing changes", async () => {
    const siren = await newCompany(t, "QUINCAILLERIE VOLTAIRE");
    await activeAdministrator(t, siren, {
      quality: "legal_representative",
      companyEmail: "contact@quincaillerie-voltaire.fr",
      email: "gerant@quincaillerie-voltaire.fr",
      firstName: "Gérard",
      lastName: "Voltaire",
    });
    const target = await signedInPerson(t, { siren: SEED.gestion.siren, email: "cible@gestion.com", firstName: "Cécile", lastName: "Cible" });
    const adhesion = await call(t.app, "POST", "/api/v1/adhesions", {
      jar: target.jar,
      body: { siren: siren, quality: "mandated", services: ["compte_fiscal"] },
    });
    expect(adhesion.status, JSON.stringify(adhesion.body)).toBe(201);
    const desk = await call(t.app, "GET", `/api/v1/backoffice/companies/${siren}`, { jar: paul });
    const ownerRight = desk.body.rights.find((r: { holder: { name: string }; state: string }) => r.holder.name === "Gérard Voltaire" && r.state === "active");
    const before = {
      adhesion: await t.ctx.db.selectFrom("adhesions").selectAll().where("id", "=", adhesion.body.id).executeTakeFirstOrThrow(),
      right: await t.ctx.db.selectFrom("rights").selectAll().where("id", "=", ownerRight.id).executeTakeFirstOrThrow(),
      letters: await t.ctx.db.selectFrom("letters").select(["id", "status"]).where("adhesion_id", "=", adhesion.body.id).execute(),
      outbox: await t.ctx.db
        .selectFrom("outbox")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow(),
    };
    for (const jar of [camille, louis]) {
      const attempts = [
        await call(t.app, "GET", `/api/v1/backoffice/companies/${siren}`, { jar }),
        await call(t.app, "POST", `/api/v1/backoffice/adhesions/${adhesion.body.id}/reissue-letter`, { jar }),
        await call(t.app, "POST", `/api/v1/backoffice/adhesions/${adhesion.body.id}/cancel`, { jar, body: { reason: "Tentative hors compétence" } }),
        await call(t.app, "POST", `/api/v1/backoffice/rights/${ownerRight.id}/suspend`, { jar, body: { reason: "Tentative hors compétence" } }),
      ];
      expect(attempts.map((a) => a.status)).toEqual([404, 404, 404, 404]);
      for (const a of attempts) expect(a.body.error.message).toMatch(/introuvable/i);
    }
    expect(await t.ctx.db.selectFrom("adhesions").selectAll().where("id", "=", adhesion.body.id).executeTakeFirstOrThrow()).toEqual(before.adhesion);
    expect(await t.ctx.db.selectFrom("rights").selectAll().where("id", "=", ownerRight.id).executeTakeFirstOrThrow()).toEqual(before.right);
    expect(await t.ctx.db.selectFrom("letters").select(["id", "status"]).where("adhesion_id", "=", adhesion.body.id).execute()).toEqual(before.letters);
    expect(
      await t.ctx.db
        .selectFrom("outbox")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .executeTakeFirstOrThrow(),
    ).toEqual(before.outbox);

    // The managing SIE acts: the company address and the person concerned each get a content-free notice.
    expect(
      (await call(t.app, "POST", `/api/v1/backoffice/adhesions/${adhesion.body.id}/cancel`, { jar: paul, body: { reason: "Motif très confidentiel" } })).status,
    ).toBe(200);
    for (const to of ["contact@quincaillerie-voltaire.fr", "cible@gestion.com"]) {
      const notice = await lastMailTo(t, to);
      expect(notice.subject).toBe("Les accès à votre entreprise ont changé");
      expect(notice.text).toContain("connectez-vous à votre espace professionnel");
      expect(notice.text).not.toMatch(/Paul|Motif très confidentiel|Cécile|annul|compte_fiscal/);
    }
    expect((await lastMailTo(t, "contact@quincaillerie-voltaire.fr")).text).toContain("« Qui agit pour mon entreprise »");
    // The supervisor of the managing SIE suspends the owner's right: the holder is told, without a word of why.
    expect(
      (await call(t.app, "POST", `/api/v1/backoffice/rights/${ownerRight.id}/suspend`, { jar: sophie, body: { reason: "Usurpation signalée" } })).status,
    ).toBe(200);
    const held = await lastMailTo(t, "gerant@quincaillerie-voltaire.fr");
    expect(held.text).toContain("l'un de vos accès à l'entreprise QUINCAILLERIE VOLTAIRE");
    expect(held.text).not.toMatch(/Usurpation|Sophie|suspen/i);
    const journaled = await t.ctx.db
      .selectFrom("journal")
      .select("action")
      .where("actor_kind", "=", "agent")
      .where("subject_id", "in", [adhesion.body.id, ownerRight.id])
      .execute();
    expect(journaled.map((j) => j.action).sort()).toEqual(["adhesion.cancelled", "right.suspended"]);
  });
});

describe("the dashboard and the templates", () => {
  it("gives supervisors daily series, backlog, first-answer percentiles and overdue, and a CSV export (journaled)", async () => {
    const late = await file(robert, { tax: "IS", nature: "question", subject: "Réponse en trois heures" });
    await advance(3 * HOUR);
    await call(t.app, "POST", `/api/v1/backoffice/requests/${late.id}/messages`, {
      jar: paul,
      body: { body: "Voici la réponse.", status: "answered", version: 1 },
    });
    const day = (d: Date) => d.toISOString().slice(0, 10);
    const now = t.clock.now();
    const q = `service=SIE-75111&from=${day(new Date(now.getTime() - 30 * DAY))}&to=${day(now)}`;
    const stats = await call(t.app, "GET", `/api/v1/backoffice/stats?${q}`, { jar: sophie });
    expect(stats.status).toBe(200);
    expect(stats.body.days.length).toBeGreaterThanOrEqual(30);
    expect(stats.body.totals.received).toBeGreaterThanOrEqual(5);
    expect(stats.body.totals.answered).toBeGreaterThanOrEqual(1);
    expect(stats.body.firstAnswer.count).toBeGreaterThanOrEqual(1);
    expect(stats.body.firstAnswer.medianHours).toBeGreaterThan(0);
    expect(stats.body.firstAnswer.p90Hours).toBeGreaterThanOrEqual(stats.body.firstAnswer.medianHours);
    expect(stats.body.backlog.received, JSON.stringify(stats.body.backlog)).toBeGreaterThanOrEqual(1);
    expect(stats.body.overdue).toBeGreaterThanOrEqual(1);
    // The daily series come from a rollup kept on write: after the filings, answers and transfers of this file, it
    // holds what counting the requests themselves gives, service by service and day by day.
    const recount = await sql<{ service_code: string; day: string; received: number; answered: number }>`
      SELECT service_code, day::text AS day, sum(rec)::int AS received, sum(ans)::int AS answered FROM (
        SELECT service_code, (received_at AT TIME ZONE 'Europe/Paris')::date AS day, 1 AS rec, 0 AS ans FROM requests WHERE origin = 'company'
        UNION ALL
        SELECT service_code, (first_answer_at AT TIME ZONE 'Europe/Paris')::date, 0, 1 FROM requests WHERE origin = 'company' AND first_answer_at IS NOT NULL) x
      GROUP BY 1, 2 ORDER BY 1, 2`.execute(t.ctx.db);
    const rollup = await sql<{ service_code: string; day: string; received: number; answered: number }>`
      SELECT service_code, day::text AS day, received, answered FROM service_daily_stats WHERE received <> 0 OR answered <> 0 ORDER BY 1, 2`.execute(t.ctx.db);
    expect(recount.rows.length).toBeGreaterThan(1);
    expect(rollup.rows).toEqual(recount.rows);
    expect(stats.body.totals.received).toBe(
      recount.rows.filter((r) => r.service_code === "SIE-75111" && r.day >= day(new Date(now.getTime() - 30 * DAY))).reduce((n, r) => n + r.received, 0),
    );
    // One rule: a role Paul lacks on his own service is 403; a service that is not his (Louis) is 404.
    const plain = await call(t.app, "GET", `/api/v1/backoffice/stats?${q}`, { jar: paul });
    expect([plain.status, plain.body.error.code]).toEqual([403, "supervisor_only"]);
    expect((await call(t.app, "GET", `/api/v1/backoffice/stats?${q}`, { jar: louis })).status).toBe(404);
    expect((await call(t.app, "GET", `/api/v1/backoffice/stats?service=SIE-69381&from=2026-01-01&to=2026-02-01`, { jar: sophie })).status).toBe(404);
    expect((await call(t.app, "GET", "/api/v1/backoffice/stats?service=SIE-75111&from=2026-02-01&to=2026-01-01", { jar: sophie })).status).toBe(400);
    expect((await call(t.app, "GET", "/api/v1/backoffice/stats?service=SIE-75111&from=2024-01-01&to=2026-01-01", { jar: sophie })).body.error.code).toBe(
      "period_too_long",
    );
    expect((await call(t.app, "GET", "/api/v1/backoffice/stats?service=SIE-75111&from=hier&to=2026-01-01", { jar: sophie })).status).toBe(400);
    expect(
      (
        await t.app.inject({
          method: "GET",
          url: "/api/v1/backoffice/stats.csv?service=SIE-69381&from=2026-01-01&to=2026-02-01",
          headers: { cookie: sophie.header() },
        })
      ).statusCode,
    ).toBe(404);
    expect((await t.app.inject({ method: "GET", url: `/api/v1/backoffice/stats.csv?${q}`, headers: { cookie: paul.header() } })).statusCode).toBe(403);
    expect((await t.app.inject({ method: "GET", url: `/api/v1/backoffice/stats.csv?${q}`, headers: { cookie: louis.header() } })).statusCode).toBe(404);
    const csv = await t.app.inject({ method: "GET", url: `/api/v1/backoffice/stats.csv?${q}`, headers: { cookie: sophie.header() } });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers["content-type"]).toContain("text/csv");
    expect(csv.headers["content-disposition"]).toContain("attachment;");
    expect(csv.body.split("\r\n")[0]).toMatch(
      /^\ufeffTableau de bord du service SIE Paris 11e \(SIE-75111\), du \d\d\/\d\d\/\d{4} au \d\d\/\d\d\/\d{4} inclus/,
    );
    expect(csv.body).toContain("\r\nJour;Demandes reçues (nombre);Premières réponses données (nombre)\r\n");
    // Labels, not codes, for the backlog.
    expect(csv.body).toMatch(/\r\nEn stock : Reçue \(nombre\);\d+\r\n/);
    expect(csv.body).not.toMatch(/stock received/);
    const exported = await t.ctx.db.selectFrom("journal").select("action").where("action", "=", "stats.exported").execute();
    expect(exported).toHaveLength(1);
  });

  it("reads a long period's first-answer times from a monthly histogram kept on write, within 5 % of the exact figures", async () => {
    // Nine months of first answers, from half a minute to twelve days after receipt, some without a recorded agent.
    const model = await sql<{ id: string; first_answer_agent_id: string }>`
      SELECT id, first_answer_agent_id FROM requests
      WHERE service_code = 'SIE-75111' AND origin = 'company' AND first_answer_agent_id IS NOT NULL LIMIT 1`.execute(t.ctx.db);
    const columns = (
      await sql<{ column_name: string }>`
        SELECT column_name FROM information_schema.columns WHERE table_name = 'requests' AND is_generated = 'NEVER' AND column_name NOT IN
          ('id', 'reference', 'received_at', 'first_answer_at', 'first_answer_agent_id') ORDER BY ordinal_position`.execute(t.ctx.db)
    ).rows.map((c) => sql.ref(c.column_name));
    const now = t.clock.now();
    await sql`
      INSERT INTO requests (id, reference, received_at, first_answer_at, first_answer_agent_id, ${sql.join(columns)})
      SELECT gen_random_uuid(), reference || '-H' || g, received, received + make_interval(secs => 30 * power(35000, ((g * 7919) % 1000) / 1000.0)),
             CASE WHEN g % 5 = 0 THEN NULL ELSE first_answer_agent_id END, ${sql.join(columns)}
      FROM requests, generate_series(1, 600) g, LATERAL (SELECT ${now}::timestamptz - make_interval(secs => 86400.0 * 280 * ((g * 104729) % 997) / 997) AS received) x
      WHERE id = ${model.rows[0]!.id}`.execute(t.ctx.db);
    // Transfers, changed dates and deletions move the cells as counting the requests does.
    await sql`UPDATE requests SET service_code = 'SIE-69381' WHERE reference LIKE '%-H1_'`.execute(t.ctx.db);
    await sql`UPDATE requests SET first_answer_at = first_answer_at + interval '3 days' WHERE reference LIKE '%-H2_'`.execute(t.ctx.db);
    await sql`DELETE FROM requests WHERE reference LIKE '%-H3_'`.execute(t.ctx.db);
    const cells = (table: "recount" | "rollup") =>
      (table === "rollup"
        ? sql<{ cell: string; answers: number }>`
            SELECT concat_ws(' ', service_code, month, agent_key, bucket) AS cell, answers FROM service_first_answer_months WHERE answers <> 0 ORDER BY 1`
        : sql<{ cell: string; answers: number }>`
            SELECT concat_ws(' ', service_code, date_trunc('month', first_answer_at AT TIME ZONE 'Europe/Paris')::date,
                   coalesce(first_answer_agent_id, '00000000-0000-0000-0000-000000000000'), first_answer_bucket(date_part('epoch', first_answer_at - received_at))) AS cell,
                   count(*)::int AS answers
            FROM requests WHERE origin = 'company' AND first_answer_at IS NOT NULL GROUP BY 1 ORDER BY 1`
      ).execute(t.ctx.db);
    const recount = (await cells("recount")).rows;
    expect(recount.reduce((n, c) => n + c.answers, 0)).toBeGreaterThan(500);
    expect((await cells("rollup")).rows).toEqual(recount);

    const deps = { db: t.ctx.db, clock: t.clock, receiptKeys: t.ctx.receiptKeys };
    const close = (approx: number | null, exact: number | null) => {
      expect(approx === null).toBe(exact === null);
      if (exact !== null) expect(Math.abs(approx! - exact)).toBeLessThanOrEqual(exact * 0.05 + 60);
    };
    const monthStart = (d: Date) => {
      const paris = new TZDate(d.getTime(), "Europe/Paris");
      return new Date(new TZDate(paris.getFullYear(), paris.getMonth(), 1, "Europe/Paris").getTime());
    };
    const at = (n: number) => new Date(Math.floor(now.getTime() / DAY - n) * DAY - HOUR);
    // A year (whole months between two partial ones), one partial month, two partial months side by side, whole months.
    const periods: [Date, Date][] = [
      [at(365), at(0)],
      [at(40), at(30)],
      [at(50), at(10)],
      [monthStart(at(200)), monthStart(at(60))],
    ];
    for (const [from, to] of periods) {
      const exact = await firstAnswerTimes(deps, "SIE-75111", from, to, "exact");
      const approx = await firstAnswerTimes(deps, "SIE-75111", from, to, "histogram");
      expect(approx.count, `${from.toISOString()} → ${to.toISOString()}`).toBe(exact.count);
      close(approx.median, exact.median);
      close(approx.p90, exact.p90);
      expect([...approx.agents.keys()].sort()).toEqual([...exact.agents.keys()].sort());
      for (const [agentId, a] of exact.agents) {
        expect(approx.agents.get(agentId)!.answered).toBe(a.answered);
        close(approx.agents.get(agentId)!.median, a.median);
      }
    }
    expect((await firstAnswerTimes(deps, "SIE-75111", periods[0]![0], periods[0]![1], "exact")).count).toBeGreaterThan(300);
  });

  it("supervisors write templates with known variables; the request view fills them in", async () => {
    const body = "Bonjour,\nVotre demande {{reference}} pour {{entreprise}} du {{date_reception}} est traitée par le {{service}}.";
    expect((await call(t.app, "POST", "/api/v1/backoffice/templates", { jar: paul, body: { serviceCode: "SIE-75111", title: "Accusé", body } })).status).toBe(
      403,
    );
    expect(
      (await call(t.app, "POST", "/api/v1/backoffice/templates", { jar: sophie, body: { serviceCode: "SIE-75111", title: "Accusé", body: "{{inconnue}}" } }))
        .body.error.code,
    ).toBe("unknown_template_variable");
    expect((await call(t.app, "POST", "/api/v1/backoffice/templates", { jar: sophie, body: { serviceCode: "SIE-69381", title: "Accusé", body } })).status).toBe(
      404,
    );
    expect((await call(t.app, "POST", "/api/v1/backoffice/templates", { jar: sophie, body: { serviceCode: "SIE-75111", title: "", body } })).status).toBe(400);
    const created = await call(t.app, "POST", "/api/v1/backoffice/templates", { jar: sophie, body: { serviceCode: "SIE-75111", title: "Accusé", body } });
    expect(created.status).toBe(201);
    expect((await call(t.app, "POST", "/api/v1/backoffice/templates", { jar: sophie, body: { serviceCode: "SIE-75111", title: "Accusé", body } })).status).toBe(
      409,
    );
    const r = await file(robert, { subject: "Avec modèle" });
    const filled = (await view(paul, r.id)).templates.find((x: { title: string }) => x.title === "Accusé");
    expect(filled.body).toContain(`Votre demande ${r.reference} pour`);
    expect(filled.body).toContain("traitée par le SIE Paris 11e.");
    expect((await call(t.app, "GET", "/api/v1/backoffice/templates", { jar: louis })).body.items).toEqual([]);
    expect((await call(t.app, "DELETE", `/api/v1/backoffice/templates/${created.body.id}`, { jar: louis })).status).toBe(404);
    expect((await call(t.app, "DELETE", `/api/v1/backoffice/templates/${created.body.id}`, { jar: sophie })).status).toBe(204);
  });
});
