import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { call, type TestApp, type CookieJar } from "../helpers/app.js";
import { walkableApp, type JsonSchema, type Operation } from "../helpers/openapi.js";
import { SEED } from "../../src/app/demo.js";
import { FIELD_LABELS } from "../../src/platform/http/field-labels.js";

/**
 * The OpenAPI document is the contract, and these tests walk every operation it lists: authentication follows the
 * declared `security`, no text PostgreSQL cannot store gets through, no crafted cursor reaches a query.
 */

/** Public on purpose: creating a space, signing in, the company's links and opposition, the dev tools. */
const PUBLIC = [
  "GET /api/v1/health",
  "GET /api/v1/health/live",
  "GET /api/v1/health/ready",
  "POST /api/v1/spaces",
  "POST /api/v1/spaces/verify",
  "POST /api/v1/session",
  "POST /api/v1/session/device",
  "POST /api/v1/session/device/resend",
  "POST /api/v1/spaces/verify/resend",
  "POST /api/v1/password-reset",
  "POST /api/v1/password-reset/confirm",
  "GET /api/v1/catalogue",
  "GET /api/v1/company-email/link",
  "POST /api/v1/company-email/confirm",
  "POST /api/v1/opposition",
  "GET /api/v1/receipts/certificate",
  "GET /api/v1/receipts/public-key",
  "POST /api/v1/backoffice/session",
  "GET /api/v1/dev/mails",
  "GET /api/v1/dev/letters",
  "GET /api/v1/dev/letters/{id}/pdf",
];

let t: TestApp;
let operations: Operation[];
let person: CookieJar;
let agent: CookieJar;
beforeAll(async () => {
  ({ t, operations, person, agent } = await walkableApp("contrat@dgfip.test"));
}, 120_000);
afterAll(async () => t.close());

const key = (op: Operation) => `${op.method} ${op.path}`;
/** A path with plausible values in its parameters (a well-formed SIREN, a fresh UUID). */
const concrete = (path: string, value?: string) =>
  path.replace(/\{(\w+)\}/g, (_m, name: string) => value ?? (name === "siren" ? SEED.martin.siren : randomUUID()));
const jsonSchemaOf = (op: Operation) => op.requestBody?.content["application/json"]?.schema;
const isType = (s: JsonSchema | undefined, type: string): boolean =>
  s !== undefined && (s.type === type || (Array.isArray(s.type) && s.type.includes(type)) || (s.anyOf ?? []).some((a) => isType(a, type)));

/** The names of an operation's fields: its path and query parameters and every property of its JSON body. */
function fieldsOf(op: Operation): string[] {
  const names = (s: JsonSchema | undefined): string[] =>
    !s
      ? []
      : [
          ...Object.entries(s.properties ?? {}).flatMap(([k, v]) => [k, ...names(v)]),
          ...names(s.items),
          ...(s.anyOf ?? []).flatMap(names),
          ...(s.oneOf ?? []).flatMap(names),
        ];
  return [...(op.parameters ?? []).filter((p) => p.in === "query" || p.in === "path").map((p) => p.name), ...names(jsonSchemaOf(op))];
}

/** The choices a parameter's schema lists (its `enum`), if it is a list of choices. */
const choicesOf = (s: JsonSchema | undefined): unknown[] => s?.enum ?? [];

/** A body following the schema, with `text` in every string field (and in every array of strings). */
function bodyWith(schema: JsonSchema | undefined, text: string): unknown {
  if (!schema) return {};
  if (isType(schema, "object") || schema.properties) {
    return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, bodyWith(s, text)]));
  }
  if (isType(schema, "array")) return [bodyWith(schema.items, text)];
  if (isType(schema, "string")) return text;
  return text;
}

