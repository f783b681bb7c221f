import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import pg from "pg";
import { call, countRows, seedReferenceData, startTestApp, type CookieJar, type TestApp, type WireJson } from "../helpers/app.js";
import { activeAdministrator, letterCodes, newCompany, signedInPerson } from "../helpers/people.js";
import { SEED } from "../../src/app/demo.js";
import { withLuhnKey } from "../../src/modules/companies/index.js";
import { DAY } from "../../src/platform/clock.js";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
});
afterAll(() => t.close());

/** A multipart body as a browser sends it. */
async function multipart(fields: Record<string, string>, file?: { name: string; content: string | Buffer; type?: string }) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file)
    form.append(
      "file",
      new Blob([typeof file.content === "string" ? file.content : new Uint8Array(file.content)], { type: file.type ?? "text/csv" }),
      file.name,
    );
  const res = new Response(form);
  return { payload: Buffer.from(await res.arrayBuffer()), contentType: res.headers.get("content-type")! };
}

async function postBatchCsv(jar: CookieJar, csv: string | Buffer, fields: Record<string, string> = { quality: "mandated", services: "cfe" }) {
  const body = await multipart(fields, { name: "clients.csv", content: csv });
  const res = await t.app.inject({
    method: "POST",
    url: "/api/v1/adhesions/batch",
    headers: { cookie: jar.header(), "x-csrf-token": jar.csrf!, "content-type": body.contentType },
    payload: body.payload,
  });
  return { status: res.statusCode, body: JSON.parse(res.body) as Record<string, WireJson> };
}

async function runBatch(jar: CookieJar, batchId: string) {
  await t.ctx.worker.drain();
  const res = await call(t.app, "GET", `/api/v1/adhesions/batch/${batchId}`, { jar });
  expect(res.status).toBe(200);
  return res.body;
}

/** A firm's head accountant: administrator of her own entity (the firm's letter reached the firm). */
async function firmAdministrator(name = "CABINET TEST") {
  const firm = await newCompany(t, name);
  return { firm, ...(await activeAdministrator(t, firm, { entitySiren: firm, services: ["cfe"] })) };
}

