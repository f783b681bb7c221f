import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { signedInPerson } from "../helpers/people.js";
import { SEED } from "../../src/app/demo.js";
import { loadAdministeredCompanies, makePortfolio } from "../../src/app/factories.js";
import { fileRequest, hintedInboxPlan } from "../../src/modules/requests/index.js";
import { messagerieCovers } from "../../src/modules/rights/index.js";
import { sql } from "kysely";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
});
afterAll(() => t.close());

let nextBase = 61_000_000;
/** Messagerie rights on Martin (the adhesion use case) and on `others` companies more, written as a data load writes them. */
async function portfolio(spaceId: string, others: number): Promise<void> {
  await makePortfolio(
    { ...t.ctx, publicUrl: "http://localhost" },
    { spaceId, sirens: [SEED.martin.siren], services: ["messagerie"], companyEmail: () => "contact@martin-distribution.fr" },
  );
  if (others === 0) return;
  await loadAdministeredCompanies(t.ctx, { base: nextBase, count: others, spaceId, services: ["messagerie"] });
  nextBase += others;
}

describe("the inbox of a portfolio keeps its plan a minute, never its rights", () => {
  it("a right withdrawn within that minute hides its requests at once; a person of few companies is read each time", async () => {
    const firm = await signedInPerson(t, { siren: SEED.gestion.siren });
    await portfolio(firm.spaceId, 40);
    const deps = { db: t.ctx.db, clock: t.ctx.clock, receiptKeys: t.ctx.receiptKeys };
    const filed = [];
    for (const tax of ["TVA", "IS"]) {
      filed.push(
        await fileRequest(deps, firm.spaceId, {
          siren: SEED.martin.siren,
          tax,
          nature: "question",
          subject: `Question ${tax}`,
          body: "Bonjour",
          uploadIds: [],
        }),
      );
    }
    // The ids seen, in a fixed order (the two requests share their instant of activity).
    const inbox = async (jar = firm.jar) =>
      ((await call(t.app, "GET", "/api/v1/requests", { jar })).body.items.map((i: { id: string }) => i.id) as string[]).sort();
    expect(await inbox()).toEqual(filed.map((f) => f.id).sort());
    // 41 companies: the steered walk, now kept for her a minute.
    expect(hintedInboxPlan(firm.spaceId, t.clock.now())).toBe("steered");
    t.clock.advance(60_001);
    expect(hintedInboxPlan(firm.spaceId, t.clock.now())).toBeUndefined();
    expect(await inbox()).toEqual(filed.map((f) => f.id).sort());
    expect(hintedInboxPlan(firm.spaceId, t.clock.now())).toBe("steered");

    // Martin's right and 20 others withdrawn: 20 companies left, for which a fresh choice would read her rights
    // company by company; the kept plan serves her, and her rights as they are now.
    const twenty = await t.ctx.db
      .selectFrom("rights")
      .select("siren")
      .where("space_id", "=", firm.spaceId)
      .where("siren", "<>", SEED.martin.siren)
      .orderBy("siren")
      .limit(20)
      .execute();
    await t.ctx.db
      .updateTable("rights")
      .set({ state: "revoked", revoked_at: t.clock.now() })
      .where("space_id", "=", firm.spaceId)
      .where("siren", "in", [SEED.martin.siren, ...twenty.map((r) => r.siren)])
      .execute();
    const left = await t.ctx.db.selectFrom("rights").select("siren").where("space_id", "=", firm.spaceId).where("state", "=", "active").execute();
    expect(left).toHaveLength(20);
    expect(await inbox()).toEqual([]);
    // The kept plan served that call: it walked to the end of the requests and was dropped (a fresh choice, company by
    // company, leaves kept plans alone). The next call chooses afresh, and keeps nothing for 20 companies.
    expect(hintedInboxPlan(firm.spaceId, t.clock.now())).toBeUndefined();
    expect(await inbox()).toEqual([]);
    expect(hintedInboxPlan(firm.spaceId, t.clock.now())).toBeUndefined();

    // A person of one company (Martin: she sees its requests, whoever filed them): her rights are the plan's input,
    // never kept.
    const one = await signedInPerson(t, { siren: SEED.gestion.siren });
    await portfolio(one.spaceId, 0);
    const own = await fileRequest(deps, one.spaceId, {
      siren: SEED.martin.siren,
      tax: "TVA",
      nature: "question",
      subject: "Seule",
      body: "Bonjour",
      uploadIds: [],
    });
    expect(await inbox(one.jar)).toEqual([...filed.map((f) => f.id), own.id].sort());
    expect(hintedInboxPlan(one.spaceId, t.clock.now())).toBeUndefined();
  });

  it("the steered walk reads her two sets of rights (every tax; tax-scoped) each from its own index, her rows only", async () => {
    const firm = await signedInPerson(t, { siren: SEED.gestion.siren });
    await portfolio(firm.spaceId, 30);
    // One right narrowed to VAT: the second set holds it.
    await t.ctx.db
      .updateTable("rights")
      .set({ tax_scope: JSON.stringify(["TVA"]) })
      .where("space_id", "=", firm.spaceId)
      .where("siren", "=", SEED.martin.siren)
      .execute();
    const now = t.clock.now();
    const plan = await t.ctx.db.transaction().execute(async (tx) => {
      // The tables are tiny here: without this, a sequential scan is as good as any index.
      await sql`SET LOCAL enable_seqscan = off`.execute(tx);
      await sql`SET LOCAL enable_bitmapscan = off`.execute(tx);
      return sql<{ "QUERY PLAN": string }>`EXPLAIN SELECT requests.id FROM requests WHERE ${messagerieCovers(firm.spaceId, now)}
        ORDER BY requests.last_activity_at DESC, requests.id DESC LIMIT 51`.execute(tx);
    });
    const text = plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
    expect(text).toMatch(/Index Only Scan using rights_messagerie_whole/);
    expect(text).toMatch(/Index Only Scan using rights_messagerie_scoped/);
    // The sets hold what the rule says: Martin for VAT only, the 30 others for every tax.
    const pairs = await sql<{
      siren: string;
      tax: string;
    }>`SELECT g.siren, t.tax FROM rights g CROSS JOIN LATERAL jsonb_array_elements_text(g.tax_scope) AS t(tax)
      WHERE g.space_id = ${firm.spaceId} AND g.service = 'messagerie' AND g.state = 'active' AND g.tax_scope IS NOT NULL`.execute(t.ctx.db);
    expect(pairs.rows).toEqual([{ siren: SEED.martin.siren, tax: "TVA" }]);
  });
});
