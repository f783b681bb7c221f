import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import fastifyMultipart from "@fastify/multipart";
import { z } from "zod";
import { requireAgent } from "../../platform/http/auth.js";
import { instant } from "../../platform/http/codecs.js";
import { decodeKey, encodeKey } from "../../platform/cursor.js";
import { sirenField } from "../spaces/index.js";
import { scopeOf } from "../backoffice/index.js";
import { listTaxServices, searchCompaniesOfServices } from "../companies/index.js";
import { awaitingCompany, LIMITS, STATUSES } from "../requests/index.js";
import { cancelScheduled, listScheduled, openThread, PLACEHOLDERS, type CorrespondenceDeps } from "./correspondence.threads.js";

import { errors, flag, idParams, page, threadFields } from "./correspondence.schemas.js";
import { campaignRoutes } from "./correspondence.campaigns.routes.js";

/** The administration writes first (api.md, product §16): threads, the queue of what companies owe, campaigns. */
export function correspondenceRoutes(deps: CorrespondenceDeps): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(fastifyMultipart, { limits: { fileSize: 4 * 1024 * 1024, files: 1, fields: 20, parts: 22 } });
    const scope = (req: FastifyRequest) => scopeOf(deps, requireAgent(req));

    app.get(
      "/api/v1/backoffice/companies",
      {
        schema: {
          tags: ["backoffice"],
          summary:
            "Companies of the agent's competence, by SIREN prefix or words of the name, in SIREN order (the pick of a company to write to, or of a company's desk)",
          security: [{ agentSession: [] }],
          querystring: z.object({
            q: z.string().max(100).default(""),
            purpose: z
              .enum(["write", "desk"])
              .default("write")
              .describe("desk: only the companies whose desk the agent opens (those of his SIEs, the managing services)"),
            ...page,
          }),
          response: {
            200: z.object({
              items: z.array(z.object({ siren: z.string(), name: z.string(), place: z.string().nullable() })),
              nextCursor: z.string().nullable(),
            }),
            ...errors(400, 401),
          },
        },
      },
      async (req) => {
        const agent = await scope(req);
        const after = req.query.cursor ? decodeKey(req.query.cursor, /^\d{9}$/) : undefined;
        // The desk is the managing SIE's (product §9): another service's agent would only find desks closed to him.
        const services =
          req.query.purpose === "desk"
            ? (await listTaxServices(deps.db)).filter((s) => s.type === "SIE" && agent.services.includes(s.code)).map((s) => s.code)
            : agent.services;
        const found = await searchCompaniesOfServices(deps.db, services, req.query.q, after, req.query.limit);
        return { items: found.items, nextCursor: found.next ? encodeKey(found.next) : null };
      },
    );

    app.post(
      "/api/v1/backoffice/threads",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Write first to a company of the agent's competence: a thread published now, or at `publishAt`",
          description: `Placeholders filled for the company: ${Object.entries(PLACEHOLDERS)
            .map(([k, v]) => `{{${k}}} (${v})`)
            .join(", ")}. An unknown one: 422 \`unknown_placeholder\`. A company outside the agent's competence: 404. \`publishAt\` in the past: 422.`,
          security: [{ agentSession: [], csrf: [] }],
          body: z.object({
            siren: sirenField,
            uploadIds: z.array(z.uuid()).max(LIMITS.attachmentsMax, `au plus ${LIMITS.attachmentsMax} pièces jointes`).default([]),
            ...threadFields,
          }),
          response: {
            201: z.object({ id: z.uuid(), reference: z.string(), status: z.enum(["published", "scheduled"]), publishAt: instant }),
            ...errors(400, 401, 403, 404, 413, 422),
          },
        },
      },
      async (req, reply) => reply.status(201).send(await openThread(deps, await scope(req), req.body)),
    );

    app.get(
      "/api/v1/backoffice/threads",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Threads the administration opened that wait for the company: an acknowledgement or a reply, overdue first",
          security: [{ agentSession: [] }],
          querystring: z.object({
            service: z.string().max(40).optional(),
            waiting: z.enum(["acknowledgement", "reply"]).optional(),
            overdue: flag.optional(),
            ...page,
          }),
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  id: z.uuid(),
                  reference: z.string(),
                  siren: z.string(),
                  companyName: z.string(),
                  tax: z.string(),
                  nature: z.string(),
                  subject: z.string(),
                  status: z.enum(STATUSES),
                  serviceCode: z.string(),
                  publishedAt: instant,
                  replyDueAt: instant.nullable(),
                  overdue: z.boolean(),
                  waitingFor: z.array(z.enum(["acknowledgement", "reply"])),
                  firstReadAt: instant.nullable(),
                  campaignId: z.uuid().nullable(),
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
        return awaitingCompany(deps.requests, await scope(req), f, cursor, limit);
      },
    );

    app.get(
      "/api/v1/backoffice/threads/scheduled",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Threads written to be published later (soonest first)",
          security: [{ agentSession: [] }],
          querystring: z.object({ service: z.string().max(40).optional(), ...page }),
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  id: z.uuid(),
                  reference: z.string(),
                  siren: z.string(),
                  companyName: z.string(),
                  tax: z.string(),
                  nature: z.string(),
                  subject: z.string(),
                  serviceCode: z.string(),
                  publishAt: instant,
                  acknowledgementRequired: z.boolean(),
                  replyDueAt: instant.nullable(),
                }),
              ),
              nextCursor: z.string().nullable(),
            }),
            ...errors(400, 401, 404),
          },
        },
      },
      async (req) => listScheduled(deps, await scope(req), req.query.service, req.query.cursor, req.query.limit),
    );

    app.delete(
      "/api/v1/backoffice/threads/scheduled/:id",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Cancel a thread not yet published",
          security: [{ agentSession: [], csrf: [] }],
          params: idParams,
          response: { 200: z.object({ status: z.literal("cancelled") }), ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => cancelScheduled(deps, await scope(req), req.params.id),
    );

    campaignRoutes(app, deps, scope);
  };
}
