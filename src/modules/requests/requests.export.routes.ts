import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { routesPlugin } from "../../platform/http/routes.js";
import { requirePerson } from "../../platform/http/auth.js";
import { fileReply } from "../../platform/http/openapi.js";
import { isCalendarDay, parisDayEnd, parisDayStart } from "../../platform/paris.js";
import { errorReply, sirenField } from "../spaces/index.js";
import { TAX_CODES } from "./requests.catalogue.js";
import { STATUSES } from "./requests.states.js";
import { EXPORT_RULES, getExport, listExports, requestExport, type ExportDeps, type ExportView } from "./requests.export.js";
import { openExport } from "./requests.export.store.js";

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorReply]));
const parisDay = z.string().refine(isCalendarDay, { message: "date attendue au format AAAA-MM-JJ (par exemple 2026-12-31)" });

const exportSchema = z.object({
  id: z.uuid(),
  status: z.enum(["running", "ready", "failed"]),
  /** From 0 to 1: the share of the requests written so far. */
  progress: z.number(),
  requests: z.number().int(),
  /** Bytes of the ZIP, once ready. */
  size: z.number().int().nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
});
const exportJson = (e: ExportView) => ({
  id: e.id,
  status: e.status,
  progress: e.progress,
  requests: e.requests,
  size: e.size,
  createdAt: e.createdAt.toISOString(),
  expiresAt: e.expiresAt?.toISOString() ?? null,
});
const idParams = z.object({ id: z.uuid({ error: "identifiant d'export invalide" }) });

/** Signed exports (api.md, product §14). */
export function exportRoutes(deps: ExportDeps): FastifyPluginAsyncZod {
  return routesPlugin((app) => {
    app.post(
      "/api/v1/exports",
      {
        schema: {
          tags: ["exports"],
          summary: "Export the threads I may see, for chosen companies and filters, as a signed ZIP (built in the background)",
          security: [{ session: [], csrf: [] }],
          body: z
            .object({
              /** The companies (absent: all those I see). */
              sirens: z.array(sirenField).min(1).max(EXPORT_RULES.maxCompanies).optional(),
              tax: z.enum(TAX_CODES).optional(),
              status: z.enum(STATUSES).optional(),
              /** Filed on or after this Paris day. */
              from: parisDay.optional(),
              /** Filed on or before this Paris day. */
              to: parisDay.optional(),
            })
            .refine((b) => !b.from || !b.to || b.from <= b.to, { message: "la date de début doit précéder la date de fin, ou lui être égale", path: ["from"] }),
          response: { 202: z.object({ exportId: z.uuid() }), ...errors(400, 401, 403, 413) },
        },
      },
      async (req, reply) => {
        const b = req.body;
        const scope = {
          ...b,
          receivedFrom: b.from ? parisDayStart(b.from).toISOString() : undefined,
          receivedBefore: b.to ? parisDayEnd(b.to).toISOString() : undefined,
        };
        return reply.status(202).send(await requestExport(deps, requirePerson(req).subjectId, scope));
      },
    );

    app.get(
      "/api/v1/exports",
      {
        schema: {
          tags: ["exports"],
          summary: "My exports of the last 7 days, newest first",
          security: [{ session: [] }],
          response: { 200: z.object({ items: z.array(exportSchema) }), ...errors(401) },
        },
      },
      async (req) => ({ items: (await listExports(deps, requirePerson(req).subjectId)).map(exportJson) }),
    );

    app.get(
      "/api/v1/exports/:id",
      {
        schema: {
          tags: ["exports"],
          summary: "One of my exports: its progress",
          security: [{ session: [] }],
          params: idParams,
          response: { 200: exportSchema, ...errors(400, 401, 404) },
        },
      },
      async (req) => exportJson(await getExport(deps, requirePerson(req).subjectId, req.params.id)),
    );

    app.get(
      "/api/v1/exports/:id/download",
      {
        schema: {
          tags: ["exports"],
          summary: "The ZIP of a ready export (its owner only)",
          security: [{ session: [] }],
          params: idParams,
          response: { 200: fileReply("L'export : une archive ZIP", "application/zip"), ...errors(400, 401, 404, 409, 503) },
        },
      },
      async (req, reply) => {
        const file = await openExport(deps, requirePerson(req).subjectId, req.params.id);
        return reply
          .header("content-type", "application/zip")
          .header("content-length", String(file.size))
          .header("content-disposition", `attachment; filename="${file.name}"`)
          .header("x-content-type-options", "nosniff")
          .send(file.stream);
      },
    );
  });
}
