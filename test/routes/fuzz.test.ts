import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom, type Random } from "../helpers/random.js";
import type { CookieJar, TestApp } from "../helpers/app.js";
import { walkableApp, type JsonSchema, type Operation } from "../helpers/openapi.js";
import { SEED } from "../../src/app/demo.js";

/**
 * A fuzz over every operation of the OpenAPI document: hostile bodies (wrong types, NUL, lone surrogates, 1 MB
 * strings, prototype keys, broken JSON, malformed multipart), queries, path parameters and headers, sent
 * anonymously, with a company session and with an agent session. No answer may be a 500, and no answer may carry
 * a stack trace or a path of the server. The generator is seeded: a failure names its seed and replays.
 */

const SEED_VALUE = Number(process.env.FUZZ_SEED ?? 20261204);
const ROUNDS = Number(process.env.FUZZ_ROUNDS ?? 20);

const MEGABYTE = "é".repeat(512 * 1024);
const HOSTILE_STRINGS = [
  "",
  "avant\u0000après",
  "avant\ud800après",
  "\udfff",
  MEGABYTE,
  "../../../../etc/passwd",
  "..%2F..%2F..%2Fetc%2Fpasswd",
  "' OR 1=1 --",
  "<script>alert(1)</script>",
  "{{reference}}",
  "\u202e\u200b\ufeff",
  "9".repeat(400),
  "2026-02-30",
  "-1",
  "NaN",
  "x".repeat(70_000),
];
const HOSTILE_VALUES: unknown[] = [
  ...HOSTILE_STRINGS,
  0,
  -1,
  1e308,
  -1e308,
  3.5,
  true,
  false,
  null,
  [],
  {},
  [null],
  { __proto__: { admin: true } },
  JSON.parse('{"__proto__":{"admin":true}}'),
  { constructor: { prototype: { admin: true } } },
  deep(200),
];
const BROKEN_JSON = ['{"a":', "\u0000", "null", "[]", '"texte"', '{"a":1}reste', "{'a':1}", "[".repeat(10_000), '{"a":"\\ud800"}', '{"a":"\\u0000"}'];
const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-16",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "multipart/form-data; boundary=",
  "application/xml",
  "*/*",
];
const HEADERS: Record<string, string>[] = [
  { "idempotency-key": "x".repeat(500) },
  { "idempotency-key": "../../clé" },
  { "x-csrf-token": "a".repeat(10_000) },
  { authorization: `Bearer ${"x".repeat(5_000)}` },
  { authorization: "Bearer" },
  { authorization: "Basic Og==" },
  { "last-event-id": "-1" },
  { "last-event-id": "9".repeat(100) },
  { accept: "application/pdf" },
  { "accept-language": "xx-XX;q=2" },
  { "if-none-match": '"' + "w".repeat(1000) + '"' },
  { "x-forwarded-for": "1.1.1.1, 999.999.999.999, ::zz" },
  { cookie: `mp_session=${"z".repeat(4_000)}` },
];

function deep(depth: number): unknown {
  let v: unknown = "fond";
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

const isType = (s: JsonSchema | undefined, type: string): boolean =>
  s !== undefined &&
  (s.type === type || (Array.isArray(s.type) && s.type.includes(type)) || [...(s.anyOf ?? []), ...(s.oneOf ?? [])].some((a) => isType(a, type)));

/** A body shaped like the schema, each leaf replaced (often) by a hostile value. */
function bodyFor(schema: JsonSchema | undefined, rnd: Random, depth = 0): unknown {
  if (!schema || depth > 4) return rnd.pick(HOSTILE_VALUES);
  const variants = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])];
  if (variants.length && rnd.next() < 0.7) return bodyFor(rnd.pick(variants), rnd, depth + 1);
  if (schema.properties && rnd.next() < 0.85) {
    const out: Record<string, unknown> = {};
    for (const [k, s] of Object.entries(schema.properties))
      if (rnd.next() < 0.8) out[k] = rnd.next() < 0.5 ? bodyFor(s, rnd, depth + 1) : rnd.pick(HOSTILE_VALUES);
    if (rnd.next() < 0.2) out[rnd.pick(["__proto__", "constructor", "inconnu", "a\u0000b"])] = rnd.pick(HOSTILE_VALUES);
    return out;
  }
  if (isType(schema, "array") && rnd.next() < 0.7) return Array.from({ length: rnd.pick([0, 1, 3, 600]) }, () => bodyFor(schema.items, rnd, depth + 1));
  if (schema.enum && rnd.next() < 0.3) return rnd.pick(schema.enum);
  return rnd.pick(HOSTILE_VALUES);
}

/** Percent-encodes, writing a lone surrogate as the bytes no valid UTF-8 has (%ED%A0%80). */
const LONE_SURROGATE = /([\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff])/;
const encode = (text: string) =>
  text
    .split(LONE_SURROGATE)
    .map((piece) => (LONE_SURROGATE.test(piece) && piece.length === 1 ? "%ED%A0%80" : encodeURIComponent(piece)))
    .join("");

const PATH_VALUES = [
  "..%2F..%2Fetc%2Fpasswd",
  "%E0%A4%A",
  "x".repeat(5_000),
  "%00",
  "0",
  "-1",
  "00000000-0000-0000-0000-000000000000",
  SEED.martin.siren,
  "812345676%20OR%201=1",
  "%F0%9F%92%A5",
  "null",
  "undefined",
];
const concrete = (path: string, rnd: Random) => path.replace(/\{(\w+)\}/g, () => rnd.pick(PATH_VALUES));

