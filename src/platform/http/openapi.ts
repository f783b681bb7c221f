import { z } from "zod";

/**
 * Completes the generated OpenAPI document from the routes themselves, so that it lints clean (`@redocly/cli
 * lint`, recommended rules): a stable `operationId` per operation, the error answers every operation can give
 * when it declares none of its own, and those the platform gives before any route runs, whatever the route declares
 * (a malformed request, an unknown session or token, a missing CSRF header, a body too large or of another type,
 * the rate limit, an outage). Documentation only: validation and serialisation are untouched.
 */
type Operation = { operationId?: string; security?: unknown[]; responses?: Record<string, unknown> };
type Document = { paths?: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, unknown> } };

/** `post /api/v1/requests/{id}/messages` → `postRequestsByIdMessages`. */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .replace(/^\/api\/v1\/?/, "")
    .split(/[/.-]/)
    .filter(Boolean)
    .map((w) => w.replace(/^\{(.+)\}$/, "by-$1"))
    .flatMap((w) => w.split("-"))
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1));
  return `${method.toLowerCase()}${words.join("")}`;
}

const ERROR_BODY = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message", "requestId"],
      properties: {
        code: { type: "string", description: "Code stable, en snake_case" },
        message: { type: "string", description: "Phrase en français, qui nomme le champ ou la règle" },
        requestId: { type: "string", description: "Référence de l'erreur (aussi dans le journal du serveur)" },
        details: { type: "object", additionalProperties: true },
      },
    },
  },
};
const errorAnswer = (description: string) => ({ description, content: { "application/json": { schema: { $ref: "#/components/schemas/ErrorBody" } } } });

/**
 * A 2xx answer that is a file or a stream rather than JSON, declared with its real media types (a route that
 * sends such bytes must say which, or the document would call them JSON, or nothing). The route sends a string, a
 * Buffer or a stream itself: the schema is for the document only. `mediaTypes` defaults to `mediaType`; an
 * attachment is sent with the type its content was checked to have, so it lists them all.
 */
export function fileReply(description: string, mediaType: string, mediaTypes: readonly string[] = [mediaType]) {
  const text = mediaType.startsWith("text/") || mediaType === "application/x-pem-file";
  const schema = z.any().meta(text ? { type: "string" } : { type: "string", format: "binary" });
  return { description, content: Object.fromEntries(mediaTypes.map((m) => [m, { schema }])) };
}

export function completeOpenApi<T>(document: T): T {
  const doc = document as Document;
  doc.components ??= {};
  doc.components.schemas = { ...(doc.components.schemas ?? {}), ErrorBody: ERROR_BODY };
  for (const [path, operations] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(operations)) {
      op.operationId ??= operationIdOf(method, path);
      const responses = (op.responses ??= {});
      const codes = Object.keys(responses);
      if (!codes.some((c) => /^4/.test(c))) {
        responses["400"] = errorAnswer("Requête invalide (un champ, un paramètre)");
        if ((op.security?.length ?? 0) > 0) responses["401"] = errorAnswer("Session absente ou expirée");
        responses["404"] = errorAnswer("Introuvable, ou hors de vos droits");
      }
      // What the platform answers before any route does, on every operation (server.ts, auth.ts).
      responses["400"] ??= errorAnswer("Requête invalide (un paramètre, un en-tête, un caractère)");
      responses["401"] ??= errorAnswer("Session ou jeton présenté, mais inconnu ou expiré");
      if ((op.security?.length ?? 0) > 0) responses["403"] ??= errorAnswer("Refusé : en-tête X-CSRF-Token absent, ou jeton de logiciel sans la portée requise");
      if (["post", "put", "patch"].includes(method)) {
        responses["413"] ??= errorAnswer("Corps de la requête trop volumineux");
        responses["415"] ??= errorAnswer("Type de contenu non accepté");
      }
      responses["429"] ??= errorAnswer("Trop de requêtes : réessayez après Retry-After");
      responses["503"] ??= errorAnswer("Service momentanément indisponible (base de données, surcharge) : réessayez");
    }
  }
  return document;
}
