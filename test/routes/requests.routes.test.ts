import { tempDir } from "../helpers/temp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { sql } from "kysely";
import pg from "pg";
import { call, CookieJar, countRows, lastMailTo, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { activeAdministrator, agentSignIn, signedInPerson, robertOfMartin } from "../helpers/people.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";
import { uploadBytes } from "../helpers/upload.js";
import { DAY } from "../../src/platform/clock.js";
import { sha256Hex } from "../../src/platform/crypto.js";
import { verifyReceipt } from "../../src/modules/requests/index.js";
import { sendDigests } from "../../src/modules/requests/index.js";

let t: TestApp;
type Person = Awaited<ReturnType<typeof signedInPerson>>;
let robert: Person;
let chief: Person;
let lila: Person;
const AGENT_SECRET = "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B";
const LYON_SECRET = "ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU";
let agent: CookieJar;
let lyonAgent: CookieJar;

const agentJar = (email: string, secret: string) => agentSignIn(t, email, secret);

const VAT_REFUND = {
  siren: SEED.martin.siren,
  tax: "TVA",
  nature: "remboursement_credit_tva",
  subject: "Remboursement du crédit de TVA du 3e trimestre",
  body: "Bonjour,\nNous demandons le remboursement de nos crédits de TVA.\nCordialement.",
};
const file = (who: Person, body: Record<string, unknown> = VAT_REFUND, headers: Record<string, string> = {}) =>
  call(t.app, "POST", "/api/v1/requests", { jar: who.jar, body: { uploadIds: [], ...body }, headers });

beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  robert = await robertOfMartin(t);
  chief = await activeAdministrator(t, SEED.martin.siren, {
    entitySiren: SEED.gestion.siren,
    email: "cabinet.comptable@gestion.com",
    firstName: "Claire",
    lastName: "Vasseur",
  });
  lila = await signedInPerson(t, { siren: SEED.gestion.siren, email: "lila.rosemonde@gestion.com", firstName: "Lila", lastName: "Rosemonde" });
  const offer = await call(t.app, "POST", `/api/v1/companies/${SEED.martin.siren}/delegations`, {
    jar: chief.jar,
    body: { email: lila.email, role: "delegate", services: ["tva_declarer", "tva_payer", "messagerie"], taxScope: ["TVA"] },
  });
  await call(t.app, "POST", `/api/v1/delegations/${offer.body.id}/accept`, { jar: lila.jar });
  await makeAgent(t.ctx, {
    email: "agent.paris11@dgfip.test",
    name: "Paul Agent",
    services: ["SIE-75111"],
    password: "Guichet-Fiscal-Solide-42",
    totpSecret: AGENT_SECRET,
  });
  await makeAgent(t.ctx, {
    email: "agent.lyon@dgfip.test",
    name: "Louis Agent",
    services: ["SIE-69381"],
    password: "Guichet-Fiscal-Solide-42",
    totpSecret: LYON_SECRET,
  });
  agent = await agentJar("agent.paris11@dgfip.test", AGENT_SECRET);
  lyonAgent = await agentJar("agent.lyon@dgfip.test", LYON_SECRET);
});
afterAll(async () => t.close());

