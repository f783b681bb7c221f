import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { instant } from "../../platform/http/codecs.js";
import { fileReply } from "../../platform/http/openapi.js";
import { DomainError } from "../../platform/errors.js";
import { scopeOf } from "../backoffice/index.js";
import { type CorrespondenceDeps } from "./correspondence.threads.js";
import { CAMPAIGN_RULES, submitCampaign } from "./correspondence.campaigns.js";
import { campaignRecipients, campaignReportCsv, getCampaign, listCampaigns } from "./correspondence.reports.js";

import { campaignHead, dayFigures, errors, idParams, multipartCampaign, page } from "./correspondence.schemas.js";

/** The app inside the correspondence plugin (multipart registered there). */
type App = Parameters<FastifyPluginAsyncZod>[0];

/** Campaigns (product §16): one message to many companies from a CSV of SIREN, its figures and its report. */
export function campaignRoutes(app: App, deps: CorrespondenceDeps, scope: (req: FastifyRequest) => ReturnType<typeof scopeOf>) {
  app.post(
    "/api/v1/backoffice/campaigns",
    {
      schema: {
        tags: ["backoffice"],
        summary: `A campaign (supervisors): one message to up to ${CAMPAIGN_RULES.maxLines} companies — multipart, the CSV in \`file\` (a \`siren\` column) and the thread's fields`,
        description:
          "Fields: tax, nature, subject, body, acknowledgementRequired, replyDueAt, repliesAllowed, publishAt, service. Each company of the service's competence with an active messagerie adhesion gets its own thread and reference; any other gets a letter in the print batch; unknown or ceased companies are listed in the report. Unknown placeholders: 422 before anything is sent.",
        security: [{ agentSession: [], csrf: [] }],
        consumes: ["multipart/form-data"],
        response: { 202: z.object({ campaignId: z.uuid() }), ...errors(400, 401, 403, 404, 413, 415, 422) },
      },
    },
    async (req, reply) => {
      const agent = await scope(req);
      if (!req.isMultipart())
        throw new DomainError(
          "invalid",
          "multipart_required",
          "Une campagne s'envoie en multipart/form-data : le fichier CSV dans « file » et les champs du message.",
        );
      return reply.status(202).send(await submitCampaign(deps, agent, await multipartCampaign(req)));
    },
  );

  app.get(
    "/api/v1/backoffice/campaigns",
    {
      schema: {
        tags: ["backoffice"],
        summary: "Campaigns of the agent's services, newest first",
        security: [{ agentSession: [] }],
        querystring: z.object(page),
        response: { 200: z.object({ items: z.array(campaignHead), nextCursor: z.string().nullable() }), ...errors(400, 401) },
      },
    },
    async (req) => listCampaigns(deps, await scope(req), req.query.cursor, req.query.limit),
  );

  app.get(
    "/api/v1/backoffice/campaigns/:id",
    {
      schema: {
        tags: ["backoffice"],
        summary: "A campaign: progress and figures (published, read, acknowledged, replied — of which by post —, per Paris day)",
        security: [{ agentSession: [] }],
        params: idParams,
        response: {
          200: campaignHead.extend({
            body: z.string(),
            figures: z.object({
              published: z.number().int(),
              read: z.number().int(),
              acknowledged: z.number().int(),
              replied: z.number().int(),
              /** Threads answered by post (a paper reply recorded on them), counted in `replied` too. */
              repliedByPost: z.number().int(),
              perDay: z.array(dayFigures),
            }),
          }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (req) => getCampaign(deps, await scope(req), req.params.id),
  );

  app.get(
    "/api/v1/backoffice/campaigns/:id/recipients",
    {
      schema: {
        tags: ["backoffice"],
        summary: "The report of a campaign, line by line (by result; search by SIREN, reference or name)",
        security: [{ agentSession: [] }],
        params: idParams,
        querystring: z.object({ status: z.enum(["pending", "thread", "letter", "refused"]).optional(), q: z.string().max(100).optional(), ...page }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                line: z.number().int(),
                siren: z.string(),
                companyName: z.string().nullable(),
                status: z.enum(["pending", "thread", "letter", "refused"]),
                requestId: z.uuid().nullable(),
                reference: z.string().nullable(),
                readAt: instant.nullable(),
                acknowledgedAt: instant.nullable(),
                repliedAt: instant.nullable(),
                error: z.object({ code: z.string(), message: z.string() }).nullable(),
              }),
            ),
            nextCursor: z.string().nullable(),
          }),
          ...errors(400, 401, 404),
        },
      },
    },
    async (req) => {
      const { cursor, limit, ...f } = req.query;
      return campaignRecipients(deps, await scope(req), req.params.id, f, cursor, limit);
    },
  );

  app.get(
    "/api/v1/backoffice/campaigns/:id/report.csv",
    {
      schema: {
        tags: ["backoffice"],
        summary: "The report of a campaign as a CSV (French spreadsheets)",
        security: [{ agentSession: [] }],
        params: idParams,
        response: { 200: fileReply("Le compte rendu de la campagne, destinataire par destinataire", "text/csv") },
      },
    },
    async (req, reply) => {
      const csv = await campaignReportCsv(deps, await scope(req), req.params.id);
      return reply
        .type("text/csv; charset=utf-8")
        .header("Content-Disposition", `attachment; filename="campagne-${req.params.id.slice(0, 8)}.csv"`)
        .send(csv);
    },
  );
}
