import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "csv-parse/sync";
import { call, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { letterCodes, newCompany, signIn, signedInPerson } from "../helpers/people.js";
import { SEED } from "../../src/app/demo.js";
import { loadAdministeredCompanies } from "../../src/app/factories.js";
import { DAY } from "../../src/platform/clock.js";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
});
afterAll(() => t.close());

let nextBase = 60_000_000;
/**
 * `count` companies named `<prefix> <i>` administered by the person on `cfe`, written as a data load writes them
 * (the triggers keep « mes entreprises »): the adhesion use case would post 600 letters.
 */
async function seedPortfolio(spaceId: string, count: number, prefix: string): Promise<string[]> {
  const base = nextBase;
  nextBase += count;
  return loadAdministeredCompanies(t.ctx, { base, count, spaceId, services: ["cfe"], name: (i) => `${prefix} ${String(i).padStart(4, "0")}` });
}

function csvOf(res: { raw: { body: string } }): string[][] {
  expect(res.raw.body.startsWith("\uFEFF")).toBe(true);
  const rows: string[][] = parse(res.raw.body, { delimiter: ";", bom: true });
  return rows;
}

describe("« Mes entreprises » as a table: CSV of every filtered row", () => {
  it("exports every matching company (beyond a page), with the filters and the sort of the table, and nobody else's", async () => {
    const firm = await signedInPerson(t, { siren: SEED.gestion.siren });
    const sirens = await seedPortfolio(firm.spaceId, 620, "BOULANGERIE ÉTOILE");
    await seedPortfolio(firm.spaceId, 3, "GARAGE DU PORT");
    const other = await signedInPerson(t, { siren: SEED.gestion.siren });
    await seedPortfolio(other.spaceId, 2, "CONFIDENTIEL");

    const res = await call(t.app, "GET", "/api/v1/companies.csv?q=boulangerie&sort=siren", { jar: firm.jar });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(res.headers["content-disposition"]).toBe('attachment; filename="mes-entreprises-2026-11-28.csv"');
    const rows = csvOf(res);
    expect(rows[0]).toEqual([
      "SIREN",
      "Entreprise",
      "Services détenus",
      "Messages non lus",
      "Demandes en cours",
      "Adhésions en attente",
      "Dernière activité (heure de Paris)",
    ]);
    // 620 rows: more than a page of the API (100) and of the export's own reads (500), in SIREN order.
    expect(rows.slice(1).map((r) => r[0])).toEqual([...sirens].sort());
    expect(rows[1]!.slice(2)).toEqual(["Consulter et payer la CFE (administrateur)", "0", "0", "0", ""]);
    expect(res.raw.body).toContain("\r\n");
    expect(res.raw.body).not.toContain("GARAGE DU PORT");
    expect(res.raw.body).not.toContain("CONFIDENTIEL");

    // The other filters apply as in the table; another person's export holds her companies only.
    const garages = csvOf(await call(t.app, "GET", "/api/v1/companies.csv?q=garage%20port&service=cfe&role=administrator", { jar: firm.jar }));
    expect(garages.slice(1).map((r) => r[1])).toEqual(["GARAGE DU PORT 0000", "GARAGE DU PORT 0001", "GARAGE DU PORT 0002"]);
    expect(csvOf(await call(t.app, "GET", "/api/v1/companies.csv?hasUnread=true", { jar: firm.jar }))).toHaveLength(1);
    const theirs = csvOf(await call(t.app, "GET", "/api/v1/companies.csv", { jar: other.jar }));
    expect(theirs.slice(1).map((r) => r[1])).toEqual(["CONFIDENTIEL 0000", "CONFIDENTIEL 0001"]);
    expect(csvOf(await call(t.app, "GET", "/api/v1/companies.csv?q=boulangerie", { jar: other.jar }))).toHaveLength(1);
  });

  it("answers 401 without a session and 400 for a filter it does not know", async () => {
    expect((await call(t.app, "GET", "/api/v1/companies.csv")).status).toBe(401);
    const { jar } = await signedInPerson(t, { siren: SEED.gestion.siren });
    for (const query of ["service=inconnu", "sort=taille", "hasUnread=oui", "role=roi"]) {
      const res = await call(t.app, "GET", `/api/v1/companies.csv?${query}`, { jar });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBeTypeOf("string");
    }
  });

  it("sorts the table by open requests, keyset pages that meet every company once", async () => {
    const { jar, spaceId } = await signedInPerson(t, { siren: SEED.gestion.siren });
    const sirens = await seedPortfolio(spaceId, 5, "TRANSPORTS");
    await t.ctx.db
      .insertInto("company_activity")
      .values([
        { siren: sirens[3]!, tax: "TVA", unread: 0, open_requests: 4 },
        { siren: sirens[1]!, tax: "TVA", unread: 0, open_requests: 2 },
      ])
      .execute();
    // Open requests count where the person's messagerie reaches: give her the messagerie on all five.
    await t.ctx.db.updateTable("rights").set({ service: "messagerie" }).where("space_id", "=", spaceId).execute();
    const first = await call(t.app, "GET", "/api/v1/companies?sort=openRequests&limit=2", { jar });
    expect(first.status).toBe(200);
    expect(first.body.items.map((c: { openRequests: number }) => c.openRequests)).toEqual([4, 2]);
    const rest = await call(t.app, "GET", `/api/v1/companies?sort=openRequests&limit=10&cursor=${first.body.nextCursor}`, { jar });
    const walked = [...first.body.items, ...rest.body.items].map((c: { siren: string }) => c.siren);
    expect(walked).toHaveLength(5);
    expect(new Set(walked)).toEqual(new Set(sirens));
    // A cursor of another sort is refused.
    expect((await call(t.app, "GET", `/api/v1/companies?sort=name&cursor=${first.body.nextCursor}`, { jar })).status).toBe(400);
  });
});

