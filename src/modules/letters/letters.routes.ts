import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { routesPlugin } from "../../platform/http/routes.js";
import { fileReply } from "../../platform/http/openapi.js";
import { sirenProblem } from "../../shared/siren.js";
import type { LettersDeps } from "./letters.service.js";
import { letterPdf, listLetterViews } from "./letters.service.js";

const letterSchema = z.object({
  id: z.string(),
  number: z.string(),
  siren: z.string(),
  kind: z.enum(["activation", "email_change_notice", "correspondence"]),
  status: z.string(),
  addressLines: z.array(z.string()),
  fields: z.record(z.string(), z.unknown()),
  editedAt: z.string(),
  pdfUrl: z.string(),
});

/** Development letter box API (never registered in production). */
export function devLetterRoutes(deps: Pick<LettersDeps, "db" | "sealer">): FastifyPluginAsyncZod {
  return routesPlugin((app) => {
    app.get(
      "/api/v1/dev/letters",
      {
        schema: {
          security: [],
          tags: ["dev"],
          summary: "Letters kept by the development letter box, newest first, with their fields (codes included until posted)",
          querystring: z.object({
            siren: z
              .string()
              .regex(/^\d{9}$/, { error: (issue) => sirenProblem(typeof issue.input === "string" ? issue.input : "") ?? undefined })
              .optional(),
            limit: z.coerce.number().int().min(1).max(500).default(100),
          }),
          response: { 200: z.object({ items: z.array(letterSchema) }) },
        },
      },
      async (req) => {
        const letters = await listLetterViews(deps, req.query.siren, req.query.limit);
        return {
          items: letters.map((l) => ({ ...l, editedAt: l.editedAt.toISOString(), pdfUrl: `/api/v1/dev/letters/${l.id}/pdf` })),
        };
      },
    );
    app.get(
      "/api/v1/dev/letters/:id/pdf",
      {
        schema: {
          security: [],
          tags: ["dev"],
          summary: "The PDF of a letter of the development letter box",
          params: z.object({ id: z.uuid() }),
          response: { 200: fileReply("Le courrier", "application/pdf") },
        },
      },
      async (req, reply) => {
        const pdf = await letterPdf(deps, req.params.id);
        return reply
          .type("application/pdf")
          .header("Content-Disposition", `attachment; filename="courrier-${req.params.id.slice(0, 8)}.pdf"`)
          .send(pdf);
      },
    );
  });
}
