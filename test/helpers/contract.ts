import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import formats from "ajv-formats";
import type { FastifyInstance } from "fastify";

/**
 * The contract as the code answers it: every answer of a test app is checked against the committed OpenAPI document
 * (docs/openapi.json) — its status must be one the operation declares, its media type one that status declares, and
 * a JSON body must follow the declared schema. The test app records what does not match, and its `close()` fails
 * with the list, so every route test and every browser journey replays its answers through this check.
 */

type MediaObject = { schema?: unknown };
type ResponseObject = { content?: Record<string, MediaObject> };
type OperationObject = { responses?: Record<string, ResponseObject> };
type Document = { paths: Record<string, Record<string, OperationObject>> };

const DOCUMENT_FILE = new URL("../../docs/openapi.json", import.meta.url);
const DOCUMENT_ID = "openapi.json";

/** One operation of the document, with the expression its concrete paths match. */
type Route = { method: string; template: string; pattern: RegExp; literal: number; operation: OperationObject };

let loaded: { routes: Route[]; ajv: Ajv2020 } | undefined;
const validators = new Map<string, ValidateFunction>();

function contract() {
  if (loaded) return loaded;
  const document = JSON.parse(readFileSync(DOCUMENT_FILE, "utf8")) as Document;
  const routes: Route[] = Object.entries(document.paths).flatMap(([template, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({
      method: method.toUpperCase(),
      template,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{[^}]+\\?\}/g, "[^/]+")}$`),
      literal: template.replace(/\{[^}]+\}/g, "").length,
      operation,
    })),
  );
  // A literal path (`/companies.csv`, `/companies/summary`) wins over a template that also matches it.
  routes.sort((a, b) => b.literal - a.literal);
  // The document itself is the schema every response schema is read from, so its `$ref`s resolve as written.
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  formats.default(ajv);
  ajv.addFormat("binary", true);
  ajv.addSchema(document, DOCUMENT_ID);
  loaded = { routes, ajv };
  return loaded;
}

/** The body of an answer sent as a stream, which the check does not read. */
export const STREAM = "(stream)";

const pointer = (...parts: string[]) => parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/");

/** What one answer breaks of the contract, in words (an empty list when it keeps it). */
export function contractViolations(method: string, url: string, status: number, contentType: string | undefined, body: string | undefined): string[] {
  const path = url.split("?")[0]!;
  if (!path.startsWith("/api/")) return [];
  const { routes, ajv } = contract();
  const route = routes.find((r) => r.method === method && r.pattern.test(path));
  // Operations the document does not list (an unknown path, a HEAD) have no contract to keep.
  if (!route) return [];
  const where = `${method} ${route.template} → ${status}`;
  const responses = route.operation.responses ?? {};
  const code = [String(status), `${String(status)[0]}XX`, "default"].find((c) => c in responses);
  if (!code) return [`${where}: status not declared (declared: ${Object.keys(responses).join(", ")})`];
  const content = responses[code]!.content ?? {};
  // Fastify sends no body with a 204 or a 304, whatever the handler gave.
  const empty = body === undefined || body.length === 0 || status === 204 || status === 304;
  if (Object.keys(content).length === 0) return empty ? [] : [`${where}: a body (${contentType ?? "no media type"}) where the document declares none`];
  if (empty && (status === 204 || status === 304 || method === "HEAD")) return [];
  const media = contentType?.split(";")[0]!.trim().toLowerCase();
  if (!media) return [`${where}: no media type (declared: ${Object.keys(content).join(", ")})`];
  if (!(media in content)) return [`${where}: ${media} where the document declares ${Object.keys(content).join(", ")}`];
  if (media !== "application/json" || body === undefined || body === STREAM) return [];
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return [`${where}: declared JSON, but the body is not JSON`];
  }
  const ref = `${DOCUMENT_ID}#/${pointer("paths", route.template, route.method.toLowerCase(), "responses", code, "content", media, "schema")}`;
  let validate = validators.get(ref);
  if (!validate) {
    validate = ajv.getSchema(ref);
    if (!validate) return [`${where}: no schema at ${ref}`];
    validators.set(ref, validate);
  }
  if (validate(value)) return [];
  const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`);
  return [`${where}: the JSON body does not follow the schema: ${errors.join("; ")}`];
}

/**
 * Records, on an app not yet ready, every answer that breaks the contract. Streams (a CSV written as it is read, a
 * ZIP, an event stream) are checked by status and media type only: their body is not read here.
 */
export function recordContractViolations(app: FastifyInstance, into: string[]): void {
  // An unexpected error's cause goes with the violation it makes, so that a failed run names it (test apps log nothing).
  const causes = new WeakMap<object, Error>();
  app.addHook("onError", async (req, _reply, error) => {
    causes.set(req, error);
  });
  app.addHook("onSend", async (req, reply, payload) => {
    const contentType = reply.getHeader("content-type");
    let body: string | undefined;
    if (typeof payload === "string") body = payload;
    else if (Buffer.isBuffer(payload)) body = payload.toString("utf8");
    else if (payload !== null && payload !== undefined) body = STREAM;
    const found = contractViolations(req.method, req.url, reply.statusCode, typeof contentType === "string" ? contentType : undefined, body);
    const cause = reply.statusCode >= 500 ? causes.get(req) : undefined;
    into.push(...(cause ? found.map((v) => `${v} (cause: ${(cause.stack ?? String(cause)).split("\n").slice(0, 4).join(" ← ")})`) : found));
    return payload;
  });
}

/** Fails (when a test app closes) naming every answer that the document does not declare, once each. */
export function assertNoContractViolations(violations: string[]): void {
  if (violations.length > 0) throw new Error(`answers that the OpenAPI document does not declare:\n${[...new Set(violations)].join("\n")}`);
}
