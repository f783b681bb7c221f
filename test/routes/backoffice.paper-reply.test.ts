import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, seedReferenceData, startTestApp, type CookieJar, type TestApp } from "../helpers/app.js";
import { activeAdministrator, AGENT_PASSWORD, agentSignIn, signIn } from "../helpers/people.js";
import { upload } from "../helpers/upload.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";
import { pdfLines } from "../helpers/pdf.js";
import { submitCampaign } from "../helpers/campaign.js";

/** Paper replies and the printable transcript (issue 24, product §18). */
let t: TestApp;
let robert: Awaited<ReturnType<typeof activeAdministrator>>;
let paul: CookieJar; // agent of SIE Paris 11e, competent for Martin distribution
let louis: CookieJar; // agent of a service in Lyon
let sophie: CookieJar; // supervisor of SIE Paris 11e
const SECRETS = { paul: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B", louis: "ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU", sophie: "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U" };
const SCAN = Buffer.from("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");

beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  robert = await activeAdministrator(t, SEED.martin.siren, {
    quality: "legal_representative",
    companyEmail: "robert.papier@martindistribution.com",
    firstName: "Robert",
    lastName: "Lambda",
  });
  await makeAgent(t.ctx, { email: "papier.paul@dgfip.test", name: "Paul Agent", services: ["SIE-75111"], password: AGENT_PASSWORD, totpSecret: SECRETS.paul });
  await makeAgent(t.ctx, {
    email: "papier.louis@dgfip.test",
    name: "Louis Lyon",
    services: ["SIE-69381"],
    password: AGENT_PASSWORD,
    totpSecret: SECRETS.louis,
  });
  await makeAgent(t.ctx, {
    email: "papier.sophie@dgfip.test",
    name: "Sophie Superviseure",
    services: ["SIE-75111"],
    isSupervisor: true,
    password: AGENT_PASSWORD,
    totpSecret: SECRETS.sophie,
  });
  await signInAll();
});
afterAll(async () => t?.close());

/** Signs the agents in (again after the clock moved: sessions lapse, and a TOTP code is good once per window). */
async function signInAll() {
  paul = await agentSignIn(t, "papier.paul@dgfip.test", SECRETS.paul);
  louis = await agentSignIn(t, "papier.louis@dgfip.test", SECRETS.louis);
  sophie = await agentSignIn(t, "papier.sophie@dgfip.test", SECRETS.sophie);
  robert = { ...robert, jar: await signIn(t, robert.email) };
}

