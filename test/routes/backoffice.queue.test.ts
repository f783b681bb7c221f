import { sql } from "kysely";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, seedReferenceData, startTestApp, type CookieJar, type TestApp } from "../helpers/app.js";
import { AGENT_PASSWORD, agentSignIn } from "../helpers/people.js";
import { makeAgent } from "../../src/app/factories.js";
import { withLuhnKey } from "../../src/modules/companies/index.js";

/**
 * The queue's sorts, origins and searches (issue 24), on requests written straight into the database so that
 * keys tie and pages break where the test wants them.
 */
let t: TestApp;
let paul: CookieJar; // SIE Paris 11e
let louis: CookieJar; // SIE Lyon 1er: another service
const SECRETS = { paul: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B", louis: "ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU" };
const COMPANIES = [
  { siren: withLuhnKey("90000001"), name: "Alpha Industrie" },
  { siren: withLuhnKey("90000002"), name: "Boulangerie Martin Frères" },
  { siren: withLuhnKey("90000003"), name: "Zèbre Transports" },
];
type Row = {
  id: string;
  reference: string;
  siren: string;
  company: string;
  received: number;
  activity: number;
  due: number | null;
  origin: "company" | "administration";
  campaign: boolean;
  replied: boolean;
  service: string;
  status: string;
};
const rows: Row[] = [];
const T0 = Date.parse("2026-11-02T08:00:00.000Z");
const H = 3_600_000;

beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  const p = await makeAgent(t.ctx, {
    email: "agent.paris11@dgfip.test",
    name: "Paul Agent",
    services: ["SIE-75111"],
    isSupervisor: false,
    password: AGENT_PASSWORD,
    totpSecret: SECRETS.paul,
  });
  await makeAgent(t.ctx, {
    email: "agent.lyon@dgfip.test",
    name: "Louis Agent",
    services: ["SIE-69381"],
    isSupervisor: false,
    password: AGENT_PASSWORD,
    totpSecret: SECRETS.louis,
  });
  const db = t.ctx.db;
  for (const c of COMPANIES) await sql`INSERT INTO companies (siren, name, is_active) VALUES (${c.siren}, ${c.name}, true)`.execute(db);
  const space = randomUUID();
  await sql`INSERT INTO spaces (id, subscriber_number, mode, connection_email, password_hash, first_name, last_name, phone, entity_siren, status, created_at, verified_at)
    VALUES (${space}, '10000000000009', 'expert', 'file@queue.test', 'x', 'File', 'Attente', '0100000000', ${COMPANIES[0]!.siren}, 'active', now(), now())`.execute(
    db,
  );
  // 14 open requests in Paris 11e (two received at the same instant, one answered: no deadline), two campaign
  // threads (one the company answered), a closed one, and one in Lyon that every search would match.
  const spec: Array<Partial<Row> & { n: number }> = [];
  for (let n = 0; n < 14; n++) {
    spec.push({
      n,
      siren: COMPANIES[n % 3]!.siren,
      origin: n % 4 === 0 ? "administration" : "company",
      received: n === 5 ? T0 + 4 * H : T0 + n * H,
      activity: T0 + ((n * 7) % 14) * H + 123,
      due: n === 9 ? null : T0 + ((n * 5) % 14) * 24 * H,
      status: n === 9 ? "answered" : "received",
    });
  }
  spec.push({ n: 14, siren: COMPANIES[1]!.siren, origin: "administration", campaign: true, received: T0, activity: T0, due: null, status: "received" });
  spec.push({
    n: 15,
    siren: COMPANIES[2]!.siren,
    origin: "administration",
    campaign: true,
    replied: true,
    received: T0,
    activity: T0 + 20 * H,
    due: null,
    status: "received",
  });
  spec.push({ n: 16, siren: COMPANIES[0]!.siren, origin: "company", received: T0, activity: T0, due: T0, status: "closed" });
  spec.push({ n: 17, siren: COMPANIES[0]!.siren, origin: "company", received: T0, activity: T0, due: T0, status: "received", service: "SIE-69381" });
  for (const s of spec) {
    const r: Row = {
      id: randomUUID(),
      reference: `2026-${s.service ?? "SIE-75111"}-${String(1000 + s.n).padStart(7, "0")}`,
      siren: s.siren!,
      company: COMPANIES.find((c) => c.siren === s.siren)!.name.toLowerCase(),
      received: s.received!,
      activity: s.activity!,
      due: s.due ?? null,
      origin: s.origin!,
      campaign: !!s.campaign,
      replied: !!s.replied,
      service: s.service ?? "SIE-75111",
      status: s.status!,
    };
    rows.push(r);
    const due = r.due === null ? null : new Date(r.due);
    await sql`INSERT INTO requests (id, reference, siren, tax, nature, subject, status, service_code, author_space_id, opened_by_agent_id, origin,
        received_at, last_activity_at, first_answer_at, answered_at, closed_at, first_answer_due_at, legal_due_at, campaign_id, company_replied_at)
      VALUES (${r.id}, ${r.reference}, ${r.siren}, 'TVA', 'question', ${`Objet ${s.n}`}, ${r.status}, ${r.service},
        ${r.origin === "company" ? space : null}, ${r.origin === "administration" ? p.id : null}, ${r.origin},
        ${new Date(r.received)}, ${new Date(r.activity)}, ${r.status === "answered" ? new Date(r.activity) : null}, ${r.status === "answered" ? new Date(r.activity) : null},
        ${r.status === "closed" ? new Date(r.activity) : null}, ${due}, ${due}, ${r.campaign ? randomUUID() : null}, ${r.replied ? new Date(r.activity) : null})`.execute(
      db,
    );
  }
  paul = await agentSignIn(t, "agent.paris11@dgfip.test", SECRETS.paul);
  louis = await agentSignIn(t, "agent.lyon@dgfip.test", SECRETS.louis);
});
afterAll(async () => t.close());

