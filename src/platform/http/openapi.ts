/**
 * Completes the generated OpenAPI document from the routes themselves, so that it lints clean (`@redocly/cli
 * lint`, recommended rules): a stable `operationId` per operation, the error answers every operation can give
 * when it declares none of its own, and a 2xx answer for the ones that send a file or a stream (which have no
 * JSON schema to declare). Documentation only: validation and serialisation are untouched.
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

/** What an operation without a JSON answer sends, by its path. */
function fileAnswer(path: string) {
  if (path.endsWith("/events"))
    return { description: "Flux d'événements (server-sent events)", content: { "text/event-stream": { schema: { type: "string" } } } };
  if (path.endsWith(".pdf") || path.endsWith("/pdf"))
    return { description: "Le document PDF", content: { "application/pdf": { schema: { type: "string", format: "binary" } } } };
  if (path.endsWith("/public-key"))
    return { description: "La clé publique, au format PEM", content: { "application/x-pem-file": { schema: { type: "string" } } } };
  return { description: "Le fichier, avec son type vérifié", content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } } };
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
      if (!codes.some((c) => /^2/.test(c))) responses["200"] = fileAnswer(path);
      if (!codes.some((c) => /^4/.test(c))) {
        responses["400"] = errorAnswer("Requête invalide (un champ, un paramètre)");
        if ((op.security?.length ?? 0) > 0) responses["401"] = errorAnswer("Session absente ou expirée");
        responses["404"] = errorAnswer("Introuvable, ou hors de vos droits");
        responses["429"] = errorAnswer("Trop de requêtes : réessayez après Retry-After");
      }
    }
  }
  return document;
}
