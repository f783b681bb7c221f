import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { routesPlugin } from "../../platform/http/routes.js";
import type { Executor } from "../../platform/db/database.js";
import { listCaughtMails } from "./mail.repository.js";

const caughtMail = z.object({
  id: z.string(),
  to: z.string(),
  subject: z.string(),
  text: z.string(),
  html: z.string().nullable(),
  sentAt: z.string(),
});

/** Development mail catcher API (never registered in production). */
export function devMailRoutes(deps: { db: Executor }): FastifyPluginAsyncZod {
  return routesPlugin((app) => {
    app.get(
      "/api/v1/dev/mails",
      {
        schema: {
          security: [],
          tags: ["dev"],
          summary: "Mails captured by the development mail catcher, newest first",
          querystring: z.object({
            to: z.string().max(254).optional(),
            limit: z.coerce.number().int().min(1).max(500).default(100),
          }),
          response: { 200: z.object({ items: z.array(caughtMail) }) },
        },
      },
      async (req) => {
        const rows = await listCaughtMails(deps.db, req.query.to, req.query.limit);
        return {
          items: rows.map((r) => ({ id: r.id, to: r.to_addr, subject: r.subject, text: r.text, html: r.html, sentAt: r.sent_at.toISOString() })),
        };
      },
    );
  });
}
