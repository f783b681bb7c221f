import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { activeAdministrator, newCompany, signedInPerson } from "../helpers/people.js";
import { openDatabase } from "../../src/platform/db/database.js";
import { openStream, until, type Stream } from "../helpers/sse.js";
import { SEED } from "../../src/app/demo.js";
import { CATCH_UP } from "../../src/modules/requests/requests.events.js";

let t: TestApp;
let base: string;
beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  await t.app.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
});
afterAll(async () => t.close());

const REQUEST = { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "En direct", body: "Bonjour", uploadIds: [] };

describe("server-sent events", () => {
  it("push request.updated to the people who may see the request, and nothing to others", async () => {
    const robert = await activeAdministrator(t, SEED.martin.siren, { quality: "legal_representative", companyEmail: "robert.lambda@martindistribution.com" });
    const colleague = await activeAdministrator(t, SEED.martin.siren, { services: ["messagerie"], entitySiren: SEED.gestion.siren });
    const stranger = await signedInPerson(t, { siren: SEED.concurrence.siren });
    expect((await openStream(base, "")).status).toBe(401);
    const robertStream = await openStream(base, robert.jar.header());
    const strangerStream = await openStream(base, stranger.jar.header());
    expect(robertStream.status).toBe(200);
    try {
      const filed = await call(t.app, "POST", "/api/v1/requests", { jar: colleague.jar, body: REQUEST });
      expect(await until(() => robertStream.events.some((e) => e.data.id === filed.body.id))).toBe(true);
      expect(robertStream.events.find((e) => e.data.id === filed.body.id)).toMatchObject({
        event: "request.updated",
        data: { reference: filed.body.reference, status: "received" },
      });
      await call(t.app, "POST", `/api/v1/requests/${filed.body.id}/messages`, { jar: colleague.jar, body: { body: "Précision" } });
      expect(await until(() => robertStream.events.some((e) => e.event === "message.created"))).toBe(true);
      expect(strangerStream.events).toEqual([]);
    } finally {
      robertStream.close();
      strangerStream.close();
    }
  });

  it("push the events of an agent's services to his queue, and nothing from other services", async () => {
    const { makeAgent } = await import("../../src/app/factories.js");
    const { agentSignIn, AGENT_PASSWORD } = await import("../helpers/people.js");
    await makeAgent(t.ctx, {
      email: "sse.paris@dgfip.test",
      name: "Agent Paris",
      services: ["SIE-75111"],
      password: AGENT_PASSWORD,
      totpSecret: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B",
    });
    await makeAgent(t.ctx, {
      email: "sse.lyon@dgfip.test",
      name: "Agent Lyon",
      services: ["SIE-69381"],
      password: AGENT_PASSWORD,
      totpSecret: "ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU",
    });
    const paris = await agentSignIn(t, "sse.paris@dgfip.test", "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B");
    const lyon = await agentSignIn(t, "sse.lyon@dgfip.test", "ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU");
    const author = await activeAdministrator(t, SEED.martin.siren, {
      services: ["messagerie"],
      entitySiren: SEED.gestion.siren,
      email: "sse.author@gestion.com",
    });
    expect((await openStream(base, author.jar.header(), "/api/v1/backoffice/events")).status).toBe(401);
    const parisStream = await openStream(base, paris.header(), "/api/v1/backoffice/events");
    const lyonStream = await openStream(base, lyon.header(), "/api/v1/backoffice/events");
    try {
      const filed = await call(t.app, "POST", "/api/v1/requests", { jar: author.jar, body: { ...REQUEST, subject: "File en direct" } });
      expect(await until(() => parisStream.events.some((e) => e.data.id === filed.body.id))).toBe(true);
      expect(parisStream.events.find((e) => e.data.id === filed.body.id)).toMatchObject({
        event: "request.updated",
        data: { serviceCode: "SIE-75111", status: "received" },
      });
      expect(lyonStream.events).toEqual([]);
    } finally {
      parisStream.close();
      lyonStream.close();
    }
  });

  it("carry ids; a client reconnecting with Last-Event-ID first receives what it missed, within its rights", async () => {
    const siren = await newCompany(t, "REPRISE DU FLUX");
    const person = await activeAdministrator(t, siren, {
      services: ["messagerie"],
      entitySiren: SEED.gestion.siren,
      email: "sse.replay@gestion.com",
      companyEmail: "contact@reprise.fr",
    });
    const stranger = await signedInPerson(t, { siren: SEED.concurrence.siren });
    const first = await openStream(base, person.jar.header());
    const before = await call(t.app, "POST", "/api/v1/requests", { jar: person.jar, body: { ...REQUEST, siren, subject: "Vue en direct" } });
    expect(await until(() => first.events.some((e) => e.data.id === before.body.id))).toBe(true);
    const lastId = first.events.find((e) => e.data.id === before.body.id)!.id!;
    expect(lastId).toBe(first.events.find((e) => e.data.id === before.body.id)!.data.lastActivityAt);
    first.close();
    // While the tab is away: two requests change.
    t.clock.advance(1_000);
    const missedA = await call(t.app, "POST", "/api/v1/requests", { jar: person.jar, body: { ...REQUEST, siren, subject: "Manquée A" } });
    t.clock.advance(1_000);
    const missedB = await call(t.app, "POST", "/api/v1/requests", { jar: person.jar, body: { ...REQUEST, siren, subject: "Manquée B" } });
    const back = await openStream(base, person.jar.header(), "/api/v1/events", { "last-event-id": lastId });
    const outsider = await openStream(base, stranger.jar.header(), "/api/v1/events", { "last-event-id": lastId });
    try {
      expect(await until(() => back.events.length >= 3)).toBe(true);
      // The catch-up reaches CATCH_UP.overlapMs before the last event seen: that one comes again, then the missed.
      expect(CATCH_UP.overlapMs).toBeGreaterThan(2_000);
      expect(back.events.map((e) => e.data.id)).toEqual([before.body.id, missedA.body.id, missedB.body.id]);
      // A forged or stale id is ignored (no replay), never an error.
      const forged = await openStream(base, person.jar.header(), "/api/v1/events", { "last-event-id": "1970-01-01T00:00:00.000Z' OR 1=1" });
      expect(forged.status).toBe(200);
      forged.close();
      t.clock.advance(1_000);
      const live = await call(t.app, "POST", "/api/v1/requests", { jar: person.jar, body: { ...REQUEST, siren, subject: "En direct encore" } });
      expect(await until(() => back.events.some((e) => e.data.id === live.body.id))).toBe(true);
      expect(outsider.events).toEqual([]);
    } finally {
      back.close();
      outsider.close();
    }
  });

  it("replay a write that began before the last event seen but committed after it (another process, a slow commit)", async () => {
    const siren = await newCompany(t, "ORDRE DES COMMITS");
    const person = await activeAdministrator(t, siren, {
      services: ["messagerie"],
      entitySiren: SEED.gestion.siren,
      email: "sse.order@gestion.com",
      companyEmail: "contact@ordre.fr",
    });
    const startedAt = t.clock.now();
    const first = await openStream(base, person.jar.header());
    // The later write commits first and is seen live…
    t.clock.advance(2_000);
    const later = await call(t.app, "POST", "/api/v1/requests", { jar: person.jar, body: { ...REQUEST, siren, subject: "Commencée après" } });
    expect(await until(() => first.events.some((e) => e.data.id === later.body.id))).toBe(true);
    const lastId = first.events.find((e) => e.data.id === later.body.id)!.id!;
    first.close();
    // …the earlier one, whose time is before that event's, commits once the tab is away.
    // (Another tab stays open: once it has the live event, the returning stream can only get it from the catch-up.)
    const witness = await openStream(base, person.jar.header());
    t.clock.set(new Date(startedAt.getTime() + 1_000));
    const earlier = await call(t.app, "POST", "/api/v1/requests", { jar: person.jar, body: { ...REQUEST, siren, subject: "Commencée avant" } });
    expect(await until(() => witness.events.some((e) => e.data.id === earlier.body.id))).toBe(true);
    expect(witness.events.find((e) => e.data.id === earlier.body.id)!.id! < lastId).toBe(true);
    t.clock.set(new Date(startedAt.getTime() + 3_000));
    const back = await openStream(base, person.jar.header(), "/api/v1/events", { "last-event-id": lastId });
    try {
      expect(await until(() => back.events.some((e) => e.data.id === earlier.body.id))).toBe(true);
    } finally {
      back.close();
      witness.close();
    }
  });

  it("keep at most 5 streams per session: a 6th closes the oldest, telling it not to reopen", async () => {
    const siren = await newCompany(t, "SIX ONGLETS");
    const person = await activeAdministrator(t, siren, {
      services: ["messagerie"],
      entitySiren: SEED.gestion.siren,
      email: "sse.tabs@gestion.com",
      companyEmail: "contact@onglets.fr",
    });
    const other = await signedInPerson(t, { siren: SEED.concurrence.siren });
    const otherStream = await openStream(base, other.jar.header());
    const streams: Stream[] = [];
    for (let i = 0; i < 6; i++) streams.push(await openStream(base, person.jar.header()));
    try {
      expect(await until(() => streams[0]!.ended)).toBe(true);
      expect(streams[0]!.events.at(-1)).toEqual({ event: "stream.closed", data: { reason: "too_many_streams" } });
      expect(streams.slice(1).every((s) => !s.ended)).toBe(true);
      expect(otherStream.ended).toBe(false);
      const filed = await call(t.app, "POST", "/api/v1/requests", { jar: person.jar, body: { ...REQUEST, siren, subject: "Six onglets" } });
      expect(await until(() => streams.slice(1).every((s) => s.events.some((e) => e.data.id === filed.body.id)))).toBe(true);
    } finally {
      for (const s of [...streams, otherStream]) s.close();
    }
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)("reach the clients of another server process on the same PostgreSQL (LISTEN/NOTIFY)", async () => {
    // The same clock: rights and sessions written by one process are judged at the same instant by the other.
    const other = await startTestApp({}, { clock: t.clock, database: { ...(await openDatabase({ url: t.databaseUrl!, poolSize: 4 })), url: t.databaseUrl } });
    try {
      await other.app.listen({ host: "127.0.0.1", port: 0 });
      const otherBase = `http://127.0.0.1:${(other.app.server.address() as { port: number }).port}`;
      const person = await activeAdministrator(t, await (await import("../helpers/people.js")).newCompany(t, "MULTI PROCESS"), {
        services: ["messagerie"],
        companyEmail: "multi@process.fr",
      });
      const stream = await openStream(otherBase, person.jar.header());
      try {
        const siren = (await call(t.app, "GET", "/api/v1/companies", { jar: person.jar })).body.items[0].siren;
        const filed = await call(t.app, "POST", "/api/v1/requests", { jar: person.jar, body: { ...REQUEST, siren } });
        expect(await until(() => stream.events.some((e) => e.data.id === filed.body.id))).toBe(true);
      } finally {
        stream.close();
      }
    } finally {
      await other.app.close();
      await other.ctx.worker.stop();
      await other.ctx.database.db.destroy();
    }
  });
});