describe("filing (product §8)", () => {
  it("Lila files a VAT credit refund for Martin distribution: reference, routing, signed receipt, mail", async () => {
    const res = await file(lila);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ status: "received", service: { code: "SIE-75111", name: "SIE Paris 11e" } });
    expect(res.body.reference).toMatch(/^2026-SIE-75111-\d{7}$/);
    const receipt = await t.app.inject({ method: "GET", url: res.body.receiptUrl, headers: { cookie: lila.jar.header() } });
    expect(receipt.statusCode).toBe(200);
    expect(receipt.headers["content-type"]).toBe("application/pdf");
    expect(receipt.headers["content-disposition"]).toContain("attachment;");
    const certificate = (await t.app.inject({ method: "GET", url: "/api/v1/receipts/certificate" })).body;
    const verdict = await verifyReceipt(receipt.rawPayload, certificate);
    expect(verdict.valid).toBe(true);
    if (verdict.valid) {
      expect(verdict.payload).toMatchObject({
        reference: res.body.reference,
        company: { siren: SEED.martin.siren },
        author: { connectionEmail: lila.email },
        bodySha256: sha256Hex(VAT_REFUND.body),
      });
    }
    const mail = await lastMailTo(t, lila.email);
    expect(mail.subject).toBe(`Accusé de réception de votre demande ${res.body.reference}`);
    expect(mail.text).toContain(`[pièces jointes : accuse-reception-${res.body.reference}.pdf]`);
  });

  it("a changed byte of the receipt, or a changed stored body, fails the check", async () => {
    const res = await file(lila, { ...VAT_REFUND, subject: "Contrôle d'intégrité" });
    const pdf = (await t.app.inject({ method: "GET", url: res.body.receiptUrl, headers: { cookie: lila.jar.header() } })).rawPayload;
    const key = (await t.app.inject({ method: "GET", url: "/api/v1/receipts/public-key" })).body;
    const tampered = Buffer.from(pdf);
    const at = Math.floor(tampered.length / 3);
    tampered.writeUInt8(tampered.readUInt8(at) ^ 0x01, at);
    expect(await verifyReceipt(tampered, key)).toMatchObject({ valid: false, reason: expect.stringContaining("signature invalide") });
    const verdict = await verifyReceipt(pdf, key);
    // The application cannot change a message; someone with the database's keys would have to disable the guard.
    await expect(sql`UPDATE messages SET body = body || ' (modifié)' WHERE request_id = ${res.body.id}`.execute(t.ctx.db)).rejects.toThrow(/immutable/);
    await sql`ALTER TABLE messages DISABLE TRIGGER messages_immutable`.execute(t.ctx.db);
    await sql`UPDATE messages SET body = body || ' (modifié)' WHERE request_id = ${res.body.id}`.execute(t.ctx.db);
    await sql`ALTER TABLE messages ENABLE TRIGGER messages_immutable`.execute(t.ctx.db);
    const stored = await t.ctx.db.selectFrom("messages").select("body").where("request_id", "=", res.body.id).executeTakeFirstOrThrow();
    expect(verdict.valid && verdict.payload.bodySha256).not.toBe(sha256Hex(stored.body));
  });

  it.each([
    ["a VAT refund for another tax", { ...VAT_REFUND, tax: "IS" }, 422, "nature_not_allowed", /./],
    ["an unknown tax", { ...VAT_REFUND, tax: "DIME" }, 400, "invalid_request", /^Champ « Impôt » : Valeur non reconnue : choisissez parmi « TVA », /],
    ["an unknown nature", { ...VAT_REFUND, nature: "supplique" }, 400, "invalid_request", /^Champ « Nature » : Valeur non reconnue/],
    ["a subject of 151 characters", { ...VAT_REFUND, subject: "x".repeat(151) }, 400, "invalid_request", /^Champ « Objet » : 150 caractères au plus\.$/],
    ["an empty subject", { ...VAT_REFUND, subject: "   " }, 400, "invalid_request", /^Champ « Objet » : l'objet est vide\.$/],
    ["a body of 10,001 characters", { ...VAT_REFUND, body: "x".repeat(10_001) }, 400, "invalid_request", /^Champ « Message » : 10000 caractères au plus\.$/],
    ["a blank body", { ...VAT_REFUND, body: " \n " }, 400, "invalid_request", /^Champ « Message » : le message est vide\.$/],
    [
      "11 attachments",
      { ...VAT_REFUND, uploadIds: Array.from({ length: 11 }, () => "00000000-0000-4000-8000-000000000000") },
      400,
      "invalid_request",
      /^Champ « Pièces jointes » : au plus 10 pièces jointes\.$/,
    ],
    ["an unknown upload", { ...VAT_REFUND, uploadIds: ["00000000-0000-4000-8000-000000000000"] }, 422, "unknown_upload", /./],
    ["a malformed SIREN", { ...VAT_REFUND, siren: "8123" }, 400, "invalid_request", /^Champ « SIREN » : /],
    [
      "no subject and no body",
      { siren: VAT_REFUND.siren, tax: "TVA", nature: "question" },
      400,
      "invalid_request",
      /^2 champs à corriger : « Objet » \(ce champ est obligatoire\), « Message » \(ce champ est obligatoire\)\.$/,
    ],
  ])("refuses %s and writes nothing, saying so in French", async (_l, body, status, code, message) => {
    const before = await Promise.all((["journal", "outbox"] as const).map((x) => countRows(t, x)));
    const count = async () =>
      Number(
        (
          await t.ctx.db
            .selectFrom("requests")
            .select((eb) => eb.fn.countAll<string>().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const n = await count();
    const res = await file(lila, body);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toMatch(message);
    expect(await count()).toBe(n);
    expect(await Promise.all((["journal", "outbox"] as const).map((x) => countRows(t, x)))).toEqual(before);
  });

  it("answers 404 for a tax outside the scope and for another company", async () => {
    const is = await file(lila, { ...VAT_REFUND, tax: "IS", nature: "question" });
    expect(is.status).toBe(404);
    expect((await file(lila, { ...VAT_REFUND, siren: SEED.concurrence.siren })).status).toBe(404);
    expect((await call(t.app, "POST", "/api/v1/requests", { body: VAT_REFUND })).status).toBe(401);
  });

  it("honours Idempotency-Key: 20 concurrent posts make one request", async () => {
    const key = "cle-idempotence-20-essais";
    const results = await Promise.all(Array.from({ length: 20 }, () => file(lila, { ...VAT_REFUND, subject: "Idempotence" }, { "idempotency-key": key })));
    const ids = new Set(results.filter((r) => r.status === 201).map((r) => r.body.id));
    expect(results.every((r) => r.status === 201 || (r.status === 409 && r.body.error.code === "idempotency_key_in_use"))).toBe(true);
    expect(ids.size).toBe(1);
    const rows = await t.ctx.db.selectFrom("requests").select("id").where("subject", "=", "Idempotence").execute();
    expect(rows).toHaveLength(1);
    expect((await file(lila, { ...VAT_REFUND, subject: "Idempotence" }, { "idempotency-key": key })).body.id).toBe([...ids][0]);
  });
});

describe("an Idempotency-Key reused with another body", () => {
  it("same key, same body: the first answer; same key, another body (even under parallel calls): 422 idempotency_key_reused, nothing created", async () => {
    const key = "cle-reutilisee-autre-corps";
    const first = await file(lila, { ...VAT_REFUND, subject: "Première demande" }, { "idempotency-key": key });
    expect(first.status).toBe(201);
    // The same fields in another order are the same request.
    const reordered = Object.fromEntries(Object.entries({ ...VAT_REFUND, subject: "Première demande" }).reverse());
    const same = await file(lila, reordered, { "idempotency-key": key });
    expect(same.status).toBe(201);
    expect(same.body.id).toBe(first.body.id);
    const before = await Promise.all((["requests", "messages", "journal", "outbox"] as const).map((x) => countRows(t, x)));
    const others = await Promise.all(
      ["Autre objet", "Encore un autre objet", "Troisième objet"].map((subject) => file(lila, { ...VAT_REFUND, subject }, { "idempotency-key": key })),
    );
    for (const other of others) {
      expect(other.status).toBe(422);
      expect(other.body.error.code).toBe("idempotency_key_reused");
      expect(other.body.error.message).toContain("Idempotency-Key");
    }
    expect(await Promise.all((["requests", "messages", "journal", "outbox"] as const).map((x) => countRows(t, x)))).toEqual(before);
    // A reply under the key of a request is another request too.
    const reply = await call(t.app, "POST", `/api/v1/requests/${first.body.id}/messages`, {
      jar: lila.jar,
      body: { body: "Complément", uploadIds: [] },
      headers: { "idempotency-key": key },
    });
    expect(reply.status).toBe(422);
    expect(reply.body.error.code).toBe("idempotency_key_reused");
    const replyKey = { "idempotency-key": "cle-reponse-unique" };
    const answered = await call(t.app, "POST", `/api/v1/requests/${first.body.id}/messages`, {
      jar: lila.jar,
      body: { body: "Complément", uploadIds: [] },
      headers: replyKey,
    });
    expect(answered.status).toBe(201);
    expect(
      (
        await call(t.app, "POST", `/api/v1/requests/${first.body.id}/messages`, {
          jar: lila.jar,
          body: { body: "Complément", uploadIds: [] },
          headers: replyKey,
        })
      ).body.id,
    ).toBe(answered.body.id);
    const changed = await call(t.app, "POST", `/api/v1/requests/${first.body.id}/messages`, {
      jar: lila.jar,
      body: { body: "Complément modifié", uploadIds: [] },
      headers: replyKey,
    });
    expect(changed.status).toBe(422);
    expect(await t.ctx.db.selectFrom("messages").select("id").where("request_id", "=", first.body.id).execute()).toHaveLength(2);
  });
});

describe("visibility, threads and agents", () => {
  it("Lila sees Martin's TVA requests, not its IS ones; a revoked person gets 404 on the next call", async () => {
    const vat = await file(lila, { ...VAT_REFUND, subject: "TVA visible" });
    const isRequest = await file(robert, { ...VAT_REFUND, tax: "IS", nature: "question", subject: "IS invisible pour Lila" });
    expect(isRequest.status).toBe(201);
    expect((await call(t.app, "GET", `/api/v1/requests/${isRequest.body.id}`, { jar: lila.jar })).status).toBe(404);
    expect((await call(t.app, "POST", `/api/v1/requests/${isRequest.body.id}/messages`, { jar: lila.jar, body: { body: "Bonjour" } })).status).toBe(404);
    expect((await call(t.app, "GET", `/api/v1/requests/${isRequest.body.id}/receipt.pdf`, { jar: lila.jar })).status).toBe(404);
    // Nor its attachments: the file of an IS message answers 404 to her, 200 to Robert.
    const piece = await uploadBytes(t.app, robert.jar, "liasse-is.txt", Buffer.from("Liasse IS 2026\n"));
    await call(t.app, "POST", `/api/v1/requests/${isRequest.body.id}/messages`, {
      jar: robert.jar,
      body: { body: "Ci-joint.", uploadIds: [piece.body.uploadId] },
    });
    const isThread = await call(t.app, "GET", `/api/v1/requests/${isRequest.body.id}`, { jar: robert.jar });
    const isAttachment = isThread.body.messages.at(-1).attachments[0].id;
    expect((await call(t.app, "GET", `/api/v1/attachments/${isAttachment}`, { jar: robert.jar })).status).toBe(200);
    expect((await call(t.app, "GET", `/api/v1/attachments/${isAttachment}`, { jar: lila.jar })).status).toBe(404);
    expect((await call(t.app, "GET", `/api/v1/requests/${vat.body.id}`, { jar: robert.jar })).status).toBe(200);
    const inbox = await call(t.app, "GET", "/api/v1/requests", { jar: lila.jar });
    expect(inbox.body.items.every((r: { tax: string }) => r.tax === "TVA")).toBe(true);
    expect(inbox.body.items.some((r: { id: string }) => r.id === isRequest.body.id)).toBe(false);
    const stranger = await signedInPerson(t, { siren: SEED.concurrence.siren });
    expect((await call(t.app, "GET", `/api/v1/requests/${vat.body.id}`, { jar: stranger.jar })).status).toBe(404);
    expect((await call(t.app, "GET", "/api/v1/requests", { jar: stranger.jar })).body.items).toEqual([]);

    const temp = await signedInPerson(t, { siren: SEED.gestion.siren });
    const offer = await call(t.app, "POST", `/api/v1/companies/${SEED.martin.siren}/delegations`, {
      jar: chief.jar,
      body: { email: temp.email, role: "delegate", services: ["messagerie"], taxScope: ["TVA"] },
    });
    await call(t.app, "POST", `/api/v1/delegations/${offer.body.id}/accept`, { jar: temp.jar });
    expect((await call(t.app, "GET", `/api/v1/requests/${vat.body.id}`, { jar: temp.jar })).status).toBe(200);
    await call(t.app, "DELETE", `/api/v1/delegations/${offer.body.id}`, { jar: chief.jar });
    expect((await call(t.app, "GET", `/api/v1/requests/${vat.body.id}`, { jar: temp.jar })).status).toBe(404);
  });

  it("an agent of the service answers with the version; stale 409; another service 404; content-free notices; unread counts", async () => {
    const req = await file(lila, { ...VAT_REFUND, subject: "Crédits à rembourser" });
    expect((await call(t.app, "GET", `/api/v1/backoffice/requests/${req.body.id}`, { jar: lyonAgent })).status).toBe(404);
    const seen = await call(t.app, "GET", `/api/v1/backoffice/requests/${req.body.id}`, { jar: agent });
    expect(seen.status).toBe(200);
    expect(seen.body.messages[0].readByAdministrationAt).not.toBeNull();
    const version = seen.body.version;
    const ask = await call(t.app, "POST", `/api/v1/backoffice/requests/${req.body.id}/messages`, {
      jar: agent,
      body: { body: "Merci de joindre le formulaire 3519.", status: "awaiting_user", version },
    });
    expect(ask.status).toBe(201);
    expect(ask.body).toMatchObject({ status: "awaiting_user", version: version + 1 });
    const stale = await call(t.app, "POST", `/api/v1/backoffice/requests/${req.body.id}/messages`, { jar: agent, body: { body: "Doublon", version } });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: "stale_version", details: { currentVersion: version + 1, status: "awaiting_user" } });
    expect(
      (await call(t.app, "POST", `/api/v1/backoffice/requests/${req.body.id}/messages`, { jar: agent, csrf: false, body: { body: "x", version: version + 1 } }))
        .status,
    ).toBe(403);

    for (const to of [lila.email, "robert.lambda@martindistribution.com"]) {
      const mail = await lastMailTo(t, to);
      expect(mail.text).toContain(`Un nouveau message concernant votre demande ${req.body.reference} est disponible dans votre messagerie sécurisée.`);
      expect(mail.text).not.toContain("3519");
      expect(mail.text).not.toMatch(/https?:\/\//);
    }
    const inbox = await call(t.app, "GET", "/api/v1/requests", { jar: lila.jar });
    const item = inbox.body.items.find((r: { id: string }) => r.id === req.body.id);
    expect(item).toMatchObject({ status: "awaiting_user", unreadCount: 1 });
    const thread = await call(t.app, "GET", `/api/v1/requests/${req.body.id}`, { jar: lila.jar });
    expect(thread.body.messages).toHaveLength(2);
    expect(thread.body.messages[1]).toMatchObject({ author: { kind: "agent", displayName: "SIE Paris 11e" }, body: "Merci de joindre le formulaire 3519." });
    expect(JSON.stringify(thread.body)).not.toContain("Paul Agent");
    expect((await call(t.app, "GET", "/api/v1/requests", { jar: lila.jar })).body.items.find((r: { id: string }) => r.id === req.body.id).unreadCount).toBe(0);

    const reply = await call(t.app, "POST", `/api/v1/requests/${req.body.id}/messages`, { jar: lila.jar, body: { body: "Voici le formulaire." } });
    expect(reply.status).toBe(201);
    const answer = await call(t.app, "POST", `/api/v1/backoffice/requests/${req.body.id}/messages`, {
      jar: agent,
      body: { body: "Remboursement accordé.", status: "answered", version: version + 2 },
    });
    expect(answer.body.status).toBe("answered");
    expect((await call(t.app, "GET", `/api/v1/requests/${req.body.id}`, { jar: robert.jar })).body.status).toBe("answered");
  });

  // A reply takes the request's lock in the statement that moves it: one that waited behind another change (on
  // PostgreSQL's server, where two sessions run at once) moves the request from the state that change left.
  it.runIf(!!process.env.TEST_DATABASE_URL)(
    "a reply that waited behind another change moves the request from the new state, or is refused if it closed",
    async () => {
      const locker = new pg.Client({ connectionString: t.databaseUrl });
      const watcher = new pg.Client({ connectionString: t.databaseUrl });
      await Promise.all([locker.connect(), watcher.connect()]);
      const replyBehind = async (id: string, change: string) => {
        await locker.query("BEGIN");
        await locker.query(`UPDATE requests SET ${change}, version = version + 1 WHERE id = $1`, [id]);
        const posting = call(t.app, "POST", `/api/v1/requests/${id}/messages`, { jar: lila.jar, body: { body: "Le justificatif demandé." } });
        // Asked from a third session: a session is blocked by the one holding the row (the reply, on its lock).
        const holder = (await locker.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
        for (let i = 0; ; i++) {
          const w = await watcher.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid))", [holder]);
          if (w.rows[0].n > 0) break;
          if (i === 500) throw new Error("the reply never waited on the request's lock");
          await new Promise((r) => setTimeout(r, 20));
        }
        await locker.query("COMMIT");
        return posting;
      };
      try {
        const a = await file(lila, { ...VAT_REFUND, subject: "Réponse derrière une demande de pièce" });
        const replied = await replyBehind(a.body.id, "status = 'awaiting_user'");
        expect(replied.status).toBe(201);
        expect((await call(t.app, "GET", `/api/v1/requests/${a.body.id}`, { jar: lila.jar })).body.status).toBe("in_progress");
        const entry = await t.ctx.db
          .selectFrom("journal")
          .select(["data"])
          .where("action", "=", "message.posted")
          .where("subject_id", "=", a.body.id)
          .executeTakeFirstOrThrow();
        expect(entry.data).toMatchObject({ messageId: replied.body.id, status: "in_progress" });

        const b = await file(lila, { ...VAT_REFUND, subject: "Réponse derrière une clôture" });
        const before = await Promise.all((["journal", "messages"] as const).map((x) => countRows(t, x)));
        const refused = await replyBehind(b.body.id, "status = 'closed', closed_at = now()");
        expect(refused.status).toBe(409);
        expect(refused.body.error.code).toBe("request_closed");
        expect(await Promise.all((["journal", "messages"] as const).map((x) => countRows(t, x)))).toEqual(before);
      } finally {
        await Promise.all([locker.end(), watcher.end()]);
      }
    },
  );

  it("closing: once; a closed request refuses messages (409); 30 days in « answered » close it", async () => {
    const a = await file(lila, { ...VAT_REFUND, subject: "À clôturer" });
    expect((await call(t.app, "POST", `/api/v1/requests/${a.body.id}/close`, { jar: lila.jar })).body).toEqual({ status: "closed" });
    expect((await call(t.app, "POST", `/api/v1/requests/${a.body.id}/close`, { jar: lila.jar })).status).toBe(409);
    const before = await Promise.all((["journal", "messages"] as const).map((x) => countRows(t, x)));
    const refused = await call(t.app, "POST", `/api/v1/requests/${a.body.id}/messages`, { jar: lila.jar, body: { body: "Encore un mot" } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe("request_closed");
    expect(await Promise.all((["journal", "messages"] as const).map((x) => countRows(t, x)))).toEqual(before);

    const b = await file(lila, { ...VAT_REFUND, subject: "Traitée puis silencieuse" });
    // A company reply moves « awaiting_user » to « in_progress » and journals the message by its hash.
    const v0 = (await call(t.app, "GET", `/api/v1/backoffice/requests/${b.body.id}`, { jar: agent })).body.version;
    await call(t.app, "POST", `/api/v1/backoffice/requests/${b.body.id}/messages`, {
      jar: agent,
      body: { body: "Un justificatif ?", status: "awaiting_user", version: v0 },
    });
    const replied = await call(t.app, "POST", `/api/v1/requests/${b.body.id}/messages`, { jar: lila.jar, body: { body: "Le voici." } });
    expect(replied.status).toBe(201);
    expect((await call(t.app, "GET", `/api/v1/requests/${b.body.id}`, { jar: lila.jar })).body.status).toBe("in_progress");
    const entry = await t.ctx.db
      .selectFrom("journal")
      .select(["actor_id", "data"])
      .where("action", "=", "message.posted")
      .where("subject_id", "=", b.body.id)
      .where("actor_kind", "=", "person")
      .executeTakeFirstOrThrow();
    expect(entry.data).toMatchObject({ messageId: replied.body.id, status: "in_progress", attachments: [] });
    const v = (await call(t.app, "GET", `/api/v1/backoffice/requests/${b.body.id}`, { jar: agent })).body.version;
    await call(t.app, "POST", `/api/v1/backoffice/requests/${b.body.id}/messages`, {
      jar: agent,
      body: { body: "C'est fait.", status: "answered", version: v },
    });
    const { autoCloseAnswered } = await import("../../src/modules/requests/index.js");
    expect(await autoCloseAnswered(t.ctx)).toBe(0);
    t.clock.advance(30 * DAY + 1);
    expect(await autoCloseAnswered(t.ctx)).toBeGreaterThanOrEqual(1);
    lila = { ...lila, jar: await (await import("../helpers/people.js")).signIn(t, lila.email) };
    expect((await call(t.app, "GET", `/api/v1/requests/${b.body.id}`, { jar: lila.jar })).body.status).toBe("closed");
    agent = await agentJar("agent.paris11@dgfip.test", AGENT_SECRET);
    robert = { ...robert, jar: await (await import("../helpers/people.js")).signIn(t, robert.email) };
  });
});

describe("the inbox", () => {
  it("filters, searches in French (accents and plurals folded) and pages by cursor", async () => {
    for (let i = 0; i < 3; i++) await file(lila, { ...VAT_REFUND, subject: `Demande paginée ${i}` });
    // « Crédits à rembourser » is found by « credit » (no accent, singular): unaccent then the French stemmer.
    const search = await call(t.app, "GET", `/api/v1/requests?q=${encodeURIComponent("credit rembourser")}`, { jar: lila.jar });
    expect(search.body.items.map((r: { subject: string }) => r.subject)).toContain("Crédits à rembourser");
    // Messages are searched too: « formulaires » matches Lila's reply « Voici le formulaire ».
    const inMessages = await call(t.app, "GET", `/api/v1/requests?q=formulaires`, { jar: lila.jar });
    expect(inMessages.body.items.map((r: { subject: string }) => r.subject)).toContain("Crédits à rembourser");
    const none = await call(t.app, "GET", "/api/v1/requests?q=licorne", { jar: lila.jar });
    expect(none.body.items).toEqual([]);
    const first = await call(t.app, "GET", "/api/v1/requests?limit=2&tax=TVA", { jar: lila.jar });
    expect(first.body.items).toHaveLength(2);
    const second = await call(t.app, "GET", `/api/v1/requests?limit=2&tax=TVA&cursor=${first.body.nextCursor}`, { jar: lila.jar });
    expect(second.body.items).toHaveLength(2);
    expect(second.body.items[0].lastActivityAt <= first.body.items[1].lastActivityAt).toBe(true);
    expect(new Set([...first.body.items, ...second.body.items].map((r: { id: string }) => r.id)).size).toBe(4);
    expect((await call(t.app, "GET", "/api/v1/requests?cursor=nimporte", { jar: lila.jar })).body.error.code).toBe("invalid_cursor");
    expect((await call(t.app, "GET", "/api/v1/requests?status=perdue", { jar: lila.jar })).status).toBe(400);
    const closed = await call(t.app, "GET", "/api/v1/requests?status=closed", { jar: lila.jar });
    expect(closed.body.items.every((r: { status: string }) => r.status === "closed")).toBe(true);
  });
});

describe("daily digest", () => {
  it("gathers the notices of a day into one mail", async () => {
    expect((await call(t.app, "PUT", "/api/v1/notification-preferences", { jar: lila.jar, body: { mode: "daily" } })).body).toEqual({ mode: "daily" });
    expect((await call(t.app, "PUT", "/api/v1/notification-preferences", { jar: lila.jar, body: { mode: "weekly" } })).status).toBe(400);
    const refs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await file(lila, { ...VAT_REFUND, subject: `Digest ${i}` });
      refs.push(r.body.reference);
      const v = (await call(t.app, "GET", `/api/v1/backoffice/requests/${r.body.id}`, { jar: agent })).body.version;
      await call(t.app, "POST", `/api/v1/backoffice/requests/${r.body.id}/messages`, { jar: agent, body: { body: "Réponse", version: v } });
    }
    await t.ctx.worker.drain();
    const before = await lastMailTo(t, lila.email);
    expect(before.subject).toContain("Accusé de réception");
    expect(await sendDigests(t.ctx)).toBe(0);
    t.clock.advance(DAY + 1);
    expect(await sendDigests(t.ctx)).toBe(1);
    const digest = await lastMailTo(t, lila.email);
    expect(digest.subject).toBe("Nouveaux messages dans votre messagerie sécurisée");
    for (const ref of refs) expect(digest.text).toContain(ref);
  });
});

describe("cli verify-receipt", () => {
  it("says valid (exit 0) or tampered (exit 1), with the file and the public key only", async () => {
    const jar = await (await import("../helpers/people.js")).signIn(t, robert.email);
    const r = await call(t.app, "POST", "/api/v1/requests", { jar, body: { ...VAT_REFUND, uploadIds: [] } });
    const pdf = (await t.app.inject({ method: "GET", url: r.body.receiptUrl, headers: { cookie: jar.header() } })).rawPayload;
    const dir = tempDir("receipt");
    writeFileSync(join(dir, "ar.pdf"), pdf);
    writeFileSync(join(dir, "cle.pem"), t.ctx.receiptKeys.certificatePem);
    const tampered = Buffer.from(pdf);
    tampered.writeUInt8(tampered.readUInt8(200) ^ 0x20, 200);
    writeFileSync(join(dir, "faux.pdf"), tampered);
    const run = (f: string) =>
      new Promise<{ code: number; out: string }>((resolve) =>
        execFile(
          process.execPath,
          ["--import", "tsx", "src/app/cli.ts", "verify-receipt", join(dir, f), "--certificate", join(dir, "cle.pem")],
          { cwd: new URL("../..", import.meta.url).pathname, env: { ...process.env, DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" } },
          (e, out) => resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out }),
        ),
      );
    const ok = await run("ar.pdf");
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`VALIDE : accusé de réception ${r.body.reference}`);
    const bad = await run("faux.pdf");
    expect(bad.code).toBe(1);
    expect(bad.out).toContain("INVALIDE : signature invalide");
  });
});