describe("the OpenAPI document", () => {
  it("declares every operation's security; the public ones are exactly the expected list", () => {
    expect(operations.length).toBeGreaterThan(70);
    for (const op of operations) expect(op.security, key(op)).toBeDefined();
    expect(
      operations
        .filter((op) => op.security!.length === 0)
        .map(key)
        .sort(),
    ).toEqual([...PUBLIC].sort());
  });

  it("every non-public operation refuses a call without a session (401), whatever its body or parameters", async () => {
    const guarded = operations.filter((op) => op.security!.length > 0);
    for (const op of guarded) {
      const res = await call(t.app, op.method, concrete(op.path), op.method === "GET" || op.method === "DELETE" ? {} : { body: {} });
      expect([res.status, res.body?.error?.code], key(op)).toEqual([401, "unauthenticated"]);
    }
    // A company session does not open the back office, nor an agent session the company side.
    for (const op of guarded.filter((o) => o.path !== "/api/v1/events" && o.path !== "/api/v1/backoffice/events")) {
      const other = op.security!.some((s) => "agentSession" in s) ? person : agent;
      const res = await call(t.app, op.method, concrete(op.path), op.method === "GET" || op.method === "DELETE" ? { jar: other } : { jar: other, body: {} });
      expect(res.status, key(op)).toBe(401);
    }
  });
});