type Item = { id: string; reference: string; origin: string };
/** Every page of the queue for `qs`, `limit` rows at a time. */
async function allPages(jar: CookieJar, qs: string, limit = 4): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 20; i++) {
    const res = await call(t.app, "GET", `/api/v1/backoffice/requests?${qs}&limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`, { jar });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!cursor) return items;
  }
  throw new Error("the queue never ended");
}

/** The default queue of Paris 11e: open, every origin but the campaign threads the company has not answered. */
const defaultQueue = () => rows.filter((r) => r.service === "SIE-75111" && r.status !== "closed" && (!r.campaign || r.replied));
const KEYS: Record<string, (r: Row) => number | string> = {
  deadline: (r) => r.due ?? Infinity,
  receivedAt: (r) => r.received,
  lastActivityAt: (r) => r.activity,
  company: (r) => r.company,
};
function expected(sort: string, order: "asc" | "desc") {
  const key = KEYS[sort]!;
  const sorted = [...defaultQueue()].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  return (order === "asc" ? sorted : sorted.reverse()).map((r) => r.id);
}

describe("the queue's sorts", () => {
  for (const sort of ["deadline", "receivedAt", "lastActivityAt", "company"])
    for (const order of ["asc", "desc"] as const)
      it(`sorts by ${sort} ${order}, in the same order across pages`, async () => {
        const items = await allPages(paul, `sort=${sort}&order=${order}`);
        expect(items.map((i) => i.id)).toEqual(expected(sort, order));
      });

  it("sorts by deadline, ascending, when nothing is asked", async () => {
    expect((await allPages(paul, "x=1", 5)).map((i) => i.id)).toEqual(expected("deadline", "asc"));
  });

  it("refuses a cursor of another sort, an unknown sort or order, with a French message (400)", async () => {
    const first = await call(t.app, "GET", "/api/v1/backoffice/requests?sort=company&limit=2", { jar: paul });
    const other = await call(t.app, "GET", `/api/v1/backoffice/requests?sort=receivedAt&cursor=${first.body.nextCursor}`, { jar: paul });
    expect(other.status).toBe(400);
    expect(other.body.error.code).toBe("invalid_cursor");
    for (const qs of ["sort=urgence", "order=up", "origin=courrier"]) {
      const res = await call(t.app, "GET", `/api/v1/backoffice/requests?${qs}`, { jar: paul });
      expect(res.status, qs).toBe(400);
      expect(JSON.stringify(res.body)).toMatch(/Tri|Ordre|Origine/);
    }
  });
});