const scan = async (name = "courrier-scanne.pdf") => {
  const res = await upload(t.app, paul, name, SCAN, "application/pdf", "/api/v1/backoffice/uploads");
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.uploadId as string;
};
const paperReply = (id: string, body: unknown, jar = paul) => call(t.app, "POST", `/api/v1/backoffice/requests/${id}/paper-reply`, { jar, body });
const agentView = async (id: string) => (await call(t.app, "GET", `/api/v1/backoffice/requests/${id}`, { jar: paul })).body;
const openThread = async (body: Record<string, unknown> = {}) => {
  const res = await call(t.app, "POST", "/api/v1/backoffice/threads", {
    jar: paul,
    body: {
      siren: SEED.martin.siren,
      tax: "TVA",
      nature: "demande_de_pieces",
      subject: "Pièces justificatives",
      body: "Madame, Monsieur,\n\nMerci de nous adresser vos factures.\n\nLe service",
      replyDueAt: "2026-12-20",
      ...body,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; reference: string };
};

describe("POST /backoffice/requests/{id}/paper-reply", () => {
  it("refuses bad input in French naming the field, a day in the future or before the thread, a request the company filed", async () => {
    const { id } = await openThread();
    const bad = await paperReply(id, { receivedAt: "28/11/2026", uploadIds: [await scan()] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe("Champ « Reçue le » : date attendue au format AAAA-MM-JJ.");
    const none = await paperReply(id, { receivedAt: "2026-11-28", uploadIds: [] });
    expect(none.status).toBe(400);
    expect(none.body.error.message).toBe("Champ « Pièces jointes » : joignez au moins un scan du courrier reçu.");
    expect((await paperReply(id, { receivedAt: "2026-02-30", uploadIds: [await scan()] })).status).toBe(400);

    const future = await paperReply(id, { receivedAt: "2026-11-29", uploadIds: [await scan()] });
    expect(future.status).toBe(422);
    expect(future.body.error).toMatchObject({ code: "received_in_future", details: { field: "receivedAt" } });
    expect(future.body.error.message).toBe("Champ « Reçue le » : la date de réception ne peut pas être dans le futur (29 novembre 2026).");
    const before = await paperReply(id, { receivedAt: "2026-11-27", uploadIds: [await scan()] });
    expect(before.status).toBe(422);
    expect(before.body.error.message).toBe("Champ « Reçue le » : la réponse ne peut pas être arrivée avant l'envoi du message, le 28 novembre 2026.");

    // Another agent's upload, or one already used, is refused; nothing was recorded by the refusals.
    expect((await agentView(id)).messages).toHaveLength(1);
    const filed = await call(t.app, "POST", "/api/v1/requests", {
      jar: robert.jar,
      body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "En ligne", body: "Bonjour", uploadIds: [] },
    });
    const online = await paperReply(filed.body.id, { receivedAt: "2026-11-28", uploadIds: [await scan()] });
    expect(online.status).toBe(422);
    expect(online.body.error.code).toBe("paper_reply_not_allowed");
  });

  it("is the company's message marked « reçu par courrier », attributed in the back office to the agent; the request moves as on a reply", async () => {
    const { id } = await openThread();
    expect((await agentView(id)).status).toBe("awaiting_user");
    // The letter arrived the next day; the agent records it the day after.
    t.clock.advance(2 * 86_400_000);
    await signInAll();
    const version = (await agentView(id)).version as number;
    // Cross-tenant: an agent of another service does not see it (404), a stranger is not signed in (401).
    const scanId = await scan("reponse-martin.pdf");
    expect((await paperReply(id, { receivedAt: "2026-11-28", uploadIds: [scanId] }, louis)).status).toBe(404);
    expect(
      (await call(t.app, "POST", `/api/v1/backoffice/requests/${id}/paper-reply`, { body: { receivedAt: "2026-11-28", uploadIds: [scanId] } })).status,
    ).toBe(401);

    const res = await paperReply(id, { receivedAt: "2026-11-29", uploadIds: [scanId], note: "Courrier de deux pages,\nsigné du gérant." });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ receivedOn: "2026-11-29", status: "in_progress", version: version + 1, noteId: expect.any(String) });
    // The upload is used: a second reply with it is refused.
    expect((await paperReply(id, { receivedAt: "2026-11-29", uploadIds: [scanId] })).body.error.code).toBe("unknown_upload");

    const seen = await agentView(id);
    const paper = (seen.messages as Record<string, unknown>[]).at(-1)!;
    expect(paper).toMatchObject({
      author: { kind: "person", displayName: "MARTIN DISTRIBUTION" },
      channel: "post",
      paper: { receivedOn: "2026-11-29", recordedBy: "Paul Agent" },
      body: "Réponse reçue par courrier le 29 novembre 2026 (1 document numérisé).",
      attachments: [{ name: "reponse-martin.pdf" }],
    });
    expect((seen.messages as { channel: string }[])[0]!.channel).toBe("online");
    expect(seen.notes.at(-1)).toMatchObject({ body: "Courrier de deux pages,\nsigné du gérant.", author: { name: "Paul Agent" } });
    const row = await t.ctx.db.selectFrom("requests").select(["company_replied_at", "status"]).where("id", "=", id).executeTakeFirstOrThrow();
    // Replied on the day the letter arrived: its last instant in Paris.
    expect(row.company_replied_at?.toISOString()).toBe("2026-11-29T22:59:59.999Z");
    const journal = await t.ctx.db
      .selectFrom("journal")
      .select(["actor_kind", "data"])
      .where("subject_id", "=", id)
      .where("action", "=", "paper_reply.recorded")
      .execute();
    expect(journal).toHaveLength(1);
    expect(journal[0]).toMatchObject({ actor_kind: "agent", data: { receivedOn: "2026-11-29", status: "in_progress" } });

    // The company side sees its message received by post, never the agent's name nor the internal note.
    const company = await call(t.app, "GET", `/api/v1/requests/${id}`, { jar: robert.jar });
    const theirs = (company.body.messages as Record<string, unknown>[]).at(-1)!;
    expect(theirs).toMatchObject({
      author: { kind: "person", displayName: "MARTIN DISTRIBUTION" },
      channel: "post",
      paper: { receivedOn: "2026-11-29", recordedBy: null },
    });
    expect(JSON.stringify(company.body)).not.toMatch(/Paul Agent|deux pages/);
    // Nothing unread for the company: it is its own message.
    expect(company.body.unreadCount).toBe(0);

    const timeline = (await call(t.app, "GET", `/api/v1/backoffice/requests/${id}/timeline`, { jar: paul })).body.items as {
      kind: string;
      actor: { displayName: string };
      details: Record<string, unknown>;
    }[];
    expect(timeline.find((i) => i.details.channel === "post")).toMatchObject({
      kind: "message",
      actor: { displayName: "Paul Agent" },
      details: { receivedOn: "2026-11-29" },
    });
    expect(timeline.some((i) => i.kind === "state_changed" && i.details.to === "in_progress")).toBe(true);
  });

  it("a closed thread is reopened first (409); the campaign figures count the reply by post", async () => {
    const csv = `siren\r\n${SEED.concurrence.siren}\r\n${SEED.martin.siren}\r\n`;
    const campaign = await submitCampaign(t.app, sophie, csv, { tax: "TVA", nature: "information", subject: "Campagne", body: "Bonjour {{raison_sociale}}" });
    expect(campaign.status, JSON.stringify(campaign.body)).toBe(202);
    await t.ctx.worker.drain();
    const recipients = (await call(t.app, "GET", `/api/v1/backoffice/campaigns/${campaign.body.campaignId}/recipients`, { jar: sophie })).body.items as {
      status: string;
      requestId: string;
    }[];
    const letter = recipients.find((r) => r.status === "letter")!.requestId;
    const day = new Date(t.clock.now()).toISOString().slice(0, 10);
    // The letter's thread is « Traitée » (nothing owed); the answer by post makes it « En cours de traitement ».
    const res = await paperReply(letter, { receivedAt: day, uploadIds: [await scan(), await scan("annexe.pdf")] });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.status).toBe("in_progress");
    // Now in the queue of the campaign threads that were answered.
    const queue = (await call(t.app, "GET", "/api/v1/backoffice/requests", { jar: paul })).body.items as { id: string }[];
    expect(queue.some((q) => q.id === letter)).toBe(true);

    const figures = (await call(t.app, "GET", `/api/v1/backoffice/campaigns/${campaign.body.campaignId}`, { jar: sophie })).body.figures;
    expect(figures).toMatchObject({ published: 2, replied: 1, repliedByPost: 1 });
    expect(figures.perDay.find((d: { day: string }) => d.day === day)).toMatchObject({ replied: 1, repliedByPost: 1 });
    const report = (await call(t.app, "GET", `/api/v1/backoffice/campaigns/${campaign.body.campaignId}/recipients`, { jar: sophie })).body.items as {
      requestId: string;
      repliedAt: string | null;
    }[];
    expect(report.find((r) => r.requestId === letter)!.repliedAt).not.toBeNull();

    // Closed: the agent reopens it before recording another letter.
    const v = (await agentView(letter)).version as number;
    expect((await call(t.app, "POST", `/api/v1/backoffice/requests/${letter}/close`, { jar: paul, body: { version: v } })).status).toBe(200);
    const closed = await paperReply(letter, { receivedAt: day, uploadIds: [await scan()] });
    expect(closed.status).toBe(409);
    expect(closed.body.error.message).toContain("rouvrez-le");
  });
});

