import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom, type Random } from "../helpers/random.js";
import { randomUUID } from "node:crypto";
import type { CookieJar, TestApp } from "../helpers/app.js";
import { walkableApp, type JsonSchema, type Operation } from "../helpers/openapi.js";
import { SEED } from "../../src/app/demo.js";

/**
 * Requests generated from the OpenAPI document's own schemas — well-formed path parameters, queries and JSON bodies,
 * optional fields sometimes left out — sent to every operation that needs no session, and to every operation of the
 * company side as a signed-in person. The property: never a 500, and always a status the document declares for
 * that operation (the test app's contract check adds: its media type and its JSON schema). Seeded: a failure names
 * its seed, and `PROPERTY_SEED=… PROPERTY_ROUNDS=…` replays it.
 */

const SEED_VALUE = Number(process.env.PROPERTY_SEED ?? 20261204);
const ROUNDS = Number(process.env.PROPERTY_ROUNDS ?? 6);

type Schema = JsonSchema & {
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  required?: string[];
  default?: unknown;
};

const SIRENS = [SEED.gestion.siren, SEED.martin.siren, SEED.concurrence.siren];
const WORDS = ["TVA", "acompte", "remboursement", "échéance", "Lyon", "société", "crédit", "relevé", "2026", "Œuvre"];

/** A value of a string pattern the document uses, or undefined when the pattern is not one of them. */
function patterned(pattern: string, rnd: Random): string | undefined {
  if (pattern === "^\\d{9}$") return rnd.pick([...SIRENS, String(rnd.int(100_000_000, 999_999_999))]);
  if (pattern === "^\\d{1,9}$") return String(rnd.int(0, 99_999));
  if (pattern.startsWith("^\\+?[0-9 .()-]")) return rnd.pick(["01 23 45 67 89", "+33 4 72 00 00 00", "0472000000"]);
  if (pattern === "^[\\w-]+$") return rnd.pick(["brouillon", "vue-1", "a_b"]);
  if (pattern.includes("[0-9a-fA-F]{8}")) return randomUUID();
  if (pattern.includes("T(?:")) return new Date(Date.UTC(2026, 10, rnd.int(1, 28), rnd.int(0, 23))).toISOString();
  if (pattern.includes("02-29")) return `2026-${String(rnd.int(1, 12)).padStart(2, "0")}-${String(rnd.int(1, 28)).padStart(2, "0")}`;
  return undefined;
}

function text(s: Schema, rnd: Random): string {
  const min = s.minLength ?? 0;
  const max = Math.min(s.maxLength ?? 60, Math.max(min, 60));
  let out = "";
  while (out.length < min || (out.length < max && rnd.next() < 0.6)) out = `${out}${out ? " " : ""}${rnd.pick(WORDS)}`;
  return out.slice(0, max);
}

/** A value the schema accepts (as far as its keywords tell; a rule checked in code may still refuse it). */
function valueOf(schema: Schema | undefined, rnd: Random, depth = 0): unknown {
  if (!schema || depth > 6) return null;
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return rnd.pick(schema.enum);
  const variants = [...(schema.anyOf ?? []), ...(schema.oneOf ?? [])] as Schema[];
  if (variants.length) return valueOf(rnd.pick(variants), rnd, depth + 1);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : schema.properties ? ["object"] : ["string"];
  const type =
    types.length > 1 && types.includes("null") && rnd.next() < 0.2
      ? "null"
      : rnd.pick(types.filter((t) => t !== "null").length ? types.filter((t) => t !== "null") : types);
  switch (type) {
    case "null":
      return null;
    case "boolean":
      return rnd.next() < 0.5;
    case "integer":
    case "number": {
      const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 0);
      const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : Math.max(min, 100));
      return rnd.int(Math.ceil(min), Math.floor(Math.min(max, min + 1000)));
    }
    case "array": {
      const n = rnd.int(schema.minItems ?? 0, Math.min(schema.maxItems ?? 3, (schema.minItems ?? 0) + 3));
      return Array.from({ length: n }, () => valueOf(schema.items as Schema, rnd, depth + 1));
    }
    case "object": {
      const required = new Set(schema.required ?? []);
      return Object.fromEntries(
        Object.entries(schema.properties ?? {})
          .filter(([k]) => required.has(k) || rnd.next() < 0.5)
          .map(([k, s]) => [k, valueOf(s as Schema, rnd, depth + 1)]),
      );
    }
    default: {
      if (schema.pattern) {
        const value = patterned(schema.pattern, rnd);
        if (value !== undefined) return value;
      }
      if (schema.format === "uuid") return randomUUID();
      if (schema.format === "date-time") return new Date(Date.UTC(2026, 10, rnd.int(1, 28), rnd.int(0, 23))).toISOString();
      if (schema.format === "date") return `2026-${String(rnd.int(1, 12)).padStart(2, "0")}-${String(rnd.int(1, 28)).padStart(2, "0")}`;
      if (schema.format === "email") return `personne.${rnd.int(1, 9999)}@exemple.fr`;
      return text(schema, rnd);
    }
  }
}

