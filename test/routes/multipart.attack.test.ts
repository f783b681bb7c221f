import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieJar, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { AGENT_PASSWORD, agentSignIn, signedInPerson } from "../helpers/people.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";

/**
 * Hostile multipart bodies on the four upload routes: each is refused with a coded 4xx in French, and leaves no
 * row and no file (stored or staged) behind.
 */
let t: TestApp;
let person: CookieJar;
let agent: CookieJar;
const SECRET = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U";

beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  person = (await signedInPerson(t, { siren: SEED.gestion.siren })).jar;
  await makeAgent(t.ctx, {
    email: "superviseure.paris11@dgfip.test",
    name: "Sophie Superviseure",
    services: ["SIE-75111"],
    isSupervisor: true,
    password: AGENT_PASSWORD,
    totpSecret: SECRET,
  });
  agent = await agentSignIn(t, "superviseure.paris11@dgfip.test", SECRET);
}, 120_000);
afterAll(async () => t?.close());

const B = "----frontiere0123456789";
const CRLF = "\r\n";
const filePart = (name: string | null, content: string, filename = "piece.csv") =>
  `--${B}${CRLF}Content-Disposition: form-data${name === null ? "" : `; name="${name}"`}; filename="${filename}"${CRLF}Content-Type: text/csv${CRLF}${CRLF}${content}${CRLF}`;
const field = (name: string, value: string) => `--${B}${CRLF}Content-Disposition: form-data; name="${name}"${CRLF}${CRLF}${value}${CRLF}`;
const end = `--${B}--${CRLF}`;
const CSV = `siren${CRLF}${SEED.martin.siren}${CRLF}`;

type Case = { name: string; contentType: string; body: string | Buffer };
/** The malformations, built around the fields each route expects. */
function cases(fields: string): Case[] {
  const ok = `multipart/form-data; boundary=${B}`;
  const whole = fields + filePart("file", CSV) + end;
  return [
    { name: "a truncated body", contentType: ok, body: whole.slice(0, whole.length - end.length - 20) },
    { name: "a wrong boundary", contentType: `multipart/form-data; boundary=autre-frontiere`, body: whole },
    { name: "no boundary at all", contentType: "multipart/form-data", body: whole },
    { name: "a part without a name", contentType: ok, body: fields + filePart(null, CSV) + end },
    { name: "two file parts", contentType: ok, body: fields + filePart("file", CSV) + filePart("file", CSV, "deux.csv") + end },
    {
      name: "a huge part header",
      contentType: ok,
      body: fields + `--${B}${CRLF}Content-Disposition: form-data; name="file"; filename="${"x".repeat(200_000)}.csv"${CRLF}${CRLF}${CSV}${CRLF}` + end,
    },
    { name: "garbage instead of parts", contentType: ok, body: Buffer.from([0x00, 0xff, 0xfe, 0x0d, 0x0a, 0x2d, 0x2d]) },
  ];
}

const ROUTES = [
  { url: "/api/v1/uploads", jar: () => person, fields: "" },
  { url: "/api/v1/backoffice/uploads", jar: () => agent, fields: "" },
  { url: "/api/v1/adhesions/batch", jar: () => person, fields: field("quality", "mandated") + field("services", "cfe") },
  {
    url: "/api/v1/backoffice/campaigns",
    jar: () => agent,
    fields:
      field("serviceCode", "SIE-75111") +
      field("tax", "TVA") +
      field("subject", "Campagne") +
      field("body", "Bonjour {{entreprise}}") +
      field("repliesAllowed", "false"),
  },
];

/** Everything a refused upload could have left: rows of the four features, and files in the data folder. */
async function traces() {
  const count = async (table: "uploads" | "adhesion_batches" | "campaigns" | "journal") =>
    Number(
      (
        await t.ctx.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(path);
    }
  };
  walk(t.ctx.config.dataDir);
  return {
    uploads: await count("uploads"),
    batches: await count("adhesion_batches"),
    campaigns: await count("campaigns"),
    journal: await count("journal"),
    files: files.sort(),
  };
}

describe("malformed multipart bodies on the four upload routes", () => {
  for (const route of ROUTES) {
    for (const c of cases(route.fields)) {
      it(`${route.url}: ${c.name} → a coded 4xx in French, nothing left behind`, async () => {
        const before = await traces();
        const jar = route.jar();
        const res = await t.app.inject({
          method: "POST",
          url: route.url,
          headers: { cookie: jar.header(), "x-csrf-token": jar.csrf ?? "", "content-type": c.contentType },
          payload: c.body,
        });
        expect(res.statusCode, res.body).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, res.body).toBeLessThan(500);
        const error = res.json().error as { code: string; message: string; requestId: string };
        expect(error.code).toMatch(/^[a-z_]+$/);
        expect(error.message).toMatch(/[éèàç«]|fichier|envoi|champ/i);
        expect(res.body).not.toMatch(/\bat [\w.<>]+ \(|node_modules|\/src\//);
        expect(await traces()).toEqual(before);
      });
    }
  }
});