describe("« mes entreprises » at portfolio scale", () => {
  it("searches by SIREN prefix and by words of the name, accents folded; sorts; totals", async () => {
    const { jar, firm } = await firmAdministrator("CABINET ÉTOILE");
    const names = ["BOULANGERIE DUPONT", "GARAGE DES LILAS", "ÉPICERIE DU MARCHÉ", "PHARMACIE DUPONT-LAJOIE"];
    const sirens: string[] = [];
    for (const name of names) {
      const siren = await newCompany(t, name);
      sirens.push(siren);
      const res = await call(t.app, "POST", "/api/v1/adhesions", { jar, body: { siren, quality: "mandated", services: ["cfe"] } });
      expect(res.status).toBe(201);
    }
    const all = await call(t.app, "GET", "/api/v1/companies?sort=name", { jar });
    expect(all.body.total).toBe(5);
    expect(all.body.items.map((c: { name: string }) => c.name)).toEqual([
      "BOULANGERIE DUPONT",
      "CABINET ÉTOILE",
      "ÉPICERIE DU MARCHÉ",
      "GARAGE DES LILAS",
      "PHARMACIE DUPONT-LAJOIE",
    ]);
    // The four clients are pending adhesions: listed with that, without rights yet.
    expect(all.body.items.find((c: { siren: string }) => c.siren === sirens[0]).pendingAdhesions).toBe(1);
    expect(all.body.items.find((c: { siren: string }) => c.siren === firm).rights.map((r: { service: string }) => r.service)).toEqual(["cfe"]);

    const dupont = await call(t.app, "GET", "/api/v1/companies?q=dup", { jar });
    expect(dupont.body.items.map((c: { name: string }) => c.name)).toEqual(["BOULANGERIE DUPONT", "PHARMACIE DUPONT-LAJOIE"]);
    expect(dupont.body.total).toBe(2);
    expect(
      (await call(t.app, "GET", `/api/v1/companies?q=${encodeURIComponent("epicerie marche")}`, { jar })).body.items.map((c: { siren: string }) => c.siren),
    ).toEqual([sirens[2]]);
    expect((await call(t.app, "GET", `/api/v1/companies?q=${encodeURIComponent("MARCHÉ")}`, { jar })).body.total).toBe(1);
    // A word must start a word of the name: « ilas » is inside « LILAS », not at its start.
    expect((await call(t.app, "GET", "/api/v1/companies?q=ilas", { jar })).body.total).toBe(0);
    expect((await call(t.app, "GET", `/api/v1/companies?q=${sirens[1]!.slice(0, 6)}`, { jar })).body.items.map((c: { siren: string }) => c.siren)).toContain(
      sirens[1],
    );
    // Punctuation alone is no search.
    expect((await call(t.app, "GET", "/api/v1/companies?q=%25_", { jar })).body.total).toBe(5);

    expect((await call(t.app, "GET", "/api/v1/companies?pendingAdhesion=true", { jar })).body.total).toBe(4);
    expect((await call(t.app, "GET", "/api/v1/companies?service=cfe&role=administrator", { jar })).body.items.map((c: { siren: string }) => c.siren)).toEqual([
      firm,
    ]);
    const bySiren = await call(t.app, "GET", "/api/v1/companies?sort=siren&limit=2", { jar });
    const next = await call(t.app, "GET", `/api/v1/companies?sort=siren&limit=2&cursor=${bySiren.body.nextCursor}`, { jar });
    const last = await call(t.app, "GET", `/api/v1/companies?sort=siren&limit=2&cursor=${next.body.nextCursor}`, { jar });
    const walked = [...bySiren.body.items, ...next.body.items, ...last.body.items].map((c: { siren: string }) => c.siren);
    expect(walked).toEqual([...sirens, firm].sort());
    expect(last.body.nextCursor).toBeNull();
    expect(last.body.total).toBe(5);
  });

  it("searches the words of each company's name as it is now, among the person's own companies only", async () => {
    const a = await firmAdministrator("CABINET AUBRAC");
    const b = await firmAdministrator("CABINET BOCAGE");
    const own = await newCompany(t, "BOULANGERIE DUPONT");
    const other = await newCompany(t, "BOULANGERIE DURAND");
    for (const [jar, siren] of [
      [a.jar, own],
      [b.jar, other],
    ] as const) {
      expect((await call(t.app, "POST", "/api/v1/adhesions", { jar, body: { siren, quality: "mandated", services: ["cfe"] } })).status).toBe(201);
    }
    const search = async (jar: CookieJar, q: string) => {
      const res = await call(t.app, "GET", `/api/v1/companies?q=${encodeURIComponent(q)}`, { jar });
      expect(res.status).toBe(200);
      return { sirens: res.body.items.map((c: { siren: string }) => c.siren), total: res.body.total };
    };
    expect(await search(a.jar, "boul")).toEqual({ sirens: [own], total: 1 });
    expect(await search(b.jar, "boul")).toEqual({ sirens: [other], total: 1 });
    // Every word must be in one company of hers: the other firm's « DURAND » does not complete her « BOULANGERIE ».
    expect(await search(a.jar, "boulangerie durand")).toEqual({ sirens: [], total: 0 });
    // The reference data renames the company: the search follows the new name at once, in any order of its words.
    await t.ctx.db.updateTable("companies").set({ name: "PÂTISSERIE DUPONT" }).where("siren", "=", own).execute();
    expect(await search(a.jar, "dupont patis")).toEqual({ sirens: [own], total: 1 });
    expect(await search(a.jar, "boulangerie")).toEqual({ sirens: [], total: 0 });
    expect(await search(b.jar, "patisserie")).toEqual({ sirens: [], total: 0 });
  });

  it("counts unread messages and open requests per company within the person's taxes, and in the header", async () => {
    const robert = await activeAdministrator(t, SEED.martin.siren, { entitySiren: SEED.martin.siren, companyEmail: "contact@martin.example" });
    const lila = await signedInPerson(t, { siren: SEED.gestion.siren, firstName: "Lila", lastName: "Rosemonde" });
    const offer = await call(t.app, "POST", `/api/v1/companies/${SEED.martin.siren}/delegations`, {
      jar: robert.jar,
      body: { email: lila.email, role: "delegate", services: ["tva_declarer", "tva_payer", "messagerie"], taxScope: ["TVA"] },
    });
    await call(t.app, "POST", `/api/v1/delegations/${offer.body.id}/accept`, { jar: lila.jar });
    const vat = await call(t.app, "POST", "/api/v1/requests", {
      jar: robert.jar,
      body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "Crédit de TVA", body: "Bonjour", uploadIds: [] },
    });
    const cit = await call(t.app, "POST", "/api/v1/requests", {
      jar: robert.jar,
      body: { siren: SEED.martin.siren, tax: "IS", nature: "question", subject: "Acompte d'IS", body: "Bonjour", uploadIds: [] },
    });
    expect(vat.status).toBe(201);
    expect(cit.status).toBe(201);
    // Two messages of the administration on the VAT request, one on the IS request (written as the back office does).
    for (const [requestId, n] of [
      [vat.body.id, 2],
      [cit.body.id, 1],
    ] as const) {
      for (let i = 0; i < n; i++) {
        await t.ctx.db
          .insertInto("messages")
          .values({
            id: crypto.randomUUID(),
            request_id: requestId,
            author_kind: "agent",
            author_space_id: null,
            author_agent_id: null,
            body: `Réponse ${i}`,
            body_sha256: "0".repeat(64),
            created_at: t.clock.now(),
            read_by_company_at: null,
            read_by_company_space: null,
            read_by_administration_at: null,
          })
          .execute();
      }
    }
    const martinOf = async (jar: CookieJar) => (await call(t.app, "GET", `/api/v1/companies?q=${SEED.martin.siren}`, { jar })).body.items[0];
    expect(await martinOf(robert.jar)).toMatchObject({ unreadCount: 3, openRequests: 2, lastActivityAt: t.clock.now().toISOString() });
    // Lila sees the last activity of the VAT requests only; sorting by activity walks the cursor like any sort.
    t.clock.advance(60_000);
    await call(t.app, "POST", `/api/v1/requests/${cit.body.id}/messages`, { jar: robert.jar, body: { body: "Précision sur l'IS", uploadIds: [] } });
    expect((await martinOf(robert.jar)).lastActivityAt).toBe(t.clock.now().toISOString());
    expect((await martinOf(lila.jar)).lastActivityAt).toBe(new Date(t.clock.now().getTime() - 60_000).toISOString());
    const byActivity = await call(t.app, "GET", "/api/v1/companies?sort=lastActivity&limit=1", { jar: robert.jar });
    expect(byActivity.body.items[0].siren).toBe(SEED.martin.siren);
    expect(await martinOf(lila.jar)).toMatchObject({ unreadCount: 2, openRequests: 1 });
    expect((await call(t.app, "GET", "/api/v1/companies/summary", { jar: lila.jar })).body).toEqual({ companies: 1, unread: 2 });
    expect((await call(t.app, "GET", "/api/v1/companies?hasUnread=true", { jar: lila.jar })).body.total).toBe(1);
    // Lila reads the VAT thread: the company's marks move, for Robert too.
    expect((await call(t.app, "GET", `/api/v1/requests/${vat.body.id}`, { jar: lila.jar })).status).toBe(200);
    expect(await martinOf(lila.jar)).toMatchObject({ unreadCount: 0, openRequests: 1 });
    expect(await martinOf(robert.jar)).toMatchObject({ unreadCount: 1 });
    expect((await call(t.app, "GET", "/api/v1/companies?hasUnread=true", { jar: lila.jar })).body.total).toBe(0);
    // The inbox filters by company and by unread.
    const unreadOnly = await call(t.app, "GET", `/api/v1/requests?siren=${SEED.martin.siren}&unread=true`, { jar: robert.jar });
    expect(unreadOnly.body.items.map((r: { id: string }) => r.id)).toEqual([cit.body.id]);
    expect((await call(t.app, "GET", "/api/v1/requests?from=2026-11-29", { jar: robert.jar })).body.items).toHaveLength(0);
    expect((await call(t.app, "GET", "/api/v1/requests?from=2026-11-28&to=2026-11-28", { jar: robert.jar })).body.items).toHaveLength(2);
    const badDay = await call(t.app, "GET", "/api/v1/requests?from=2026-02-30", { jar: robert.jar });
    expect(badDay.status).toBe(400);
    expect((await call(t.app, "GET", "/api/v1/requests?from=2026-12-02&to=2026-12-01", { jar: robert.jar })).status).toBe(400);
    // Closing moves the open count; a revoked right takes the company off the list at once.
    await call(t.app, "POST", `/api/v1/requests/${cit.body.id}/close`, { jar: robert.jar });
    expect(await martinOf(robert.jar)).toMatchObject({ openRequests: 1 });
    await call(t.app, "DELETE", `/api/v1/delegations/${offer.body.id}`, { jar: robert.jar });
    expect((await call(t.app, "GET", "/api/v1/companies", { jar: lila.jar })).body).toMatchObject({ items: [], total: 0 });
    expect((await call(t.app, "GET", "/api/v1/companies/summary", { jar: lila.jar })).body).toEqual({ companies: 0, unread: 0 });
  });

  it.runIf(!!process.env.TEST_DATABASE_URL)("posts a company's replies without touching its activity row, which another session holds locked", async () => {
    const siren = await newCompany(t, "TRANSPORTS RAPIDES");
    const robert = await activeAdministrator(t, siren, { companyEmail: "contact@transports.example" });
    const filed = await call(t.app, "POST", "/api/v1/requests", {
      jar: robert.jar,
      body: { siren, tax: "TVA", nature: "question", subject: "Crédit de TVA", body: "Bonjour", uploadIds: [] },
    });
    expect(filed.status).toBe(201);
    const locker = new pg.Client({ connectionString: t.databaseUrl });
    await locker.connect();
    try {
      await locker.query("BEGIN");
      expect((await locker.query("SELECT 1 FROM company_activity WHERE siren = $1 AND tax = 'TVA' FOR UPDATE", [siren])).rowCount).toBe(1);
      // A reply that waited on that row would wait until the lock goes: it answers while the lock is held.
      t.clock.advance(60_000);
      const reply = call(t.app, "POST", `/api/v1/requests/${filed.body.id}/messages`, { jar: robert.jar, body: { body: "Précision", uploadIds: [] } });
      const held = new Promise<"still waiting">((resolve) => setTimeout(() => resolve("still waiting"), 10_000).unref());
      const first = await Promise.race([reply.then((r) => r.status), held]);
      expect(first).toBe(201);
      // The company's last activity is the reply's, read from its requests.
      const [entry] = (await call(t.app, "GET", `/api/v1/companies?q=${siren}`, { jar: robert.jar })).body.items;
      expect(entry).toMatchObject({ openRequests: 1, lastActivityAt: t.clock.now().toISOString() });
    } finally {
      await locker.query("ROLLBACK");
      await locker.end();
    }
  });

  it("refuses bad input and shows nobody else's companies", async () => {
    const a = await firmAdministrator();
    const b = await signedInPerson(t, { siren: SEED.gestion.siren });
    expect((await call(t.app, "GET", "/api/v1/companies", { jar: b.jar })).body.total).toBe(0);
    expect((await call(t.app, "GET", `/api/v1/companies?q=${a.firm}`, { jar: b.jar })).body.items).toEqual([]);
    expect((await call(t.app, "GET", `/api/v1/companies/${a.firm}`, { jar: b.jar })).status).toBe(404);
    for (const query of ["sort=age", "hasUnread=yes", "service=impots", "role=chef", "limit=101", `q=${"x".repeat(201)}`]) {
      const res = await call(t.app, "GET", `/api/v1/companies?${query}`, { jar: a.jar });
      expect(res.status, query).toBe(400);
    }
    // Crafted cursors: not base64 JSON, wrong shape, a value of the wrong type, a SQL fragment.
    const crafted = [
      "abc",
      Buffer.from("[1,2]").toString("base64url"),
      Buffer.from(JSON.stringify(["unread", "x", "812345676", 1])).toString("base64url"),
      Buffer.from(JSON.stringify(["lastActivity", "2026-13-45T99:00:00Z' OR 1=1", "812345676", 1])).toString("base64url"),
    ];
    for (const cursor of crafted) {
      const res = await call(t.app, "GET", `/api/v1/companies?sort=${cursor === crafted[2] ? "unread" : "lastActivity"}&cursor=${cursor}`, { jar: a.jar });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_cursor");
    }
    expect((await call(t.app, "GET", "/api/v1/companies/summary")).status).toBe(401);
  });
});

