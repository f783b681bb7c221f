import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { correspondenceDepsOf } from "../../src/app/context.js";
import { call, CookieJar, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { activeAdministrator, AGENT_PASSWORD, agentSignIn, newCompany, signedInPerson, signIn } from "../helpers/people.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";
import { DAY, HOUR, MINUTE } from "../../src/platform/clock.js";
import { foldOpenCounts } from "../../src/modules/requests/index.js";
import { runHousekeeping } from "../../src/app/worker.js";
import { assertOpenCountsKept } from "../helpers/open-counts.js";
import { runCampaign, submitCampaign } from "../../src/modules/correspondence/index.js";

/** The company desk reached by a search, its letters, and the supervisors' figures per agent (product §18). */
let t: TestApp;
let robert: Awaited<ReturnType<typeof activeAdministrator>>;
const ids: Record<string, string> = {};
const AGENTS = {
  paul: ["agent.paris11@dgfip.test", "Paul Agent", ["SIE-75111"], false, "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B"],
  pierre: ["pierre.paris11@dgfip.test", "Pierre Collègue", ["SIE-75111"], false, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"],
  sophie: ["superviseure.paris11@dgfip.test", "Sophie Superviseure", ["SIE-75111"], true, "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U"],
  louis: ["agent.lyon@dgfip.test", "Louis Agent", ["SIE-69381"], false, "ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU"],
  camille: ["agent.cdif75@dgfip.test", "Camille Agent", ["CDIF-75"], false, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"],
} as const;
type Who = keyof typeof AGENTS;
/** Signs an agent in with a fresh TOTP code; the helper moves the clock 30 s on first (a code is accepted once). */
const agent = (who: Who) => agentSignIn(t, AGENTS[who][0], AGENTS[who][4]);
/** Moves the clock to `base + ms`, then signs the agent in there (his sign-in lands exactly on that instant). */
async function agentAt(who: Who, base: number, ms: number): Promise<CookieJar> {
  t.clock.advance(base + ms - 30_000 - t.clock.now().getTime());
  const jar = await agent(who);
  expect(t.clock.now().getTime()).toBe(base + ms);
  return jar;
}
const file = async (subject: string) => {
  robert.jar = await signIn(t, robert.email);
  const res = await call(t.app, "POST", "/api/v1/requests", {
    jar: robert.jar,
    body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject, body: "Une question sur la TVA.", uploadIds: [] },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; reference: string };
};
const versionOf = async (jar: CookieJar, id: string) => (await call(t.app, "GET", `/api/v1/backoffice/requests/${id}`, { jar })).body.version as number;
const answer = async (jar: CookieJar, id: string) => {
  const res = await call(t.app, "POST", `/api/v1/backoffice/requests/${id}/messages`, {
    jar,
    body: { body: "Voici notre réponse.", status: "answered", version: await versionOf(jar, id) },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
};
const assign = async (jar: CookieJar, id: string, agentId: string) => {
  const res = await call(t.app, "POST", `/api/v1/backoffice/requests/${id}/assign`, { jar, body: { agentId, version: await versionOf(jar, id) } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
};

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
  for (const [key, [email, name, services, isSupervisor, totpSecret]] of Object.entries(AGENTS)) {
    ids[key] = (await makeAgent(t.ctx, { email, name, services: [...services], isSupervisor, password: AGENT_PASSWORD, totpSecret })).id;
  }
});
afterAll(async () => t?.close());

describe("the supervisors' figures per agent", () => {
  it("counts each agent's first answers, their median time and his open assigned requests; null, not 0, for none", async () => {
    const base = t.clock.now().getTime();
    const a = await file("Question A");
    t.clock.advance(HOUR);
    const b = await file("Question B");
    t.clock.advance(HOUR);
    const c = await file("Question C");
    // Paul answers A after 4 h and B after 5 h (median 4.5 h); Pierre answers C after 6 h.
    let paul = await agentAt("paul", base, 4 * HOUR);
    await answer(paul, a.id);
    await assign(paul, a.id, ids.paul!);
    paul = await agentAt("paul", base, 6 * HOUR);
    await answer(paul, b.id);
    const pierre = await agentAt("pierre", base, 8 * HOUR);
    await answer(pierre, c.id);
    // A second message on A is not a first answer: it counts for nobody.
    await answer(pierre, a.id);
    const d = await file("Question D");
    await assign(pierre, d.id, ids.pierre!);

    const sophie = await agent("sophie");
    const day = new Date(base).toISOString().slice(0, 10);
    const q = `service=SIE-75111&from=${new Date(base - 24 * HOUR).toISOString().slice(0, 10)}&to=${day}`;
    const stats = await call(t.app, "GET", `/api/v1/backoffice/stats?${q}`, { jar: sophie });
    expect(stats.status, JSON.stringify(stats.body)).toBe(200);
    const figure = (who: Who) =>
      stats.body.agents.find((x: { agent: { id: string } }) => x.agent.id === ids[who]) as {
        agent: { displayName: string };
        answered: number;
        medianFirstAnswerHours: number | null;
        openAssigned: number;
      };
    expect(figure("paul")).toEqual({ agent: { id: ids.paul, displayName: "Paul Agent" }, answered: 2, medianFirstAnswerHours: 4.5, openAssigned: 1 });
    expect(figure("pierre")).toEqual({ agent: { id: ids.pierre, displayName: "Pierre Collègue" }, answered: 1, medianFirstAnswerHours: 6, openAssigned: 1 });
    expect(figure("sophie")).toEqual({
      agent: { id: ids.sophie, displayName: "Sophie Superviseure" },
      answered: 0,
      medianFirstAnswerHours: null,
      openAssigned: 0,
    });
    // Only the service's agents, by name; their first answers add up to the service's.
    expect(stats.body.agents.map((x: { agent: { displayName: string } }) => x.agent.displayName)).toEqual([
      "Paul Agent",
      "Pierre Collègue",
      "Sophie Superviseure",
    ]);
    expect(stats.body.totals.answered).toBe(3);
    expect(stats.body.firstAnswer.medianHours).toBe(5);

    // The CSV: a first line naming the service and the period, French headers with units, decimal commas, empty cells.
    const csv = await t.app.inject({ method: "GET", url: `/api/v1/backoffice/stats.csv?${q}`, headers: { cookie: sophie.header() } });
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.replace(/^\ufeff/, "").split("\r\n");
    const fr = (iso: string) => iso.split("-").reverse().join("/");
    expect(lines[0]).toBe(
      `Tableau de bord du service SIE Paris 11e (SIE-75111), du ${fr(new Date(base - 24 * HOUR).toISOString().slice(0, 10))} au ${fr(day)} inclus, heure de Paris`,
    );
    expect(lines).toContain("Jour;Demandes reçues (nombre);Premières réponses données (nombre)");
    expect(lines).toContain(`${fr(day)};4;3`);
    expect(lines).toContain("Délai médian de première réponse (heures);5");
    expect(lines).toContain("Paul Agent;2;4,5;1");
    expect(lines).toContain("Sophie Superviseure;0;;0");
    expect(lines.some((l) => l.startsWith("En stock : Reçue (nombre);"))).toBe(true);

    // A plain agent of the service: 403; an agent of another service: 404 (he does not know the service).
    const plain = await call(t.app, "GET", `/api/v1/backoffice/stats?${q}`, { jar: await agent("paul") });
    expect([plain.status, plain.body.error.code]).toEqual([403, "supervisor_only"]);
    const other = await call(t.app, "GET", `/api/v1/backoffice/stats?${q}`, { jar: await agent("louis") });
    expect([other.status, other.body.error.code]).toEqual([404, "service_not_found"]);

    // A first answer whose author was not recorded (written before the dashboard kept him) still counts for the
    // service, and for no agent.
    await t.ctx.db.updateTable("requests").set({ first_answer_agent_id: null }).where("id", "=", c.id).execute();
    const unrecorded = await call(t.app, "GET", `/api/v1/backoffice/stats?${q}`, { jar: sophie });
    expect(unrecorded.body.firstAnswer).toEqual(stats.body.firstAnswer);
    expect(unrecorded.body.firstAnswer.count).toBe(3);
    expect(unrecorded.body.agents.find((x: { agent: { id: string } }) => x.agent.id === ids.pierre)).toMatchObject({
      answered: 0,
      medianFirstAnswerHours: null,
    });
    expect(unrecorded.body.agents.find((x: { agent: { id: string } }) => x.agent.id === ids.paul)).toMatchObject({ answered: 2, medianFirstAnswerHours: 4.5 });
  });

  it("gives an empty period no median at all (null, an empty CSV cell), and zeros for counts", async () => {
    const sophie = await agent("sophie");
    const q = "service=SIE-75111&from=2025-01-01&to=2025-01-31";
    const stats = await call(t.app, "GET", `/api/v1/backoffice/stats?${q}`, { jar: sophie });
    expect(stats.body.firstAnswer).toEqual({ count: 0, medianHours: null, p90Hours: null, exact: true });
    expect(stats.body.agents.every((a: { answered: number; medianFirstAnswerHours: null }) => a.answered === 0 && a.medianFirstAnswerHours === null)).toBe(
      true,
    );
    const csv = await t.app.inject({ method: "GET", url: `/api/v1/backoffice/stats.csv?${q}`, headers: { cookie: sophie.header() } });
    const lines = csv.body.split("\r\n");
    expect(lines[0]).toContain("du 01/01/2025 au 31/01/2025 inclus");
    expect(lines).toContain("Délai médian de première réponse (heures);");
    expect(lines).toContain("90e centile du délai de première réponse (heures);");
  });
});

describe("the backlog kept on write", () => {
  type Stats = { backlog: Record<string, number>; overdue: number; agents: { agent: { id: string }; openAssigned: number }[] };
  /** The figures of « now » as the dashboard answers them to the supervisor, and as a count of the requests gives them. */
  const now = async () => {
    const jar = await agent("sophie");
    const day = (ms: number) => new Date(t.clock.now().getTime() + ms).toISOString().slice(0, 10);
    const res = await call(t.app, "GET", `/api/v1/backoffice/stats?service=SIE-75111&from=${day(-DAY)}&to=${day(0)}`, { jar });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const body = res.body as Stats;
    return {
      backlog: body.backlog,
      overdue: body.overdue,
      assigned: Object.fromEntries(body.agents.map((a) => [a.agent.id, a.openAssigned])),
    };
  };
  const counted = async () => {
    const at = t.clock.now();
    const open = t.ctx.db.selectFrom("requests").where("service_code", "=", "SIE-75111").where("status", "<>", "closed").where("archived_at", "is", null);
    const queued = open.where((e) => e.or([e("campaign_id", "is", null), e("company_replied_at", "is not", null)]));
    const byStatus = await queued
      .select(["status", (e) => e.fn.countAll<number>().as("n")])
      .groupBy("status")
      .execute();
    const byAgent = await open
      .select(["assignee_agent_id", (e) => e.fn.countAll<number>().as("n")])
      .groupBy("assignee_agent_id")
      .execute();
    const overdue = await queued
      .select((e) => e.fn.countAll<number>().as("n"))
      .where(sql<boolean>`due_at < ${at}`)
      .executeTakeFirstOrThrow();
    const backlog: Record<string, number> = { received: 0, in_progress: 0, awaiting_user: 0, answered: 0 };
    for (const r of byStatus) backlog[r.status] = Number(r.n);
    const assigned: Record<string, number> = { [ids.paul!]: 0, [ids.pierre!]: 0, [ids.sophie!]: 0 };
    for (const r of byAgent) if (r.assignee_agent_id) assigned[r.assignee_agent_id] = Number(r.n);
    return { backlog, overdue: Number(overdue.n), assigned };
  };
  /** Gives each request its deadline (the first answer's; no legal one): its due_at, through the update trigger. */
  const dueAt = async (...deadlines: [{ id: string }, number][]) => {
    for (const [r, due] of deadlines)
      await t.ctx.db
        .updateTable("requests")
        .set({ first_answer_due_at: new Date(due), legal_due_at: null })
        .where("id", "=", r.id)
        .execute();
  };
  const rowsOfService = async () =>
    (
      await sql<{ n: number; folded: number }>`
      SELECT count(*)::int AS n, count(*) FILTER (WHERE folded)::int AS folded FROM service_open_counts WHERE service_code = 'SIE-75111'`.execute(t.ctx.db)
    ).rows[0]!;

  it("answers the backlog, the overdue and each agent's open requests from the counts, as a count of the requests would", async () => {
    // Noon (UTC) of the next day: the deadlines below fall on both sides of now, and of the day's start.
    t.clock.advance(Date.parse(`${new Date(t.clock.now().getTime() + DAY).toISOString().slice(0, 10)}T12:00:00Z`) - t.clock.now().getTime());
    const at = t.clock.now().getTime();
    const [e, f, g, h] = [await file("Question E"), await file("Question F"), await file("Question G"), await file("Question H")];
    // E was due yesterday, F an hour ago (today), G in an hour (today), H tomorrow.
    await dueAt([e, at - DAY], [f, at - HOUR], [g, at + HOUR], [h, at + DAY]);
    const before = await now();
    expect(before).toEqual(await counted());
    expect(before.backlog.received).toBeGreaterThanOrEqual(4);

    // Time alone moves the overdue: two hours later G is past too (the part of today read from the queue's index).
    t.clock.advance(2 * HOUR);
    const later = await now();
    expect(later.overdue).toBe(before.overdue + 1);
    expect(later).toEqual(await counted());

    // Assigned, answered, transferred, closed: each change moves the figures as the requests say.
    const paul = await agent("paul");
    await assign(paul, e.id, ids.paul!);
    await assign(paul, f.id, ids.paul!);
    await answer(paul, f.id);
    const moved = await call(t.app, "POST", `/api/v1/backoffice/requests/${g.id}/transfer`, {
      jar: paul,
      body: { serviceCode: "SIE-69381", reason: "Entreprise suivie à Lyon", version: await versionOf(paul, g.id) },
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const closed = await call(t.app, "POST", `/api/v1/backoffice/requests/${h.id}/close`, {
      jar: paul,
      body: { version: await versionOf(paul, h.id), reason: "Demande faite en double" },
    });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    const after = await now();
    expect(after).toEqual(await counted());
    expect(after.assigned[ids.paul!]).toBe(later.assigned[ids.paul!]! + 2);
    expect(after.backlog.answered).toBe(later.backlog.answered! + 1);
    expect(after.backlog.received).toBe(later.backlog.received! - 4);

    // A reply that keeps its request's state writes no count; one that moves it writes its two states.
    const rows = await rowsOfService();
    const reply = async (id: string) => {
      robert.jar = await signIn(t, robert.email);
      const res = await call(t.app, "POST", `/api/v1/requests/${id}/messages`, { jar: robert.jar, body: { body: "Précision.", uploadIds: [] } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    };
    await reply(f.id); // answered → in progress
    expect((await rowsOfService()).n).toBe(rows.n + 2);
    await reply(f.id); // stays in progress
    expect((await rowsOfService()).n).toBe(rows.n + 2);
    expect(await now()).toEqual(await counted());

    // Folded: one row per key, the same figures.
    const figures = await now();
    const fold = await foldOpenCounts(t.ctx);
    expect(fold.services).toBeGreaterThanOrEqual(2); // Paris, and Lyon which received G
    const folded = await rowsOfService();
    expect(folded.folded).toBe(folded.n);
    const keys = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM (SELECT DISTINCT kind, assignee_agent_id, status, due_day FROM service_open_counts WHERE service_code = 'SIE-75111') k`.execute(
      t.ctx.db,
    );
    expect(folded.n).toBe(keys.rows[0]!.n);
    expect(await now()).toEqual(figures);
    expect(await foldOpenCounts(t.ctx)).toEqual({ services: 0, rows: 0 });
    await assertOpenCountsKept(t.ctx.db);
  });

  it("puts a deadline at midnight (UTC) on its side of now: read at midnight exactly, then 30 s after", async () => {
    const midnight = Date.parse(`${new Date(t.clock.now().getTime() + DAY).toISOString().slice(0, 10)}T00:00:00Z`);
    const [i, j] = [await file("Question I"), await file("Question J")];
    await dueAt([i, midnight - 1], [j, midnight]);
    // The supervisor's sign-in moves the clock 30 s on: the first reading is at midnight exactly.
    t.clock.advance(midnight - 30_000 - t.clock.now().getTime());
    const atMidnight = await now();
    expect(t.clock.now().getTime()).toBe(midnight);
    expect(atMidnight).toEqual(await counted());
    // J, due at midnight, is overdue once midnight is past (today's part, from the queue's index); I was already.
    const after = await now();
    expect(after.overdue).toBe(atMidnight.overdue + 1);
    expect(after).toEqual(await counted());
  });

  it("keeps them exact while changes and folds run at once, and when requests are deleted", async () => {
    const ids4: { id: string }[] = [];
    for (const i of [1, 2, 3, 4, 5, 6]) ids4.push(await file(`Question simultanée ${i}`));
    const agents = [ids.paul!, ids.pierre!, null];
    // Each request changes assignee three times, each change its own statement on its own connection; folds run between.
    const work: Promise<unknown>[] = [];
    for (let round = 0; round < 3; round++) {
      for (const [i, r] of ids4.entries())
        work.push(
          t.ctx.db
            .updateTable("requests")
            .set({ assignee_agent_id: agents[(i + round) % 3] })
            .where("id", "=", r.id)
            .execute(),
        );
      work.push(foldOpenCounts(t.ctx));
    }
    await Promise.all(work);
    await assertOpenCountsKept(t.ctx.db);
    // The housekeeping folds what a change appended after the last fold.
    await t.ctx.db.updateTable("requests").set({ assignee_agent_id: ids.sophie! }).where("id", "=", ids4[0]!.id).execute();
    expect((await runHousekeeping(t.ctx)).openCounts?.services).toBeGreaterThanOrEqual(1);
    await assertOpenCountsKept(t.ctx.db);
    // Two open requests deleted in one statement (an erasure by hand): their rows leave the counts.
    await t.ctx.db.deleteFrom("requests").where("id", "in", [ids4[1]!.id, ids4[2]!.id]).execute();
    await assertOpenCountsKept(t.ctx.db);
    await foldOpenCounts(t.ctx);
    const keys = await sql<{ rows: number; keys: number }>`
      SELECT count(*)::int AS rows, count(DISTINCT (service_code, kind, assignee_agent_id, status, due_day))::int AS keys FROM service_open_counts`.execute(
      t.ctx.db,
    );
    expect(keys.rows[0]!.rows).toBe(keys.rows[0]!.keys);
  });
});

describe("the company desk", () => {
  it("finds the companies of my SIE by SIREN or words of the name, a page at a time; a CDIF or another SIE finds none", async () => {
    const one = await newCompany(t, "BOULANGERIE DU CANAL SAINT MARTIN");
    await newCompany(t, "BOULANGERIE DES ARTS");
    const paul = await agent("paul");
    const search = async (jar: CookieJar, qs: string) => (await call(t.app, "GET", `/api/v1/backoffice/companies?purpose=desk&${qs}`, { jar })).body;
    // Words of the name in any order.
    expect((await search(paul, "q=canal%20boulangerie")).items.map((c: { siren: string }) => c.siren)).toEqual([one]);
    expect((await search(paul, `q=${one.slice(0, 6)}`)).items.map((c: { siren: string }) => c.siren)).toContain(one);
    // Keyset pages: the first page's cursor gives the rest, none twice.
    const first = await search(paul, "q=boulangerie&limit=1");
    expect(first.items).toHaveLength(1);
    const second = await search(paul, `q=boulangerie&limit=1&cursor=${encodeURIComponent(first.nextCursor)}`);
    expect(second.items).toHaveLength(1);
    expect(second.items[0].siren).not.toBe(first.items[0].siren);
    // The CDIF covers Paris but manages no desk; Lyon's SIE does not cover Paris.
    expect((await search(await agent("camille"), "q=boulangerie")).items).toEqual([]);
    expect((await search(await agent("louis"), "q=boulangerie")).items).toEqual([]);
    // Writing (the default purpose) still finds them for the CDIF.
    expect((await call(t.app, "GET", "/api/v1/backoffice/companies?q=boulangerie", { jar: await agent("camille") })).body.items.length).toBe(2);
  });

  it("shows every letter with the address it went to, newest first, a campaign's named; a re-issued letter at once", async () => {
    const siren = await newCompany(t, "ATELIER OBERKAMPF");
    const newcomer = await signedInPerson(t, { siren: SEED.gestion.siren, email: "noe.nouveau@gestion.com", firstName: "Noé", lastName: "Nouveau" });
    const adhesion = await call(t.app, "POST", "/api/v1/adhesions", {
      jar: newcomer.jar,
      body: { siren, quality: "mandated", services: ["compte_fiscal"] },
    });
    expect(adhesion.status, JSON.stringify(adhesion.body)).toBe(201);
    // A campaign of the SIE reaches the company, which has no messagerie: by post.
    const deps = correspondenceDepsOf(t.ctx);
    const { campaignId } = await submitCampaign(
      deps,
      { id: ids.sophie!, services: ["SIE-75111"], isSupervisor: true },
      {
        tax: "TVA",
        nature: "information",
        subject: "Vérification des déclarations de TVA",
        body: "Madame, Monsieur, merci de vérifier vos déclarations. Référence : {{reference}}.",
        acknowledgementRequired: false,
        repliesAllowed: true,
        fileName: "campagne.csv",
        csv: Buffer.from(`siren\n${siren}\n`),
      },
    );
    t.clock.advance(MINUTE);
    await runCampaign(deps, campaignId);
    t.clock.advance(MINUTE);

    const paul = await agent("paul");
    const desk = async () => (await call(t.app, "GET", `/api/v1/backoffice/companies/${siren}`, { jar: paul })).body;
    const before = await desk();
    expect(before.letters.map((l: { kind: string }) => l.kind)).toEqual(["correspondence", "activation"]);
    const [campaignLetter, activation] = before.letters;
    expect(campaignLetter).toMatchObject({ adhesionId: null, campaign: { id: campaignId, subject: "Vérification des déclarations de TVA" } });
    expect(activation).toMatchObject({ adhesionId: adhesion.body.id, campaign: null });
    for (const l of before.letters) expect(l.addressLines.join(" / ")).toMatch(/ATELIER OBERKAMPF.*10 RUE OBERKAMPF.*75011 PARIS/);

    t.clock.advance(MINUTE);
    expect((await call(t.app, "POST", `/api/v1/backoffice/adhesions/${adhesion.body.id}/reissue-letter`, { jar: paul })).status).toBe(200);
    const after = await desk();
    expect(after.letters).toHaveLength(3);
    expect(after.letters[0]).toMatchObject({ kind: "activation", adhesionId: adhesion.body.id, status: "edited" });
    expect(after.letters.find((l: { id: string }) => l.id === activation.id).status).toBe("voided");
    // Another SIE's agent does not open this desk.
    expect((await call(t.app, "GET", `/api/v1/backoffice/companies/${siren}`, { jar: await agent("louis") })).status).toBe(404);
  });
});

describe("the backlog kept on write, after a TRUNCATE", () => {
  it("empties the counts with the requests (a TRUNCATE fires no row trigger)", async () => {
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM service_open_counts`.execute(t.ctx.db)).rows[0]!.n).toBeGreaterThan(0);
    await sql`TRUNCATE requests CASCADE`.execute(t.ctx.db);
    expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM service_open_counts`.execute(t.ctx.db)).rows[0]!.n).toBe(0);
    await assertOpenCountsKept(t.ctx.db);
  });
});