describe("the queue's origins", () => {
  it("lists each origin on its own; campaign threads only when asked for or answered by the company", async () => {
    const ids = async (origin: string) => (await allPages(paul, `origin=${origin}`, 50)).map((i) => i.id).sort();
    const of = (f: (r: Row) => boolean) =>
      rows
        .filter((r) => r.service === "SIE-75111" && r.status !== "closed" && f(r))
        .map((r) => r.id)
        .sort();
    expect(await ids("company")).toEqual(of((r) => r.origin === "company" && !r.campaign));
    expect(await ids("administration")).toEqual(of((r) => r.origin === "administration" && !r.campaign));
    expect(await ids("campaign")).toEqual(of((r) => r.campaign));
    const all = await allPages(paul, "x=1", 50);
    const silent = rows.find((r) => r.campaign && !r.replied)!;
    const answered = rows.find((r) => r.campaign && r.replied)!;
    expect(all.map((i) => i.id)).not.toContain(silent.id);
    expect(all.find((i) => i.id === answered.id)?.origin).toBe("campaign");
  });

  it("counts what the queue of the same origin lists: the unanswered campaign threads only under « campagne »", async () => {
    const counted = async (qs: string) => {
      const res = await call(t.app, "GET", `/api/v1/backoffice/requests/counts?${qs}`, { jar: paul });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const by = res.body.byStatus as Record<string, number>;
      return Object.values(by).reduce((a, b) => a + b, 0);
    };
    for (const origin of ["", "company", "administration", "campaign"])
      expect(await counted(origin ? `origin=${origin}` : ""), origin || "default").toBe((await allPages(paul, origin ? `origin=${origin}` : "x=1", 50)).length);
    expect(await counted("origin=campaign")).toBeGreaterThan(0);
    const res = await call(t.app, "GET", "/api/v1/backoffice/requests/counts?origin=courrier", { jar: paul });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/Origine/);
  });
});

describe("the queue's search", () => {
  const search = async (jar: CookieJar, q: string) => (await allPages(jar, `q=${encodeURIComponent(q)}`, 50)).map((i) => i.id).sort();
  const open = (f: (r: Row) => boolean) =>
    defaultQueue()
      .filter(f)
      .map((r) => r.id)
      .sort();

  it("finds a SIREN, with or without spaces", async () => {
    const siren = COMPANIES[1]!.siren;
    expect(await search(paul, siren)).toEqual(open((r) => r.siren === siren));
    expect(await search(paul, `${siren.slice(0, 3)} ${siren.slice(3, 6)} ${siren.slice(6)}`)).toEqual(open((r) => r.siren === siren));
  });

  it("finds words of the company's name, accents and case as typed", async () => {
    expect(await search(paul, "boulangerie frères")).toEqual(open((r) => r.siren === COMPANIES[1]!.siren));
    expect(await search(paul, "ZÈBRE")).toEqual(open((r) => r.siren === COMPANIES[2]!.siren));
  });

  it("finds a partial reference, and the full one", async () => {
    const r = rows[7]!;
    expect(await search(paul, r.reference.slice(-4))).toEqual([r.id]);
    expect(await search(paul, "75111-000100")).toEqual(open((x) => x.reference.includes("75111-000100")));
    expect(await search(paul, r.reference.toLowerCase())).toEqual([r.id]);
  });

  it("still searches the text of the requests", async () => {
    expect(await search(paul, "Objet")).toEqual(open(() => true));
  });

  it("never lists another service's requests, whatever the sort or the search", async () => {
    const lyon = rows.find((r) => r.service === "SIE-69381")!;
    for (const qs of ["sort=company", "sort=receivedAt&order=desc", "origin=company", `q=${lyon.siren}`, `q=${lyon.reference.slice(-7)}`, "q=alpha"]) {
      const items = await allPages(paul, qs, 50);
      expect(
        items.map((i) => i.id),
        qs,
      ).not.toContain(lyon.id);
    }
    expect((await allPages(louis, "sort=company", 50)).map((i) => i.id)).toEqual([lyon.id]);
  });
});

