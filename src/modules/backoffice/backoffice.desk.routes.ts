import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { routesPlugin } from "../../platform/http/routes.js";
import { requireAgent } from "../../platform/http/auth.js";
import { instant } from "../../platform/http/codecs.js";
import { fileReply } from "../../platform/http/openapi.js";
import { parisDayEnd, parisDayStart } from "../../platform/paris.js";
import { sirenField } from "../spaces/index.js";
import { LIMITS, STATUSES } from "../requests/index.js";
import * as bo from "./backoffice.service.js";
import * as templates from "./backoffice.templates.js";
import { day, errors, idParams, serviceRef, text } from "./backoffice.schemas.js";

/** The adhesion desk (OPALE), the supervisors' dashboard and the answer templates (api.md, prefix /api/v1/backoffice). */
/** Open requests by state (the dashboard's backlog). */
const byStatus = z.object({ received: z.number(), in_progress: z.number(), awaiting_user: z.number(), answered: z.number() });

const person = z.object({ name: z.string(), connectionEmail: z.string() });
/** The adhesion desk of a company (OPALE): every field declared, in camelCase, dates as instants; letters newest first. */
const deskSchema = z.object({
  company: z.object({ siren: z.string(), name: z.string(), isActive: z.boolean() }),
  adhesions: z.array(
    z.object({
      id: z.uuid(),
      status: z.string(),
      origin: z.string(),
      quality: z.string(),
      services: z.array(z.string()),
      createdAt: instant,
      codeExpiresAt: instant.nullable(),
      attemptsLeft: z.number().int().nullable(),
      requester: person.extend({ entitySiren: z.string() }),
    }),
  ),
  letters: z.array(
    z.object({
      id: z.uuid(),
      adhesionId: z.uuid().nullable().describe("null for a letter of a campaign or a notice"),
      campaign: z.object({ id: z.uuid(), subject: z.string() }).nullable().describe("the campaign that sent it, if any"),
      number: z.string(),
      kind: z.string(),
      status: z.string(),
      addressLines: z.array(z.string()).describe("the postal address the letter was sent to, line by line"),
      editedAt: instant,
      printedAt: instant.nullable(),
      postedAt: instant.nullable(),
      returnedAt: instant.nullable(),
    }),
  ),
  rights: z.array(
    z.object({
      id: z.uuid(),
      holder: person,
      service: z.string(),
      role: z.string(),
      taxScope: z.array(z.string()).nullable(),
      state: z.string(),
      since: instant,
      validUntil: instant.nullable(),
      grantedBy: z.string().nullable(),
    }),
  ),
  oppositions: z.array(z.object({ id: z.uuid(), adhesionId: z.uuid(), requester: person, createdAt: instant })),
  alerts: z.array(
    z.object({
      id: z.uuid(),
      kind: z.string(),
      serviceCode: z.string().nullable(),
      adhesionId: z.uuid().nullable(),
      data: z.record(z.string(), z.unknown()),
      createdAt: instant,
      handledAt: instant.nullable(),
    }),
  ),
  requests: z.array(
    z.object({
      id: z.uuid(),
      reference: z.string(),
      subject: z.string(),
      status: z.enum(STATUSES),
      tax: z.string(),
      nature: z.string(),
      service: serviceRef,
      receivedAt: instant,
    }),
  ),
});

/** A template as the back office lists it. */
const template = z.object({ id: z.uuid(), serviceCode: z.string(), title: z.string(), body: z.string(), createdAt: instant });
/** What a supervisor writes: a title, and a text whose line endings are normalised (placeholders checked: 422). */
const templateFields = { title: text(120, "le titre"), body: text(LIMITS.bodyMax, "le texte du modèle") };
const serviceCode = z.string().min(1, "le service est obligatoire").max(32, "32 caractères au plus");