const queryValue = (v: unknown) => (Array.isArray(v) ? v.map(String).join(",") : String(v));

let t: TestApp;
let operations: Operation[];
let person: CookieJar;
beforeAll(async () => {
  ({ t, operations, person } = await walkableApp("proprietes@dgfip.test"));
}, 120_000);
afterAll(async () => t?.close());

/** Event streams never end; signing out would end the person's session for the operations after it. */
const skipped = (op: Operation) => op.path.endsWith("/events") || (op.method === "DELETE" && /\/session$/.test(op.path));

describe("requests generated from the document's own schemas", () => {
  it("get no 500 and only statuses the document declares, without a session and as a signed-in person", async () => {
    const rnd = seededRandom(SEED_VALUE);
    const failures: string[] = [];
    const statuses = new Map<string, number>();
    let sent = 0;
    const publicOps = operations.filter((op) => op.security?.length === 0);
    const personOps = operations.filter((op) => op.security?.some((s) => "session" in s));
    for (const [op, jar] of [...publicOps.map((op) => [op, undefined] as const), ...personOps.map((op) => [op, person] as const)]) {
      if (skipped(op)) continue;
      const declared = Object.keys(op.responses ?? {});
      for (let round = 0; round < ROUNDS; round++) {
        const parameters = op.parameters ?? [];
        const path = op.path.replace(/\{(\w+)\}/g, (_m, name: string) =>
          encodeURIComponent(String(valueOf(parameters.find((p) => p.in === "path" && p.name === name)?.schema, rnd))),
        );
        const query = parameters
          .filter((p) => p.in === "query" && (p.required || rnd.next() < 0.5))
          .map((p) => `${encodeURIComponent(p.name)}=${encodeURIComponent(queryValue(valueOf(p.schema as Schema, rnd)))}`);
        const url = `${path}${query.length ? `?${query.join("&")}` : ""}`;
        const headers: Record<string, string> = {};
        if (jar) {
          headers.cookie = jar.header();
          headers["x-csrf-token"] = jar.csrf ?? "";
        }
        const bodySchema = op.requestBody?.content["application/json"]?.schema;
        let payload: string | undefined;
        if (bodySchema && op.method !== "GET") {
          headers["content-type"] = "application/json";
          payload = JSON.stringify(valueOf(bodySchema, rnd));
        }
        const res = await t.app.inject({ method: op.method, url, headers, ...(payload !== undefined ? { payload } : {}) });
        sent++;
        const where = `${op.method} ${op.path} (round ${round}, ${jar ? "as a person" : "anonymous"}, seed ${SEED_VALUE}) → ${res.statusCode}`;
        statuses.set(String(res.statusCode), (statuses.get(String(res.statusCode)) ?? 0) + 1);
        if (res.statusCode >= 500) failures.push(`${where}: ${res.body.slice(0, 300)}`);
        else if (!declared.includes(String(res.statusCode))) failures.push(`${where}, not declared (${declared.join(", ")}): ${res.body.slice(0, 200)}`);
      }
    }
    console.log(`properties: ${sent} requests (seed ${SEED_VALUE}, ${ROUNDS} rounds), statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan((publicOps.length + personOps.length - 4) * ROUNDS);
    // Requests that follow the schemas get through validation often: the property says something about the routes.
    expect([...statuses].filter(([s]) => /^2/.test(s)).reduce((n, [, c]) => n + c, 0)).toBeGreaterThan(sent / 5);
  }, 600_000);
});
