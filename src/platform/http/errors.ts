import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { DomainError, type ErrorKind } from "../errors.js";
import { fieldLabel } from "./field-labels.js";

export const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  too_large: 413,
  unsupported_type: 415,
  refused: 422,
  rate_limited: 429,
  unavailable: 503,
};

export type ErrorBody = { error: { code: string; message: string; requestId: string; details?: Record<string, unknown> } };

/**
 * node-postgres / PGlite failures that mean "the database is not reachable right now", or not writable right now:
 * during a failover a connection can still reach the old primary, demoted to a standby, for the instant before the
 * load balancer cuts it (25006, read_only_sql_transaction) — the retry reaches the new primary.
 */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EHOSTUNREACH",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "25006",
  "53300",
]);

function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    (typeof e.code === "string" && UNAVAILABLE_CODES.has(e.code)) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(e.message ?? "")
  );
}

const CONTEXTS: Record<string, string> = { body: "corps de la requête", querystring: "paramètres de l'adresse", params: "adresse", headers: "en-têtes" };

/** « Champ « Objet » : Ce champ ne peut pas être vide. », naming every field to correct. */
export function validationSentence(issues: { field: string; message: string }[]): string {
  const named = issues.map((i) => {
    const [context, ...path] = i.field.split(".");
    const name = path.length ? `« ${fieldLabel(path)} »` : (CONTEXTS[context ?? ""] ?? "requête");
    return { name, message: i.message.replace(/\.$/, "") };
  });
  if (named.length === 1) return `Champ ${named[0]!.name} : ${named[0]!.message}.`;
  return `${named.length} champs à corriger : ${named.map((n) => `${n.name} (${n.message.charAt(0).toLowerCase()}${n.message.slice(1)})`).join(", ")}.`;
}

/** Fastify's own 4xx errors, given stable codes and French messages. */
function fastifyClientError(error: FastifyError): { status: number; code: string; message: string } | null {
  const status = error.statusCode ?? 500;
  if (status < 400 || status >= 500) return null;
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return { status: 413, code: "payload_too_large", message: "Le corps de la requête est trop volumineux." };
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return { status: 415, code: "unsupported_media_type", message: "Type de contenu non pris en charge : envoyez du JSON." };
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return { status: 400, code: "malformed_json", message: "Le corps JSON est vide." };
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return { status: 400, code: "malformed_request", message: "En-tête Content-Length invalide." };
    default:
      if (error instanceof SyntaxError || /JSON/i.test(error.message)) {
        return { status: 400, code: "malformed_json", message: "Le corps de la requête n'est pas un JSON valide." };
      }
      if (status === 429) {
        // The rate limiter throws the body its errorResponseBuilder wrote (with the wait in seconds).
        const built = (error as unknown as { error?: { message?: unknown } }).error?.message;
        return { status, code: "rate_limited", message: typeof built === "string" ? built : "Trop de requêtes ; réessayez dans une minute." };
      }
      return { status, code: "bad_request", message: "Requête invalide." };
  }
}

/**
 * The single place where failures become HTTP answers: a coded body with the request id, never a stack trace.
 */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const requestId = request.id;
  const send = (status: number, code: string, message: string, details?: Record<string, unknown>) => {
    const body: ErrorBody = { error: { code, message, requestId, ...(details ? { details } : {}) } };
    return reply.status(status).type("application/json; charset=utf-8").send(body);
  };

  if (error instanceof DomainError) {
    // A service of ours that failed (a stored file that cannot be read: its cause) is the operators' to know.
    if (error.kind === "unavailable" && error.cause !== undefined) request.log.error({ err: error.cause, code: error.code }, error.message);
    if (error.retryAfterSeconds) reply.header("Retry-After", String(error.retryAfterSeconds));
    return send(STATUS_OF_KIND[error.kind], error.code, error.message, error.details);
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((v) => {
      // The sentence names the choices in words; the codes a program must send stay in `accepted`.
      const accepted = (v.params as { values?: unknown } | undefined)?.values;
      return {
        field: [error.validationContext, ...String(v.instancePath).split("/").filter(Boolean)].join("."),
        message: v.message ?? "Valeur invalide.",
        ...(Array.isArray(accepted) ? { accepted } : {}),
      };
    });
    return send(400, "invalid_request", validationSentence(issues), { issues });
  }
  if (isDatabaseUnavailable(error)) {
    request.log.error({ err: error }, "database unavailable");
    reply.header("Retry-After", "5");
    return send(503, "service_unavailable", "Le service est momentanément indisponible ; réessayez dans quelques secondes.");
  }
  const client = fastifyClientError(error);
  if (client) return send(client.status, client.code, client.message);
  request.log.error({ err: error }, "unexpected error");
  return send(500, "internal_error", "Une erreur inattendue s'est produite. Communiquez l'identifiant de requête au support.");
}
