import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { activeAdministrator, signIn } from "../helpers/people.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";
import { DAY } from "../../src/platform/clock.js";
import { SEARCH_CANDIDATES, searchForAgent } from "../../src/modules/requests/index.js";

/**
 * The agents' search ranks the newest SEARCH_CANDIDATES matches of messages and of requests (asked at once, on two
 * connections): an old match is found while there are few, and past SEARCH_CANDIDATES the answer is exactly the
 * newest ones.
 */
let t: TestApp;
let robert: Awaited<ReturnType<typeof activeAdministrator>>;
let agent: { id: string; services: string[] };
const deps = () => ({ db: t.ctx.db, clock: t.clock, receiptKeys: t.ctx.receiptKeys });

beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  robert = await activeAdministrator(t, SEED.martin.siren, { quality: "legal_representative", companyEmail: "robert.lambda@martindistribution.com" });
  const a = await makeAgent(t.ctx, {
    email: "agent.recherche@dgfip.test",
    name: "Agent Recherche",
    services: ["SIE-75111"],
    isSupervisor: false,
    password: "Un-Mot-De-Passe-Solide-2026",
    totpSecret: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B",
  });
  agent = { id: a.id, services: ["SIE-75111"] };
});
afterAll(async () => t?.close());

const fileRequest = async (subject: string, body: string) => {
  const res = await call(t.app, "POST", "/api/v1/requests", {
    jar: robert.jar,
    body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject, body, uploadIds: [] },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
};

describe("the agents' search over time", () => {
  it("finds a match from 400 days ago, and, past SEARCH_CANDIDATES recent matches, ranks exactly the newest ones", async () => {
    const old = await fileRequest("Ancienne demande", "Une question zygomatique sur la TVA.");
    t.clock.advance(400 * DAY);
    robert.jar = await signIn(t, robert.email);

    // Only a match from 400 days ago: it is found.
    const alone = await searchForAgent(deps(), agent, "zygomatique", undefined, 20);
    expect(alone.items.map((i) => i.id)).toEqual([old]);
    expect(alone.capped).toBe(false);

    // SEARCH_CANDIDATES recent messages spread over ten new requests: they alone are ranked.
    const recent: string[] = [];
    for (let i = 0; i < 10; i++) recent.push(await fileRequest(`Demande ${i}`, "Bonjour"));
    const at = t.clock.now().getTime();
    const rows = Array.from({ length: SEARCH_CANDIDATES }, (_, i) => ({
      id: randomUUID(),
      request_id: recent[i % 10]!,
      author_kind: "person" as const,
      author_space_id: robert.spaceId,
      body: `Relance zygomatique numéro ${i}`,
      body_sha256: "0".repeat(64),
      created_at: new Date(at - (i + 1) * 60_000),
      read_by_company_at: new Date(at),
    }));
    await t.ctx.db.insertInto("messages").values(rows).execute();

    const found = await searchForAgent(deps(), agent, "zygomatique", undefined, 20);
    // What a search over every period gives: the newest SEARCH_CANDIDATES matching messages, by request.
    const everything = await sql<{ request_id: string }>`
      SELECT DISTINCT request_id FROM (
        SELECT request_id FROM messages WHERE service_code = 'SIE-75111' AND search @@ plainto_tsquery('messagerie_fr', 'zygomatique')
        ORDER BY created_at DESC LIMIT ${SEARCH_CANDIDATES}) newest`.execute(t.ctx.db);
    expect(found.capped).toBe(true);
    expect(found.total).toBe(everything.rows.length);
    expect(new Set(found.items.map((i) => i.id))).toEqual(new Set(everything.rows.map((r) => r.request_id)));
    expect(found.items.map((i) => i.id)).not.toContain(old);
  });
});