describe("bulk delegation to the filtered selection", () => {
  it("offers the delegation on every company the filters select, and refuses a selection over 500 before any offer", async () => {
    const firm = await signedInPerson(t, { siren: SEED.gestion.siren });
    const chosen = await seedPortfolio(firm.spaceId, 3, "PHARMACIE DES LILAS");
    const many = await seedPortfolio(firm.spaceId, 501, "HOLDING MARTIN");
    const lila = await signedInPerson(t, { siren: SEED.gestion.siren, firstName: "Lila", lastName: "Rosemonde" });
    const offers = () => t.ctx.db.selectFrom("delegation_offers").select("siren").where("to_space_id", "=", lila.spaceId).execute();

    const tooMany = await call(t.app, "POST", "/api/v1/delegations/batch", {
      jar: firm.jar,
      body: { email: lila.email, role: "delegate", services: ["cfe"], filter: { q: "holding" } },
    });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error.code).toBe("too_many_companies");
    expect(tooMany.body.error.message).toMatch(/La sélection compte 501 entreprises .* 500 entreprises au plus\. Affinez les filtres/);
    expect(await offers()).toHaveLength(0);

    const done = await call(t.app, "POST", "/api/v1/delegations/batch", {
      jar: firm.jar,
      body: { email: lila.email, role: "delegate", services: ["cfe"], filter: { q: "pharmacie lilas", service: "cfe" } },
    });
    expect(done.status).toBe(200);
    expect(done.body.items.map((i: { siren: string; status: string }) => [i.siren, i.status])).toEqual([...chosen].sort().map((s) => [s, "offered"]));
    expect((await offers()).map((o) => o.siren).sort()).toEqual([...chosen].sort());
    expect(many).toHaveLength(501);

    // The selection is the actor's own: another person's filter reaches none of the firm's companies.
    const stranger = await signedInPerson(t, { siren: SEED.gestion.siren });
    const none = await call(t.app, "POST", "/api/v1/delegations/batch", {
      jar: stranger.jar,
      body: { email: lila.email, role: "delegate", services: ["cfe"], filter: { q: "pharmacie" } },
    });
    expect(none.status).toBe(200);
    expect(none.body.items).toEqual([]);

    // Both forms at once, or neither, or an unknown filter: 400; no session: 401.
    for (const body of [
      { email: lila.email, role: "delegate", services: ["cfe"] },
      { email: lila.email, role: "delegate", services: ["cfe"], sirens: chosen, filter: {} },
      { email: lila.email, role: "delegate", services: ["cfe"], filter: { service: "inconnu" } },
      { email: lila.email, role: "delegate", services: ["cfe"], filter: { taille: "grande" } },
    ]) {
      expect((await call(t.app, "POST", "/api/v1/delegations/batch", { jar: firm.jar, body })).status).toBe(400);
    }
    expect(
      (await call(t.app, "POST", "/api/v1/delegations/batch", { body: { email: lila.email, role: "delegate", services: ["cfe"], filter: {} } })).status,
    ).toBe(401);
  });
});