describe("bulk adhesion", () => {
  it("gives each line its own result and each company its own letter; the report is a CSV", async () => {
    const { jar, email } = await firmAdministrator("CABINET EN GROS");
    const fine = [await newCompany(t, "CLIENT UN"), await newCompany(t, "CLIENT DEUX"), await newCompany(t, "CLIENT TROIS")];
    const ceased = await newCompany(t, "ANCIENNE SOCIETE", { isActive: false });
    const unknown = withLuhnKey("55555555");
    const badKey = `${fine[0]!.slice(0, 8)}${(Number(fine[0]![8]) + 1) % 10}`;
    const items = [
      ...fine.map((siren) => ({ siren })),
      { siren: ceased },
      { siren: unknown },
      { siren: badKey },
      { siren: "12AB" },
      { siren: "" },
      { siren: fine[1]! },
    ];
    const res = await call(t.app, "POST", "/api/v1/adhesions/batch", { jar, body: { quality: "mandated", services: ["cfe", "compte_fiscal"], items } });
    expect(res.status).toBe(202);
    const batch = await runBatch(jar, res.body.batchId);
    expect(batch).toMatchObject({ status: "done", total: 9, done: 9, created: 3, refused: 6 });
    const codes = batch.items.map((i: { error: { code: string } | null }) => i.error?.code ?? "created");
    expect(codes).toEqual([
      "created",
      "created",
      "created",
      "ceased_company",
      "unknown_company",
      "invalid_siren_key",
      "invalid_siren",
      "blank_line",
      "duplicate_line",
    ]);
    for (const i of batch.items.filter((x: { error: unknown }) => x.error)) expect(i.error.message).toMatch(/[a-zé]/);
    for (const siren of fine) {
      const { letter } = await letterCodes(t, siren);
      expect(letter.fields.requester.connectionEmail).toBe(email);
    }
    const report = await t.app.inject({ method: "GET", url: `/api/v1/adhesions/batch/${res.body.batchId}/report.csv`, headers: { cookie: jar.header() } });
    expect(report.headers["content-type"]).toMatch(/^text\/csv/);
    const rows = parse(report.body.replace(/^\uFEFF/, ""), { delimiter: ";" });
    expect(rows[0]).toEqual(["ligne", "siren", "entreprise", "résultat", "motif", "qualité", "services"]);
    expect(rows).toHaveLength(10);
    expect(rows[4]!.slice(0, 4)).toEqual(["4", ceased, "ANCIENNE SOCIETE", "refusée"]);
    expect(rows[4]![4]).toMatch(/cessée/);
    expect(rows[1]!.slice(3)).toEqual([
      "demande créée, courrier en préparation",
      "",
      "personne mandatée",
      "Consulter le compte fiscal, Consulter et payer la CFE",
    ]);
    // Somebody else's batch: 404.
    const other = await signedInPerson(t, { siren: SEED.gestion.siren });
    expect((await call(t.app, "GET", `/api/v1/adhesions/batch/${res.body.batchId}`, { jar: other.jar })).status).toBe(404);
    expect(
      (await t.app.inject({ method: "GET", url: `/api/v1/adhesions/batch/${res.body.batchId}/report.csv`, headers: { cookie: other.jar.header() } }))
        .statusCode,
    ).toBe(404);
  });

  it("creates nothing twice for the same Idempotency-Key, even when the worker runs the batch twice", async () => {
    const { jar } = await firmAdministrator();
    const sirens = [await newCompany(t), await newCompany(t)];
    const headers = { "idempotency-key": "lot-clients-2026-12-02" };
    const first = await call(t.app, "POST", "/api/v1/adhesions/batch", {
      jar,
      headers,
      body: { quality: "mandated", services: ["cfe"], items: sirens.map((siren) => ({ siren })) },
    });
    const again = await call(t.app, "POST", "/api/v1/adhesions/batch", {
      jar,
      headers,
      body: { quality: "mandated", services: ["cfe"], items: sirens.map((siren) => ({ siren })) },
    });
    expect(again.body.batchId).toBe(first.body.batchId);
    // The same key with another list: refused, no second batch.
    const other = await call(t.app, "POST", "/api/v1/adhesions/batch", {
      jar,
      headers,
      body: { quality: "mandated", services: ["cfe"], items: [{ siren: sirens[0] }] },
    });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe("idempotency_key_reused");
    expect(await t.ctx.db.selectFrom("adhesion_batches").select("id").where("idempotency_key", "=", headers["idempotency-key"]).execute()).toHaveLength(1);
    await runBatch(jar, first.body.batchId);
    const { runAdhesionBatch } = await import("../../src/modules/adhesions/index.js");
    await runAdhesionBatch(
      {
        db: t.ctx.db,
        clock: t.clock,
        hasher: t.ctx.hasher,
        sealer: t.ctx.sealer,
        publicUrl: "http://x",
        rights: (await import("../../src/modules/rights/index.js")).adhesionRightsPort,
      },
      first.body.batchId,
    );
    const adhesions = (await call(t.app, "GET", "/api/v1/adhesions", { jar })).body.items.filter((a: { siren: string }) => sirens.includes(a.siren));
    expect(adhesions).toHaveLength(2);
  });

  it("reads a CSV: semicolons or commas, a companyEmail column; refuses what is not one, clearly", async () => {
    const { jar } = await firmAdministrator();
    const a = await newCompany(t);
    const b = await newCompany(t);
    const csv = `siren;companyEmail\r\n${a};contact@a.example\r\n${b};\r\n`;
    const res = await postBatchCsv(jar, csv, { quality: "mandated", services: "messagerie,cfe" });
    expect(res.status).toBe(202);
    const batch = await runBatch(jar, res.body.batchId);
    expect(batch.items.map((i: { status: string; error: { code: string } | null }) => i.error?.code ?? i.status)).toEqual([
      "created",
      "company_email_required",
    ]);
    const before = await countRows(t, "journal");
    const missing = await postBatchCsv(jar, `numero,nom\n${a},A\n`);
    expect(missing.status).toBe(422);
    expect(missing.body.error.code).toBe("missing_siren_column");
    const binary = await postBatchCsv(jar, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0xff, 0xfe]));
    expect(binary.status).toBe(415);
    expect(binary.body.error.message).toMatch(/CSV/);
    const tooMany = await postBatchCsv(jar, `siren\n${Array.from({ length: 501 }, () => a).join("\n")}\n`);
    expect(tooMany.status).toBe(413);
    const json501 = await call(t.app, "POST", "/api/v1/adhesions/batch", {
      jar,
      body: { quality: "mandated", services: ["cfe"], items: Array.from({ length: 501 }, () => ({ siren: a })) },
    });
    expect(json501.status).toBe(413);
    const badQuality = await postBatchCsv(jar, `siren\n${a}\n`, { quality: "patron", services: "cfe" });
    expect(badQuality.status).toBe(400);
    expect(badQuality.body.error.message).toBe(
      "Champ « Votre qualité » : Valeur non reconnue : choisissez parmi « représentant légal », « personne mandatée ».",
    );
    expect((await call(t.app, "POST", "/api/v1/adhesions/batch", { jar, body: { quality: "mandated", services: [], items: [{ siren: a }] } })).status).toBe(
      400,
    );
    expect(
      (await call(t.app, "POST", "/api/v1/adhesions/batch", { jar, csrf: false, body: { quality: "mandated", services: ["cfe"], items: [{ siren: a }] } }))
        .status,
    ).toBe(403);
    expect(await countRows(t, "journal")).toBe(before);
  });

  it("allows 3 adhesions outside the portfolio per 24 hours, 200 for a firm's administrator", async () => {
    const plain = await signedInPerson(t, { siren: SEED.gestion.siren });
    const sirens = await Promise.all(Array.from({ length: 5 }, () => newCompany(t)));
    const res = await call(t.app, "POST", "/api/v1/adhesions/batch", {
      jar: plain.jar,
      body: { quality: "mandated", services: ["cfe"], items: sirens.map((siren) => ({ siren })) },
    });
    const batch = await runBatch(plain.jar, res.body.batchId);
    expect(batch.items.map((i: { error: { code: string } | null }) => i.error?.code ?? "created")).toEqual([
      "created",
      "created",
      "created",
      "too_many_pending_adhesions",
      "too_many_pending_adhesions",
    ]);
    // The person's adhesions come a page at a time.
    const first = await call(t.app, "GET", "/api/v1/adhesions?status=pending&limit=2", { jar: plain.jar });
    expect(first.body).toMatchObject({ total: 3 });
    expect(first.body.items).toHaveLength(2);
    const rest = await call(t.app, "GET", `/api/v1/adhesions?status=pending&limit=2&cursor=${first.body.nextCursor}`, { jar: plain.jar });
    expect(rest.body.items).toHaveLength(1);
    expect(rest.body.nextCursor).toBeNull();
    expect(new Set([...first.body.items, ...rest.body.items].map((a: { siren: string }) => a.siren))).toEqual(new Set(sirens.slice(0, 3)));
    expect((await call(t.app, "GET", "/api/v1/adhesions?status=ended", { jar: plain.jar })).body).toMatchObject({ items: [], total: 0 });
    expect((await call(t.app, "GET", "/api/v1/adhesions?cursor=abc", { jar: plain.jar })).status).toBe(400);
    expect((await call(t.app, "GET", "/api/v1/adhesions?status=toutes", { jar: plain.jar })).status).toBe(400);

    const { jar } = await firmAdministrator();
    const many: string[] = [];
    for (let i = 0; i < 201; i++) many.push(await newCompany(t));
    const big = await call(t.app, "POST", "/api/v1/adhesions/batch", {
      jar,
      body: { quality: "mandated", services: ["cfe"], items: many.map((siren) => ({ siren })) },
    });
    const done = await runBatch(jar, big.body.batchId);
    expect(done.created).toBe(200);
    expect(done.items[200].error.code).toBe("too_many_pending_adhesions");
    expect(done.items[200].error.message).toMatch(/200 demandes/);
    // A day later the allowance is back.
    t.clock.advance(DAY + 1000);
  });

  it("sends a SIREN at most 3 letters in 30 days, and suspends the bulk right of a requester opposed 3 times", async () => {
    const target = await newCompany(t);
    for (let i = 0; i < 3; i++) await activeAdministrator(t, target, { services: ["cfe"] });
    const { jar, spaceId } = await firmAdministrator("CABINET DOUTEUX");
    const res = await call(t.app, "POST", "/api/v1/adhesions/batch", { jar, body: { quality: "mandated", services: ["cfe"], items: [{ siren: target }] } });
    expect((await runBatch(jar, res.body.batchId)).items[0].error.code).toBe("letter_quota_reached");

    const victims = [await newCompany(t), await newCompany(t), await newCompany(t)];
    const first = await call(t.app, "POST", "/api/v1/adhesions/batch", {
      jar,
      body: { quality: "mandated", services: ["cfe"], items: victims.map((siren) => ({ siren })) },
    });
    expect((await runBatch(jar, first.body.batchId)).created).toBe(3);
    for (const siren of victims) {
      const { oppositionCode } = await letterCodes(t, siren);
      expect((await call(t.app, "POST", "/api/v1/opposition", { body: { siren, oppositionCode } })).status).toBe(200);
    }
    const alerts = await t.ctx.db.selectFrom("tax_office_alerts").selectAll().where("kind", "=", "bulk_right_suspended").execute();
    expect(alerts.filter((a) => (a.data as { requester?: { email?: string } }).requester?.email !== undefined)).toHaveLength(1);
    expect(await t.ctx.db.selectFrom("bulk_suspensions").select("space_id").where("space_id", "=", spaceId).executeTakeFirst()).toBeDefined();
    const more = await Promise.all(Array.from({ length: 4 }, () => newCompany(t)));
    const after = await call(t.app, "POST", "/api/v1/adhesions/batch", {
      jar,
      body: { quality: "mandated", services: ["cfe"], items: more.map((siren) => ({ siren })) },
    });
    const refused = (await runBatch(jar, after.body.batchId)).items.filter(
      (i: { error: { code: string } | null }) => i.error?.code === "too_many_pending_adhesions",
    );
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0].error.message).toMatch(/3 demandes/);
  });
});

