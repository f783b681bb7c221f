import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, seedReferenceData, startTestApp, type TestApp } from "./helpers/app.js";
import { activeAdministrator, newCompany, signIn } from "./helpers/people.js";
import { upload } from "./helpers/upload.js";
import { addNote, applyRetention, setLegalHold, sweepFiles } from "../src/modules/requests/index.js";
import { makeAgent } from "../src/app/factories.js";
import { HOUR, YEAR } from "../src/platform/clock.js";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
});
afterAll(async () => t.close());

describe("retention (product §8)", () => {
  it("archives 4 years after closing, purges after 10 with attachments, except under a legal hold", async () => {
    const free = await newCompany(t, "LIBRE SA");
    const held = await newCompany(t, "CONTENTIEUX SA");
    const a = await activeAdministrator(t, free, { services: ["messagerie"], companyEmail: "a@libre.fr" });
    const b = await activeAdministrator(t, held, { services: ["messagerie"], companyEmail: "b@contentieux.fr" });
    const file = await upload(t.app, a.jar, "piece.txt", "contenu conservé dix ans");
    const r1 = await call(t.app, "POST", "/api/v1/requests", {
      jar: a.jar,
      body: { siren: free, tax: "IS", nature: "question", subject: "Ancienne", body: "x", uploadIds: [file.body.uploadId] },
    });
    const r2 = await call(t.app, "POST", "/api/v1/requests", {
      jar: b.jar,
      body: { siren: held, tax: "IS", nature: "question", subject: "Sous conservation", body: "x", uploadIds: [] },
    });
    // Agents' notes go after 2 years, unless the company is under a legal hold.
    const services = [...new Set((await t.ctx.db.selectFrom("requests").select("service_code").execute()).map((r) => r.service_code))];
    const agent = await makeAgent(t.ctx, {
      email: "agent.retention@dgfip.test",
      name: "Agent Rétention",
      services,
      password: "Guichet-Fiscal-Solide-42",
      totpSecret: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B",
    });
    const deps = { db: t.ctx.db, clock: t.clock, receiptKeys: t.ctx.receiptKeys };
    await addNote(deps, { id: agent.id, services }, r1.body.id, "note interne libre");
    await addNote(deps, { id: agent.id, services }, r2.body.id, "note interne conservée");
    await call(t.app, "POST", `/api/v1/requests/${r1.body.id}/close`, { jar: a.jar });
    await call(t.app, "POST", `/api/v1/requests/${r2.body.id}/close`, { jar: b.jar });
    await setLegalHold(t.ctx, held, true, "contentieux en cours");

    t.clock.advance(2 * YEAR + 1);
    expect(await applyRetention(t.ctx)).toEqual({ archived: 0, purged: 0, notesPurged: 1 });
    expect((await t.ctx.db.selectFrom("request_notes").select("body").execute()).map((n) => n.body)).toEqual(["note interne conservée"]);
    t.clock.advance(2 * YEAR);
    expect(await applyRetention(t.ctx)).toEqual({ archived: 2, purged: 0, notesPurged: 0 });
    const aJar = await signIn(t, a.email);
    expect((await call(t.app, "GET", "/api/v1/requests", { jar: aJar })).body.items).toEqual([]);
    expect((await call(t.app, "GET", "/api/v1/requests?archived=true", { jar: aJar })).body.items.map((r: { id: string }) => r.id)).toEqual([r1.body.id]);
    expect((await call(t.app, "GET", `/api/v1/requests/${r1.body.id}`, { jar: aJar })).status).toBe(200);

    t.clock.advance(6 * YEAR);
    expect(await applyRetention(t.ctx)).toEqual({ archived: 0, purged: 1, notesPurged: 0 });
    expect(await t.ctx.db.selectFrom("requests").select("id").where("id", "=", r1.body.id).executeTakeFirst()).toBeUndefined();
    // The company's activity follows: no open request, nothing unread.
    expect(await t.ctx.db.selectFrom("company_activity").select(["unread", "open_requests"]).where("siren", "=", free).execute()).toEqual([
      { unread: 0, open_requests: 0 },
    ]);
    expect(await t.ctx.db.selectFrom("requests").select("id").where("id", "=", r2.body.id).executeTakeFirst()).toBeDefined();
    // The file is let go, not deleted at once: a database restored to before the purge still finds it. The sweep
    // removes it once its grace (1 hour outside production, 7 days in production) is over.
    expect(await t.ctx.files.exists(file.body.sha256)).toBe(true);
    expect((await sweepFiles(t.ctx)).unreferenced).toBe(0);
    expect(await t.ctx.files.exists(file.body.sha256)).toBe(true);
    t.clock.advance(HOUR + 1000);
    expect((await sweepFiles(t.ctx)).unreferenced).toBe(1);
    expect(await t.ctx.files.exists(file.body.sha256)).toBe(false);
    const journal = (await t.ctx.db.selectFrom("journal").select("action").execute()).map((j) => j.action);
    expect(journal).toEqual(expect.arrayContaining(["retention.archived", "retention.purged", "retention.notes_purged", "legal_hold.set"]));

    await setLegalHold(t.ctx, held, false, "contentieux clos");
    expect(await applyRetention(t.ctx)).toEqual({ archived: 0, purged: 1, notesPurged: 0 });
  });
});