describe("validation errors", () => {
  it("are French and name the fields, on every operation with a body (an empty one, then wrong types)", async () => {
    let checked = 0;
    for (const op of operations.filter((o) => jsonSchemaOf(o) && o.method !== "GET")) {
      const jar = op.security?.some((s) => "agentSession" in s) ? agent : person;
      for (const body of [{}, bodyWith(jsonSchemaOf(op), 42 as unknown as string)]) {
        const res = await call(t.app, op.method, concrete(op.path), { jar, body });
        if (res.body?.error?.code !== "invalid_request") continue;
        checked++;
        const { message, details } = res.body.error as { message: string; details: { issues: { field: string; message: string }[] } };
        expect(message, key(op)).toMatch(/^(Champ « [^»]+ »|Champ (corps|paramètres|adresse)[^:]*|\d+ champs à corriger) : /);
        expect(message, key(op)).not.toMatch(/expected|invalid input|too (small|big)|\brequired\b/i);
        for (const issue of details.issues) {
          expect(issue.field, key(op)).toMatch(/^(body|querystring|params)(\.|$)/);
          expect(issue.message, key(op)).not.toMatch(/expected|invalid input|too (small|big)|\brequired\b/i);
        }
        for (const name of fieldsOf(op)) expect(message, `${key(op)}: ${name}`).not.toContain(`« ${name} »`);
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it("name every field of every operation as its form does (« Adresse électronique », never « email »)", () => {
    const unnamed = [...new Set(operations.flatMap(fieldsOf))].filter((name) => !Object.hasOwn(FIELD_LABELS, name)).sort();
    expect(unnamed).toEqual([]);
  });

  it("name the choices of a list in words, the codes kept for programs in `accepted` (query parameters of every operation)", async () => {
    let checked = 0;
    for (const op of operations.filter((o) => o.method === "GET")) {
      const jar = op.security?.some((s) => "agentSession" in s) ? agent : person;
      for (const p of (op.parameters ?? []).filter((p) => p.in === "query" && choicesOf(p.schema).length > 0)) {
        const res = await call(t.app, "GET", `${concrete(op.path)}?${p.name}=zzz`, { jar });
        if (res.body?.error?.code !== "invalid_request") continue;
        checked++;
        const { message, details } = res.body.error as { message: string; details: { issues: { field: string; accepted?: unknown[] }[] } };
        expect(message, `${key(op)} ?${p.name}`).not.toContain(`« ${p.name} »`);
        // A code (« tva_payer », « lastActivity », « true ») is never what the sentence shows.
        expect(message, `${key(op)} ?${p.name}`).not.toMatch(/« ([a-z]+_[a-z_]+|[a-z]+[A-Z]\w*|true|false) »/);
        expect(details.issues.find((i) => i.field === `querystring.${p.name}`)?.accepted, `${key(op)} ?${p.name}`).toEqual(choicesOf(p.schema));
      }
    }
    expect(checked).toBeGreaterThan(15);
  });
});

describe("text PostgreSQL cannot store (U+0000, lone surrogates)", () => {
  it("is refused with 400 in every JSON body field, query parameter and path parameter of every operation", async () => {
    let checked = 0;
    for (const op of operations) {
      const jar = op.security?.some((s) => "agentSession" in s) ? agent : person;
      const schema = jsonSchemaOf(op);
      if (schema && op.method !== "GET") {
        for (const bad of ["avant\u0000après", "avant\ud800après"]) {
          const res = await call(t.app, op.method, concrete(op.path), { jar, rawBody: JSON.stringify(bodyWith(schema, bad)) });
          expect([res.status, res.body?.error?.code], `${key(op)} ${JSON.stringify(bad)}`).toEqual([400, "invalid_characters"]);
          expect(res.body.error.message).toMatch(/^Le champ « .+ » contient/);
          for (const name of fieldsOf(op)) expect(res.body.error.message, key(op)).not.toContain(`« ${name} »`);
          checked++;
        }
      }
      for (const p of (op.parameters ?? []).filter((p) => p.in === "query")) {
        const res = await call(t.app, op.method, `${concrete(op.path)}?${p.name}=a%00b`, { jar });
        expect([res.status, res.body?.error?.code], `${key(op)} ?${p.name}`).toEqual([400, "invalid_characters"]);
        checked++;
      }
      if (op.path.includes("{")) {
        const res = await call(t.app, op.method, concrete(op.path, "a%00b"), { jar, ...(op.method === "GET" || op.method === "DELETE" ? {} : { body: {} }) });
        expect([res.status, res.body?.error?.code], `${key(op)} path`).toEqual([400, "invalid_characters"]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

describe("crafted cursors", () => {
  const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
  const crafted = [
    "!!!pas-du-base64",
    b64("pas du JSON"),
    b64({ a: 1 }),
    b64([1, 2]),
    b64(["2026-13-45T00:00:00.000Z", randomUUID()]),
    b64(["2026-01-01", randomUUID()]),
    b64(["infinity", "------------------------------------"]),
    b64(["2026-01-01T00:00:00.000Z", "00000000-0000-0000-0000-00000000000g"]),
    b64(["2026-01-01T00:00:00.000Z' OR 1=1 --", randomUUID()]),
  ];
  it("are refused with 400 invalid_cursor on every list that takes one, never a 500", async () => {
    const lists = operations.filter((op) => op.method === "GET" && (op.parameters ?? []).some((p) => p.in === "query" && p.name === "cursor"));
    expect(lists.map(key).sort()).toEqual([
      "GET /api/v1/adhesions",
      "GET /api/v1/authorized-software",
      "GET /api/v1/backoffice/campaigns",
      "GET /api/v1/backoffice/campaigns/{id}/recipients",
      "GET /api/v1/backoffice/companies",
      "GET /api/v1/backoffice/requests",
      "GET /api/v1/backoffice/threads",
      "GET /api/v1/backoffice/threads/scheduled",
      "GET /api/v1/companies",
      "GET /api/v1/companies/{siren}/software",
      "GET /api/v1/delegations",
      "GET /api/v1/requests",
      "GET /api/v1/requests/{id}/possible-followers",
      "GET /api/v1/teams",
      "GET /api/v1/teams/{id}/companies",
    ]);
    for (const op of lists) {
      const jar = op.security!.some((s) => "agentSession" in s) ? agent : person;
      for (const cursor of crafted) {
        const res = await call(
          t.app,
          "GET",
          `${op.path.replace("{siren}", SEED.gestion.siren).replace("{id}", randomUUID())}?cursor=${encodeURIComponent(cursor)}`,
          { jar },
        );
        expect([res.status, res.body?.error?.code], `${key(op)} ${cursor}`).toEqual([400, "invalid_cursor"]);
      }
    }
  });
});
