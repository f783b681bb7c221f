import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Executor } from "../../platform/db/database.js";
import { listCaughtLetters } from "./letters.repository.js";

const caughtLetter = z.object({
  id: z.string(),
  siren: z.string(),
  kind: z.enum(["activation", "email_change_notice"]),
  addressLines: z.array(z.string()),
  fields: z.record(z.string(), z.unknown()),
  editedAt: z.string(),
  pdfUrl: z.string().nullable(),
});

/** Development letter box API (never registered in production). */
export function devLetterRoutes(deps: { db: Executor }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/v1/dev/letters",
      {
        schema: {
          tags: ["dev"],
          summary: "Letters captured by the development letter box, newest first",
          querystring: z.object({
            siren: z.string().regex(/^\d{9}$/, "SIREN : 9 chiffres").optional(),
            limit: z.coerce.number().int().min(1).max(500).default(100),
          }),
          response: { 200: z.object({ items: z.array(caughtLetter) }) },
        },
      },
      async (req) => {
        const rows = await listCaughtLetters(deps.db, req.query.siren, req.query.limit);
        return {
          items: rows.map((r) => ({
            id: r.id,
            siren: r.siren,
            kind: r.kind as "activation" | "email_change_notice",
            addressLines: r.address_lines,
            fields: r.fields,
            editedAt: r.edited_at.toISOString(),
            pdfUrl: r.pdf ? `/api/v1/dev/letters/${r.id}/pdf` : null,
          })),
        };
      },
    );
  };
}