function multipartBody(rnd: Random): { contentType: string; payload: string } {
  const b = "frontiere-fuzz";
  const part = (header: string, content: string) => `--${b}\r\n${header}\r\n\r\n${content}\r\n`;
  const shapes = [
    part('Content-Disposition: form-data; name="file"; filename="a.csv"', "siren\n812345676").slice(0, 40),
    part('Content-Disposition: form-data; filename="a.csv"', "x") + `--${b}--\r\n`,
    part('Content-Disposition: form-data; name="file"; filename="a.pdf"', "%PDF-1.7") +
      part('Content-Disposition: form-data; name="file"; filename="b.pdf"', "%PDF-1.7") +
      `--${b}--\r\n`,
    part(`Content-Disposition: form-data; name="file"; filename="${"n".repeat(100_000)}"`, "x") + `--${b}--\r\n`,
    part('Content-Disposition: form-data; name="__proto__"', "x") + `--${b}--\r\n`,
    "pas du tout du multipart",
  ];
  return {
    contentType: rnd.pick([`multipart/form-data; boundary=${b}`, "multipart/form-data; boundary=autre", "multipart/form-data"]),
    payload: rnd.pick(shapes),
  };
}

let t: TestApp;
let operations: Operation[];
let person: CookieJar;
let agent: CookieJar;
beforeAll(async () => {
  ({ t, operations, person, agent } = await walkableApp("fuzz@dgfip.test"));
}, 120_000);
afterAll(async () => t?.close());

/** Event streams never end (they are fuzzed by their own tests); signing out would end the fuzz's sessions. */
const skippedWithSession = (op: Operation) => op.path.endsWith("/events") || (op.method === "DELETE" && /\/session$/.test(op.path));

describe("a fuzz over every operation of the OpenAPI document", () => {
  it("answers hostile bodies, queries, path parameters and headers without a 500 or a stack trace", async () => {
    const rnd = seededRandom(SEED_VALUE);
    const failures: string[] = [];
    let tried = 0;
    for (const op of operations) {
      const identities: (CookieJar | undefined)[] = [
        undefined,
        ...(skippedWithSession(op) ? [] : [op.security?.some((s) => "agentSession" in s) ? agent : person]),
      ];
      if (op.path.endsWith("/events")) continue;
      const jsonSchema = op.requestBody?.content["application/json"]?.schema;
      // The upload routes do not declare their multipart body in the document: every body-taking route gets some.
      const multipartShare = op.requestBody?.content["multipart/form-data"] !== undefined || /upload|batch|campaigns$/.test(op.path) ? 0.5 : 0.15;
      for (const jar of identities) {
        for (let round = 0; round < ROUNDS; round++) {
          const headers: Record<string, string> = { ...rnd.pick(HEADERS) };
          if (jar) {
            headers.cookie = jar.header();
            if (rnd.next() < 0.9) headers["x-csrf-token"] = jar.csrf ?? "";
          }
          const query = (op.parameters ?? [])
            .filter((p) => p.in === "query")
            .map((p) => `${encode(p.name)}=${encode(String(rnd.pick(HOSTILE_STRINGS)).slice(0, 3_000))}`);
          if (rnd.next() < 0.3) query.push("inconnu=1", "inconnu=2", "__proto__[x]=1");
          const url = `${concrete(op.path, rnd)}${query.length ? `?${query.join("&")}` : ""}`;
          let payload: string | undefined;
          if (op.method !== "GET" && op.method !== "DELETE") {
            const mode = rnd.next();
            if (mode < multipartShare) {
              const m = multipartBody(rnd);
              headers["content-type"] = m.contentType;
              payload = m.payload;
            } else if (mode < multipartShare + 0.5 * (1 - multipartShare)) {
              headers["content-type"] = "application/json";
              payload = JSON.stringify(bodyFor(jsonSchema, rnd));
            } else if (mode < multipartShare + 0.8 * (1 - multipartShare)) {
              headers["content-type"] = "application/json";
              payload = rnd.pick(BROKEN_JSON);
            } else {
              headers["content-type"] = rnd.pick(CONTENT_TYPES);
              payload = String(rnd.pick(HOSTILE_STRINGS));
            }
          }
          const res = await t.app.inject({ method: op.method, url, headers, ...(payload !== undefined ? { payload } : {}) });
          tried++;
          const body = res.rawPayload.subarray(0, 200_000).toString("utf8");
          const where = `${op.method} ${op.path} (round ${round}, ${jar ? "with a session" : "anonymous"}, seed ${SEED_VALUE}) → ${res.statusCode}`;
          if (res.statusCode >= 500) failures.push(`${where}: ${body.slice(0, 300)}`);
          else if (/\n\s+at [^\n]+\(|node_modules|\/src\/(modules|platform|app)\//.test(body))
            failures.push(`${where}: a stack trace or a server path: ${body.slice(0, 300)}`);
        }
      }
    }
    console.log(`fuzz: ${tried} requests over ${operations.length} operations (seed ${SEED_VALUE}, ${ROUNDS} rounds each)`);
    expect(failures).toEqual([]);
    expect(tried).toBeGreaterThan(operations.length * ROUNDS);
  }, 600_000);
});