describe("GET /backoffice/requests/{id}/transcript.pdf", () => {
  it("prints the header, every message with its author and paragraphs, the paper reply, the internal notes and the timeline", async () => {
    const { id, reference } = await openThread({ subject: "Transcription à imprimer" });
    let version = (await agentView(id)).version as number;
    expect(
      (
        await call(t.app, "POST", `/api/v1/requests/${id}/messages`, {
          jar: robert.jar,
          body: { body: "Voici nos factures.\n\nCordialement,\nRobert", uploadIds: [] },
        })
      ).status,
    ).toBe(201);
    expect((await call(t.app, "POST", `/api/v1/backoffice/requests/${id}/notes`, { jar: paul, body: { body: "Vérifier la facture 12." } })).status).toBe(201);
    const today = new Date(t.clock.now()).toISOString().slice(0, 10);
    expect((await paperReply(id, { receivedAt: today, uploadIds: [await scan("facture-12.pdf")] })).status).toBe(201);
    version = (await agentView(id)).version as number;
    expect(
      (
        await call(t.app, "POST", `/api/v1/backoffice/requests/${id}/messages`, {
          jar: paul,
          body: { body: "Bien reçu.\n\nDossier complet.", status: "answered", version },
        })
      ).status,
    ).toBe(201);

    expect((await call(t.app, "GET", `/api/v1/backoffice/requests/${id}/transcript.pdf`, { jar: louis })).status).toBe(404);
    expect((await call(t.app, "GET", `/api/v1/backoffice/requests/${id}/transcript.pdf`, { jar: robert.jar })).status).toBe(401);
    const res = await t.app.inject({ method: "GET", url: `/api/v1/backoffice/requests/${id}/transcript.pdf`, headers: { cookie: paul.header() } });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toBe("application/pdf");
    expect(res.headers["content-disposition"]).toBe(`attachment; filename="transcription-${reference}.pdf"`);
    const lines = pdfLines(res.rawPayload);
    const text = lines.join("\n");
    const at = (l: string) => lines.indexOf(l);
    // The header.
    expect(lines).toContain("Service : SIE Paris 11e");
    expect(lines).toContain(`Entreprise : MARTIN DISTRIBUTION — SIREN ${SEED.martin.siren}`);
    expect(lines).toContain(`Référence : ${reference}`);
    expect(lines).toContain("Objet : Transcription à imprimer");
    expect(lines).toContain("État : Traitée");
    expect(text).toMatch(/Publié le : \d{1,2} (novembre|décembre) 2026 à \d\d:\d\d \(heure de Paris\)/);
    expect(text).toContain("imprimée le");
    expect(text).toContain("par Paul Agent");
    // The messages, with their authors (the agent's name on this side) and paragraphs.
    const when = (iso: Date) => iso.toLocaleString("fr-FR", { timeZone: "Europe/Paris", dateStyle: "long", timeStyle: "short" });
    const now = when(t.clock.now());
    expect(lines).toContain(`Paul Agent — ${now}`);
    expect(lines).toContain(`Robert Lambda — ${now}`);
    expect(at("Madame, Monsieur,")).toBeGreaterThan(-1);
    expect(at("Merci de nous adresser vos factures.")).toBe(at("Madame, Monsieur,") + 1);
    expect(at("Cordialement,")).toBe(at("Voici nos factures.") + 1);
    expect(at("Robert")).toBe(at("Cordialement,") + 1);
    // The reply by post: the company's, marked, with the agent who recorded it, and its scan listed by name.
    const mark = `Reçu par courrier le ${when(t.clock.now()).replace(/ à .*/, "")} — enregistré par Paul Agent`;
    expect(at(mark)).toBe(at(`MARTIN DISTRIBUTION — ${now}`) + 1);
    expect(text).toMatch(/Pièce jointe : facture-12\.pdf \(\d+ octets, SHA-256\s+[0-9a-f]{64}\)/);
    // The internal notes, apart and marked; then the timeline.
    const notes = at("Notes internes — réservées aux agents, à ne pas communiquer à l'entreprise");
    expect(notes).toBeGreaterThan(at("Dossier complet."));
    expect(at(`Note interne de Paul Agent — ${now}`)).toBeGreaterThan(notes);
    expect(at("Vérifier la facture 12.")).toBeGreaterThan(notes);
    const chronology = at("Chronologie");
    expect(chronology).toBeGreaterThan(at("Vérifier la facture 12."));
    const story = lines.slice(chronology).join(" ");
    expect(story).toContain("Demande reçue (Paul Agent)");
    expect(story).toMatch(/Réponse de l'entreprise reçue par courrier le \d+ \w+ 2026, enregistrée par Paul Agent/);
    expect(story).toContain("État : En attente de l'usager → En cours de traitement");
    expect(text).not.toMatch(/\r|\uFFFD/);

    const journal = await t.ctx.db
      .selectFrom("journal")
      .select(["actor_kind"])
      .where("subject_id", "=", id)
      .where("action", "=", "request.transcript_downloaded")
      .execute();
    expect(journal).toEqual([{ actor_kind: "agent" }]);
  });
});