describe("pending activations", () => {
  it("lists the adhesions waiting for their letter's code, soonest expiry first, with the letter's date and the code's expiry", async () => {
    const person = await signedInPerson(t, { siren: SEED.gestion.siren });
    // Days pass between the requests: the person signs in again each time.
    const later = async (ms: number) => {
      t.clock.advance(ms);
      person.jar = await signIn(t, person.email);
    };
    const [a, b, c] = [await newCompany(t, "ACTIVATION A"), await newCompany(t, "ACTIVATION B"), await newCompany(t, "ACTIVATION C")];
    const adhere = async (siren: string) =>
      (await call(t.app, "POST", "/api/v1/adhesions", { jar: person.jar, body: { siren, quality: "mandated", services: ["cfe"] } })).body.id as string;
    const first = await adhere(a);
    await later(2 * DAY);
    const second = await adhere(b);
    await later(DAY);
    const third = await adhere(c);
    await later(DAY);
    await adhere(await newCompany(t, "ACTIVATION D"));
    // One of them activated: no longer pending; another person's pending adhesion is not listed.
    const { activationCode } = await letterCodes(t, c);
    expect((await call(t.app, "POST", `/api/v1/adhesions/${third}/activate`, { jar: person.jar, body: { code: activationCode } })).status).toBe(200);
    const other = await signedInPerson(t, { siren: SEED.gestion.siren });
    await call(t.app, "POST", "/api/v1/adhesions", { jar: other.jar, body: { siren: a, quality: "mandated", services: ["cfe"] } });

    const page = await call(t.app, "GET", "/api/v1/adhesions?status=letter_issued&limit=1", { jar: person.jar });
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(3);
    expect(page.body.items[0].id).toBe(first);
    expect(page.body.items[0].letterSentAt).toBe("2026-11-28T09:00:00.000Z");
    expect(page.body.items[0].codeExpiresAt).toBe(new Date(Date.parse("2026-11-28T09:00:00.000Z") + 60 * DAY).toISOString());
    const next = await call(t.app, "GET", `/api/v1/adhesions?status=letter_issued&limit=2&cursor=${page.body.nextCursor}`, { jar: person.jar });
    expect(next.body.items[0].id).toBe(second);
    expect(next.body.items[0].letterSentAt).toBe("2026-11-30T09:00:00.000Z");
    expect(next.body.items.map((i: { status: string }) => i.status)).toEqual(["letter_issued", "letter_issued"]);
    const codes = [...page.body.items, ...next.body.items].map((i: { codeExpiresAt: string }) => i.codeExpiresAt);
    expect([...codes].sort()).toEqual(codes);
    expect(next.body.nextCursor).toBeNull();

    expect((await call(t.app, "GET", "/api/v1/adhesions?status=letter_issued", { jar: other.jar })).body.total).toBe(1);
    expect((await call(t.app, "GET", "/api/v1/adhesions?status=letter_issued")).status).toBe(401);
    expect((await call(t.app, "GET", "/api/v1/adhesions?status=lettre", { jar: person.jar })).status).toBe(400);
    expect((await call(t.app, "GET", "/api/v1/adhesions?status=letter_issued&cursor=abc", { jar: person.jar })).status).toBe(400);
  });
});