describe("saved views (mine only)", () => {
  it("saves, lists and deletes my views; another agent never sees nor deletes them; bad input is named", async () => {
    const save = (jar: CookieJar, body: unknown) => call(t.app, "POST", "/api/v1/backoffice/views", { jar, body });
    const created = await save(paul, { name: "Mes urgences", query: "assignee=me&sort=deadline&order=asc" });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ name: "Mes urgences", query: "assignee=me&sort=deadline&order=asc" });
    expect((await save(paul, { name: "mes URGENCES", query: "" })).status).toBe(409);
    const bad = await save(paul, { name: "  ", query: "drop=table" });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/Le nom de la vue est vide/);
    expect(JSON.stringify(bad.body)).toMatch(/Filtres/);

    const mine = await call(t.app, "GET", "/api/v1/backoffice/views", { jar: paul });
    expect(mine.body.items.map((v: { id: string }) => v.id)).toEqual([created.body.id]);
    expect((await call(t.app, "GET", "/api/v1/backoffice/views", { jar: louis })).body.items).toEqual([]);
    const theirs = await call(t.app, "DELETE", `/api/v1/backoffice/views/${created.body.id}`, { jar: louis });
    expect(theirs.status).toBe(404);
    expect((await call(t.app, "DELETE", `/api/v1/backoffice/views/${created.body.id}`, { jar: paul })).status).toBe(204);
    expect((await call(t.app, "GET", "/api/v1/backoffice/views", { jar: paul })).body.items).toEqual([]);
    expect((await call(t.app, "GET", "/api/v1/backoffice/views")).status).toBe(401);
  });
});

describe("bulk actions", () => {
  it("assigns a mixed batch item by item: a stale version and another service's request refused, the others done", async () => {
    const [a, b, c] = [rows[0]!, rows[1]!, rows[2]!];
    const lyon = rows.find((r) => r.service === "SIE-69381")!;
    const paulId = (await sql<{ id: string }>`SELECT id FROM agents WHERE email = 'agent.paris11@dgfip.test'`.execute(t.ctx.db)).rows[0]!.id;
    const res = await call(t.app, "POST", "/api/v1/backoffice/requests/bulk", {
      jar: paul,
      body: {
        action: "assign",
        agentId: paulId,
        items: [
          { id: a.id, version: 1 },
          { id: b.id, version: 99 },
          { id: lyon.id, version: 1 },
          { id: c.id, version: 1 },
        ],
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.items).toEqual([
      { id: a.id, status: "done" },
      { id: b.id, status: "refused", error: { code: "stale_version", message: expect.any(String) } },
      { id: lyon.id, status: "refused", error: { code: "not_found", message: expect.any(String) } },
      { id: c.id, status: "done" },
    ]);
    const now = await sql<{
      id: string;
      assignee_agent_id: string | null;
    }>`SELECT id, assignee_agent_id FROM requests WHERE id IN (${a.id}, ${b.id}, ${c.id}, ${lyon.id})`.execute(t.ctx.db);
    const assignee = Object.fromEntries(now.rows.map((r) => [r.id, r.assignee_agent_id]));
    expect(assignee).toEqual({ [a.id]: paulId, [b.id]: null, [c.id]: paulId, [lyon.id]: null });
  });

  it("names what a transfer lacks (400), and refuses an empty batch", async () => {
    const res = await call(t.app, "POST", "/api/v1/backoffice/requests/bulk", {
      jar: paul,
      body: { action: "transfer", items: [{ id: rows[3]!.id, version: 1 }] },
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/Service : choisissez/);
    expect(JSON.stringify(res.body)).toMatch(/Motif : le motif du transfert est vide/);
    const empty = await call(t.app, "POST", "/api/v1/backoffice/requests/bulk", { jar: paul, body: { action: "close", items: [] } });
    expect(empty.status).toBe(400);
  });
  it("offers the agents of my services only and the services to transfer to; 401 without a session", async () => {
    const res = await call(t.app, "GET", "/api/v1/backoffice/requests/bulk/options", { jar: paul });
    expect(res.status).toBe(200);
    const names = (res.body.colleagues as { name: string; services: string[] }[]).map((c) => `${c.name} ${c.services.join(",")}`);
    expect(names).toEqual(["Paul Agent SIE-75111"]);
    expect((res.body.transferTargets as { code: string }[]).map((s) => s.code)).toEqual(expect.arrayContaining(["SIE-75111", "SIE-69381"]));
    const lyon = await call(t.app, "GET", "/api/v1/backoffice/requests/bulk/options", { jar: louis });
    expect((lyon.body.colleagues as { name: string }[]).map((c) => c.name)).toEqual(["Louis Agent"]);
    expect((await call(t.app, "GET", "/api/v1/backoffice/requests/bulk/options")).status).toBe(401);
  });
});