describe("bulk delegation", () => {
  it("offers one delegation per company, each notified; « tout accepter »; bulk revocation", async () => {
    const { jar, spaceId } = await firmAdministrator("CABINET DÉLÉGANT");
    const clients: string[] = [];
    for (let i = 0; i < 3; i++) {
      const siren = await newCompany(t, `CLIENT DÉLÉGUÉ ${i}`);
      clients.push(siren);
      const res = await call(t.app, "POST", "/api/v1/adhesions", {
        jar,
        body: { siren, quality: "mandated", services: ["messagerie", "tva_declarer", "tva_payer"], companyEmail: `client${i}.${siren}@exemple.fr` },
      });
      await call(t.app, "POST", "/api/v1/company-email/confirm", {
        body: { token: await (await import("../helpers/people.js")).linkTokenFor(t, `client${i}.${siren}@exemple.fr`) },
      });
      const { activationCode } = await letterCodes(t, siren);
      expect((await call(t.app, "POST", `/api/v1/adhesions/${res.body.id}/activate`, { jar, body: { code: activationCode } })).status).toBe(200);
    }
    const notMine = await newCompany(t, "PAS A MOI");
    const lila = await signedInPerson(t, { siren: SEED.gestion.siren, firstName: "Lila", lastName: "Rosemonde" });
    const offered = await call(t.app, "POST", "/api/v1/delegations/batch", {
      jar,
      body: { email: lila.email, role: "delegate", services: ["messagerie", "tva_declarer", "tva_payer"], taxScope: ["TVA"], sirens: [...clients, notMine] },
    });
    expect(offered.status).toBe(200);
    expect(offered.body.items.map((i: { status: string }) => i.status)).toEqual(["offered", "offered", "offered", "refused"]);
    expect(offered.body.items[3].error.message).toBe("Vous n'avez pas de droit sur cette entreprise.");
    await t.ctx.worker.drain();
    for (let i = 0; i < 3; i++) {
      const mails = (await call(t.app, "GET", `/api/v1/dev/mails?to=${encodeURIComponent(`client${i}.${clients[i]}@exemple.fr`)}`)).body.items as {
        subject: string;
      }[];
      expect(mails.length).toBeGreaterThanOrEqual(2);
    }
    // Somebody else cannot accept Lila's offers; Lila accepts them all at once.
    const stranger = await signedInPerson(t, { siren: SEED.gestion.siren });
    expect((await call(t.app, "POST", "/api/v1/delegations/accept-all", { jar: stranger.jar, body: { grantorSpaceId: spaceId } })).body.accepted).toBe(0);
    const pendingPage = await call(t.app, "GET", "/api/v1/delegations?direction=received&pending=true&limit=2", { jar: lila.jar });
    expect(pendingPage.body.items).toHaveLength(2);
    expect(pendingPage.body.items[0].from.spaceId).toBe(spaceId);
    const lastOffer = await call(t.app, "GET", `/api/v1/delegations?direction=received&pending=true&limit=2&cursor=${pendingPage.body.nextCursor}`, {
      jar: lila.jar,
    });
    expect(lastOffer.body.items).toHaveLength(1);
    expect(lastOffer.body.nextCursor).toBeNull();
    expect((await call(t.app, "GET", "/api/v1/delegations?cursor=%7B", { jar: lila.jar })).status).toBe(400);
    const accepted = await call(t.app, "POST", "/api/v1/delegations/accept-all", { jar: lila.jar, body: { grantorSpaceId: spaceId } });
    expect(accepted.body).toEqual({ accepted: 3, failed: [] });
    const mine = await call(t.app, "GET", "/api/v1/companies?service=messagerie", { jar: lila.jar });
    expect(mine.body.total).toBe(3);
    expect(mine.body.items[0].rights.find((r: { service: string }) => r.service === "messagerie").taxScope).toEqual(["TVA"]);
    // Bulk revocation: only the actor's own delegations fall.
    const ids = offered.body.items.filter((i: { id?: string }) => i.id).map((i: { id: string }) => i.id);
    expect(
      (await call(t.app, "POST", "/api/v1/delegations/revoke-batch", { jar: stranger.jar, body: { ids } })).body.items.every(
        (i: { status: string }) => i.status === "refused",
      ),
    ).toBe(true);
    expect((await call(t.app, "GET", "/api/v1/companies", { jar: lila.jar })).body.total).toBe(3);
    const revoked = await call(t.app, "POST", "/api/v1/delegations/revoke-batch", { jar, body: { ids } });
    expect(revoked.body.items.map((i: { status: string }) => i.status)).toEqual(["revoked", "revoked", "revoked"]);
    expect((await call(t.app, "GET", "/api/v1/companies", { jar: lila.jar })).body.total).toBe(0);
    // Bad input.
    expect(
      (await call(t.app, "POST", "/api/v1/delegations/batch", { jar, body: { email: lila.email, role: "delegate", services: ["cfe"], sirens: [] } })).status,
    ).toBe(400);
    expect(
      (
        await call(t.app, "POST", "/api/v1/delegations/batch", {
          jar,
          body: { email: "pas-une-adresse", role: "delegate", services: ["cfe"], sirens: clients },
        })
      ).status,
    ).toBe(400);
    expect((await call(t.app, "POST", "/api/v1/delegations/accept-all", { jar: lila.jar, body: { grantorSpaceId: "x" } })).status).toBe(400);
  });
});
