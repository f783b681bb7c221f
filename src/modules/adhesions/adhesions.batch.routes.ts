import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import fastifyMultipart from "@fastify/multipart";
import { checkedFileName, multipartRefusal } from "../../platform/http/multipart.js";
import { z } from "zod";
import { requirePerson } from "../../platform/http/auth.js";
import { fileReply } from "../../platform/http/openapi.js";
import { DomainError } from "../../platform/errors.js";
import { errorReply } from "../spaces/index.js";
import { SERVICE_CODES } from "./adhesions.catalogue.js";
import type { AdhesionsDeps } from "./adhesions.service.js";
import { BATCH_RULES, batchReportCsv, getAdhesionBatch, parseBatchCsv, submitAdhesionBatch, type BatchInput, type BatchView } from "./adhesions.batch.js";
import { fieldLabel } from "../../platform/http/field-labels.js";
import { parisDay } from "../../platform/paris.js";

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorReply]));

const qualityField = z.enum(["legal_representative", "mandated"]);
const servicesField = z.array(z.enum(SERVICE_CODES)).min(1, "choisissez au moins un service").max(SERVICE_CODES.length);

/** The JSON form of a batch. SIRENs are checked line by line afterwards, each refusal on its own line. */
const batchBody = z.object({
  quality: qualityField,
  services: servicesField,
  items: z
    .array(z.object({ siren: z.string().max(64, "64 caractères au plus"), companyEmail: z.string().max(254).optional() }))
    .max(BATCH_RULES.maxLines, `${BATCH_RULES.maxLines} SIREN au plus`),
});

const idempotencyHeader = z.object({
  "idempotency-key": z
    .string()
    .min(8)
    .max(128)
    .regex(/^[\w-]+$/, "clé d'idempotence invalide")
    .optional(),
});