export function deskRoutes(deps: bo.BackofficeDeps): FastifyPluginAsyncZod {
  return routesPlugin((app) => {
    const scope = (req: Parameters<typeof requireAgent>[0]) => bo.scopeOf(deps, requireAgent(req));

    app.get(
      "/api/v1/backoffice/companies/:siren",
      {
        schema: {
          tags: ["backoffice"],
          summary: "The adhesion desk: adhesions, letters, rights, oppositions, alerts and requests (agents of the company's managing SIE only)",
          security: [{ agentSession: [] }],
          params: z.object({ siren: sirenField }),
          response: { 200: deskSchema, ...errors(400, 401, 404) },
        },
      },
      async (req) => bo.companyForAgent(deps, await scope(req), req.params.siren),
    );

    const reason = z.object({ reason: text(1_000, "le motif") });
    app.post(
      "/api/v1/backoffice/adhesions/:id/reissue-letter",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Re-issue the activation letter of a pending adhesion: new codes, the old ones void",
          security: [{ agentSession: [], csrf: [] }],
          params: idParams,
          response: { 200: z.object({ status: z.literal("letter_issued") }), ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => bo.reissue(deps, await scope(req), req.params.id),
    );

    app.post(
      "/api/v1/backoffice/adhesions/:id/cancel",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Cancel an adhesion (pending: its codes void; active: the rights it gave are revoked)",
          security: [{ agentSession: [], csrf: [] }],
          params: idParams,
          body: reason,
          response: { 200: z.object({ status: z.literal("cancelled") }), ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => bo.cancelAdhesion(deps, await scope(req), req.params.id, req.body.reason),
    );

    app.post(
      "/api/v1/backoffice/rights/:id/suspend",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Suspend a right on a company of my competence (and the rights granted from it)",
          security: [{ agentSession: [], csrf: [] }],
          params: idParams,
          body: reason,
          response: { 200: z.object({ state: z.literal("suspended") }), ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => bo.suspendRight(deps, await scope(req), req.params.id, req.body.reason),
    );

    const period = z
      .object({ service: z.string().min(1).max(32), from: day, to: day })
      .refine((p) => p.from < p.to, { message: "la date de début doit précéder la date de fin", path: ["to"] });
    /** A period of whole days, Paris time: from `from` 00:00 to `to` 24:00. */
    const bounds = (p: { from: string; to: string }) => [parisDayStart(p.from), parisDayEnd(p.to)] as const;

    app.get(
      "/api/v1/backoffice/stats",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Dashboard of a service (supervisors): daily received / answered, backlog, first-answer times, overdue, figures per agent",
          security: [{ agentSession: [] }],
          querystring: period,
          response: {
            200: z.object({
              service: z.string(),
              from: instant,
              to: instant,
              generatedAt: instant,
              days: z.array(z.object({ date: z.string(), received: z.number(), answered: z.number() })),
              totals: z.object({ received: z.number(), answered: z.number() }),
              backlog: byStatus,
              overdue: z.number(),
              firstAnswer: z.object({
                count: z.number(),
                medianHours: z.number().nullable(),
                p90Hours: z.number().nullable(),
                exact: z.boolean().describe("true: the times were sorted; false (over 20,000 first answers in the period): read from a histogram, within 5 %"),
              }),
              agents: z
                .array(
                  z.object({
                    agent: z.object({ id: z.uuid(), displayName: z.string() }),
                    answered: z.number().int().describe("requests of the service whose first answer this agent wrote in the period"),
                    medianFirstAnswerHours: z.number().nullable().describe("median hours from receipt to that first answer; null when he wrote none"),
                    openAssigned: z.number().int().describe("open requests of the service assigned to him now"),
                  }),
                )
                .describe("every agent of the service, by name, and whoever else answered its requests in the period"),
            }),
            ...errors(400, 401, 403, 404),
          },
        },
      },
      async (req) => {
        const [from, to] = bounds(req.query);
        return bo.stats(deps, await scope(req), req.query.service, from, to);
      },
    );

    app.get(
      "/api/v1/backoffice/stats.csv",
      {
        schema: {
          tags: ["backoffice"],
          summary: "The dashboard as CSV (journaled as an export)",
          security: [{ agentSession: [] }],
          querystring: period,
          response: { 200: fileReply("Le tableau de bord de la période", "text/csv"), ...errors(400, 401, 403, 404) },
        },
      },
      async (req, reply) => {
        const [from, to] = bounds(req.query);
        const csv = await bo.statsCsv(deps, await scope(req), req.query.service, from, to);
        return reply
          .header("Content-Type", "text/csv; charset=utf-8")
          .header("Content-Disposition", `attachment; filename="tableau-de-bord-${req.query.service}-${req.query.from}-${req.query.to}.csv"`)
          .send(csv);
      },
    );

    app.get(
      "/api/v1/backoffice/templates",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Answer templates of my services",
          security: [{ agentSession: [] }],
          querystring: z.object({ service: z.string().max(32).optional() }),
          response: {
            200: z.object({
              items: z.array(template),
              variables: z.record(z.string(), z.string()),
            }),
            ...errors(400, 401, 404),
          },
        },
      },
      async (req) => ({ items: await templates.listTemplates(deps, await scope(req), req.query.service), variables: templates.TEMPLATE_VARIABLES }),
    );

    app.post(
      "/api/v1/backoffice/templates",
      {
        schema: {
          tags: ["backoffice"],
          summary: "A new answer template for one of my services (supervisors)",
          security: [{ agentSession: [], csrf: [] }],
          body: z.object({ serviceCode, ...templateFields }),
          response: { 201: template, ...errors(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req, reply) => reply.status(201).send(await templates.createTemplate(deps, await scope(req), req.body)),
    );

    app.put(
      "/api/v1/backoffice/templates/:id",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Edit an answer template of my service: its title and text (supervisors; the service stays)",
          security: [{ agentSession: [], csrf: [] }],
          params: idParams,
          body: z.object({ ...templateFields, serviceCode: serviceCode.optional() }),
          response: { 200: template, ...errors(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req) => templates.updateTemplate(deps, await scope(req), req.params.id, req.body),
    );

    app.delete(
      "/api/v1/backoffice/templates/:id",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Delete an answer template (supervisors)",
          security: [{ agentSession: [], csrf: [] }],
          params: idParams,
          response: { 204: z.null(), ...errors(400, 401, 403, 404) },
        },
      },
      async (req, reply) => {
        await templates.deleteTemplate(deps, await scope(req), req.params.id);
        return reply.status(204).send(null);
      },
    );
  });
}
