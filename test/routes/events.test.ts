import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { call, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { activeAdministrator, signedInPerson } from "../helpers/people.js";
import { openDatabase } from "../../src/platform/db/database.js";
import { SEED } from "../../src/app/demo.js";

type Stream = { events: { event: string; data: Record<string, unknown> }[]; close(): void; status: number };

/** Opens GET /api/v1/events as a browser's EventSource would, and collects the events. */
function openStream(base: string, cookie: string, path = "/api/v1/events"): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const events: Stream["events"] = [];
    const req = httpRequest(`${base}${path}`, { headers: { cookie, accept: "text/event-stream" } }, (res: IncomingMessage) => {
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let at: number;
        while ((at = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
      });
      resolve({ events, status: res.statusCode ?? 0, close: () => req.destroy() });
    });
    req.on("error", reject);
    req.end();
  });
}

const until = async (check: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return check();
};

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
      expect(robertStream.events.find((e) => e.data.id === filed.body.id)).toMatchObject({ event: "request.updated", data: { reference: filed.body.reference, status: "received" } });
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
    await makeAgent(t.ctx, { email: "sse.paris@dgfip.test", name: "Agent Paris", services: ["SIE-75111"], password: AGENT_PASSWORD, totpSecret: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B" });
    await makeAgent(t.ctx, { email: "sse.lyon@dgfip.test", name: "Agent Lyon", services: ["SIE-69381"], password: AGENT_PASSWORD, totpSecret: "ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU" });
    const paris = await agentSignIn(t, "sse.paris@dgfip.test", "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B");
    const lyon = await agentSignIn(t, "sse.lyon@dgfip.test", "ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU");
    const author = await activeAdministrator(t, SEED.martin.siren, { services: ["messagerie"], entitySiren: SEED.gestion.siren, email: "sse.author@gestion.com" });
    expect((await openStream(base, author.jar.header(), "/api/v1/backoffice/events")).status).toBe(401);
    const parisStream = await openStream(base, paris.header(), "/api/v1/backoffice/events");
    const lyonStream = await openStream(base, lyon.header(), "/api/v1/backoffice/events");
    try {
      const filed = await call(t.app, "POST", "/api/v1/requests", { jar: author.jar, body: { ...REQUEST, subject: "File en direct" } });
      expect(await until(() => parisStream.events.some((e) => e.data.id === filed.body.id))).toBe(true);
      expect(parisStream.events.find((e) => e.data.id === filed.body.id)).toMatchObject({ event: "request.updated", data: { serviceCode: "SIE-75111", status: "received" } });
      expect(lyonStream.events).toEqual([]);
    } finally {
      parisStream.close();
      lyonStream.close();
    }
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)("reach the clients of another server process on the same PostgreSQL (LISTEN/NOTIFY)", async () => {
    // The same clock: rights and sessions written by one process are judged at the same instant by the other.
    const other = await startTestApp({}, { clock: t.clock, database: { ...(await openDatabase({ url: t.databaseUrl!, poolSize: 4 })), url: t.databaseUrl } });
    try {
      await other.app.listen({ host: "127.0.0.1", port: 0 });
      const otherBase = `http://127.0.0.1:${(other.app.server.address() as { port: number }).port}`;
      const person = await activeAdministrator(t, await (await import("../helpers/people.js")).newCompany(t, "MULTI PROCESS"), { services: ["messagerie"], companyEmail: "multi@process.fr" });
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