const batchSchema = z.object({
  id: z.uuid(),
  status: z.enum(["running", "done"]),
  quality: qualityField,
  services: z.array(z.string()),
  total: z.number().int(),
  /** Lines with a result so far (the progress). */
  done: z.number().int(),
  created: z.number().int(),
  refused: z.number().int(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  items: z.array(
    z.object({
      line: z.number().int(),
      siren: z.string(),
      companyName: z.string().nullable(),
      status: z.enum(["pending", "created", "refused"]),
      adhesionId: z.uuid().nullable(),
      error: z.object({ code: z.string(), message: z.string() }).nullable(),
    }),
  ),
});
const batchJson = (b: BatchView) => ({ ...b, createdAt: b.createdAt.toISOString(), finishedAt: b.finishedAt ? b.finishedAt.toISOString() : null });

/** A multipart batch: the CSV in `file`, the quality and the services (comma-separated or repeated) as fields. */
async function multipartBatch(req: FastifyRequest): Promise<BatchInput> {
  let file: Buffer | undefined;
  const fields: Record<string, string[]> = {};
  try {
    for await (const part of req.parts()) {
      if (part.type === "file") {
        if (part.fieldname !== "file") throw new DomainError("invalid", "file_required", "Le fichier CSV est attendu dans le champ « file ».");
        checkedFileName(part.filename);
        file = await part.toBuffer();
      } else {
        (fields[part.fieldname] ??= []).push(String(part.value));
      }
    }
  } catch (error) {
    throw multipartRefusal(error, {
      expected: "Un seul fichier CSV dans le champ « file », avec les champs « quality » et « services ».",
      tooLarge: "Le fichier CSV dépasse 1 Mo : une demande groupée compte au plus 500 SIREN.",
    });
  }
  if (!file) throw new DomainError("invalid", "file_required", "Le fichier CSV est attendu dans le champ « file ».");
  const parsed = z.object({ quality: qualityField, services: servicesField }).safeParse({
    quality: fields.quality?.[0],
    services: (fields.services ?? [])
      .flatMap((s) => s.split(","))
      .map((s) => s.trim())
      .filter(Boolean),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DomainError("invalid", "invalid_request", `Champ « ${fieldLabel(issue.path) || "Votre qualité"} » : ${issue.message.replace(/\.$/, "")}.`, {
      issues: parsed.error.issues.map((i) => ({ field: i.path.join("."), message: i.message })),
    });
  }
  return { ...parsed.data, items: parseBatchCsv(file) };
}

/** Bulk adhesion (api.md, product §14): submit, follow, download the report. */
export function adhesionBatchRoutes(deps: AdhesionsDeps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(fastifyMultipart, { limits: { fileSize: 1024 * 1024, files: 1, fields: 10, parts: 12 } });

    app.post(
      "/api/v1/adhesions/batch",
      {
        schema: {
          tags: ["adhesions"],
          summary: "Adhere to up to 500 companies at once (JSON, or a CSV in multipart field `file` with fields `quality` and `services`)",
          description:
            "JSON body: `{quality, services, items:[{siren, companyEmail?}]}`. Multipart: `file` (CSV with a `siren` column and, where messagerie is asked for a company without a verified address, `companyEmail`), `quality`, `services`. More than 500 lines: 413. Each line gets its own result; each company its own letter.",
          security: [{ session: [], csrf: [] }],
          headers: idempotencyHeader,
          response: { 202: z.object({ batchId: z.uuid() }), ...errors(400, 401, 403, 413, 415, 422) },
        },
      },
      async (req, reply) => {
        const spaceId = requirePerson(req).subjectId;
        let input: BatchInput;
        if (req.isMultipart()) {
          input = await multipartBatch(req);
        } else {
          const tooMany =
            Array.isArray((req.body as { items?: unknown } | undefined)?.items) && (req.body as { items: unknown[] }).items.length > BATCH_RULES.maxLines;
          if (tooMany)
            throw new DomainError("too_large", "too_many_lines", `Une demande groupée compte au plus ${BATCH_RULES.maxLines} SIREN. Découpez votre liste.`);
          const parsed = batchBody.safeParse(req.body);
          if (!parsed.success) {
            const issue = parsed.error.issues[0]!;
            throw new DomainError("invalid", "invalid_request", `Champ « ${fieldLabel(issue.path) || "corps"} » : ${issue.message}.`, {
              issues: parsed.error.issues.map((i) => ({ field: i.path.join("."), message: i.message })),
            });
          }
          input = parsed.data;
        }
        return reply.status(202).send(await submitAdhesionBatch(deps, spaceId, input, req.headers["idempotency-key"]));
      },
    );

    app.get(
      "/api/v1/adhesions/batch/:id",
      {
        schema: {
          tags: ["adhesions"],
          summary: "A batch of adhesions: progress and the result of every line",
          security: [{ session: [] }],
          params: z.object({ id: z.uuid({ error: "identifiant de demande groupée invalide" }) }),
          response: { 200: batchSchema, ...errors(400, 401, 404) },
        },
      },
      async (req) => batchJson(await getAdhesionBatch(deps, requirePerson(req).subjectId, req.params.id)),
    );

    app.get(
      "/api/v1/adhesions/batch/:id/report.csv",
      {
        schema: {
          tags: ["adhesions"],
          summary: "The report of a batch, as a CSV (semicolons, UTF-8 with BOM)",
          security: [{ session: [] }],
          params: z.object({ id: z.uuid({ error: "identifiant de demande groupée invalide" }) }),
          response: { 200: fileReply("Le compte rendu, ligne par ligne", "text/csv"), ...errors(400, 401, 404) },
        },
      },
      async (req, reply) => {
        const batch = await getAdhesionBatch(deps, requirePerson(req).subjectId, req.params.id);
        return reply
          .header("content-type", "text/csv; charset=utf-8")
          .header("content-disposition", `attachment; filename="adhesions-${parisDay(batch.createdAt)}.csv"`)
          .send(batchReportCsv(batch));
      },
    );
  };
}
