import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from "fastify";
import { z } from "zod";
import { DomainError } from "../errors.js";
import { fieldLabel } from "./field-labels.js";

/**
 * Text PostgreSQL cannot store: the NUL character (U+0000) and lone UTF-16 surrogates (JSON lets a client write
 * "\ud800"; no valid Unicode text holds one). Refused here, for every field of every route, before validation.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function unsafeTextProblem(value: string): string | null {
  if (value.includes("\u0000")) return "le caractère nul (U+0000)";
  if (LONE_SURROGATE.test(value)) return "un demi-caractère Unicode isolé";
  return null;
}

/** The place of an unsafe character found in a key rather than in a value. */
const KEY = "(nom de champ)";

/** The path of the first unsafe string in a parsed body, query or params (keys included), with its problem. */
function findUnsafe(value: unknown, path: string[], depth = 0): { path: string[]; problem: string } | null {
  if (typeof value === "string") {
    const problem = unsafeTextProblem(value);
    return problem ? { path, problem } : null;
  }
  if (depth > 32 || value === null || typeof value !== "object") return null;
  // An upload's body stream or a buffer holds no field (and walking a stream would walk its socket and server).
  if (ArrayBuffer.isView(value) || typeof (value as { pipe?: unknown }).pipe === "function") return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnsafe(value[i], [...path, String(i)], depth + 1);
      if (found) return found;
    }
    return null;
  }
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const problem = unsafeTextProblem(key);
    if (problem) return { path: [...path, KEY], problem };
    const found = findUnsafe(v, [...path, key], depth + 1);
    if (found) return found;
  }
  return null;
}

const PLACES = { body: "corps", querystring: "paramètre", params: "chemin" } as const;

/** preValidation hook: a 400 naming the field, before any schema, handler or query sees the text. */
export function refuseUnsafeText(request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction): void {
  done(unsafeTextError(request));
}

function unsafeTextError(request: FastifyRequest): DomainError | undefined {
  for (const [where, value] of [
    ["params", request.params],
    ["querystring", request.query],
    ["body", request.body],
  ] as const) {
    const found = findUnsafe(value, []);
    if (!found) continue;
    // The field as its form names it (« Objet »), never its name in the schema.
    const field = fieldLabel(found.path) || PLACES[where];
    return new DomainError("invalid", "invalid_characters", `Le champ « ${field} » contient ${found.problem}, qui ne peut pas être enregistré : retirez-le.`, {
      issues: [{ field: [where, ...found.path].join("."), message: `contient ${found.problem}` }],
    });
  }
  return undefined;
}

/** Line endings as stored: a browser's form sends `\r\n`, an old Mac `\r`; stored text only ever holds `\n`. */
export const normalizeLineEndings = (text: string): string => text.replace(/\r\n?/g, "\n");

/**
 * A text a person writes and the platform stores (message bodies, notes, campaign texts, templates): its line endings
 * normalised on input, before any other check (lengths count characters a reader sees).
 */
export const storedText = () => z.string().overwrite(normalizeLineEndings);
