import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requireAgent } from "../../platform/http/auth.js";
import { instant } from "../../platform/http/codecs.js";
import { fileReply } from "../../platform/http/openapi.js";
import { sirenField } from "../spaces/index.js";
import {
  addNote,
  closeByAgent,
  extendLegalDeadline,
  detailSchema,
  LIMITS,
  ALL_NATURE_CODES,
  postAgentMessage,
  queue,
  QUEUE_ORIGINS,
  QUEUE_SORTS,
  queueCounts,
  searchForAgent,
  openAttachmentForAgent,
  sendAttachment,
  acceptUploads,
  receiveUpload,
  uploadedFile,
  uploadAnswer,
  UPLOAD_DESCRIPTION,
  serveEventStream,
  ATTACHMENT_MEDIA_TYPES,
  STATUSES,
  transferRequest,
  type EventHub,
  type UploadsDeps,
} from "../requests/index.js";
import { TAX_CODES } from "../adhesions/index.js";
import * as bo from "./backoffice.service.js";
import { errors, idParams, serviceRef, text } from "./backoffice.schemas.js";

const version = z.number().int().min(1);
const flag = z
  .enum(["true", "false"])
  .transform((v) => v === "true")
  .optional();
const agentRef = z.object({ id: z.uuid(), name: z.string() });
const segments = z.array(z.object({ text: z.string(), match: z.boolean() }));

const queueItem = z.object({
  id: z.uuid(),
  reference: z.string(),
  siren: z.string(),
  companyName: z.string(),
  tax: z.string(),
  nature: z.string(),
  subject: z.string(),
  status: z.enum(STATUSES),
  serviceCode: z.string(),
  receivedAt: instant,
  lastActivityAt: instant,
  deadlineAt: instant.nullable(),
  overdue: z.boolean(),
  dueSoon: z.boolean(),
  assignee: agentRef.nullable(),
  unreadCount: z.number().int(),
  version: z.number().int(),
  /** `campaign`: a thread of a campaign (whatever its origin). */
  origin: z.enum(QUEUE_ORIGINS),
});

const countsSchema = z.object({
  byStatus: z.object({ received: z.number(), in_progress: z.number(), awaiting_user: z.number(), answered: z.number() }),
  overdue: z.number(),
  dueSoon: z.number(),
  unassigned: z.number(),
  mine: z.number(),
});

const agentDetail = detailSchema.extend({
  version: z.number().int(),
  assignee: agentRef.nullable(),
  deadlineAt: instant.nullable(),
  overdue: z.boolean(),
  notes: z.array(z.object({ id: z.uuid(), author: agentRef, serviceCode: z.string(), body: z.string(), createdAt: instant })),
  transfers: z.array(z.object({ from: serviceRef, to: serviceRef, by: z.string(), reason: z.string(), at: instant })),
  company: z.object({
    siren: z.string(),
    name: z.string(),
    address: z.string().nullable(),
    adhesions: z.array(
      z.object({
        id: z.uuid(),
        status: z.string(),
        origin: z.string(),
        services: z.array(z.string()),
        requester: z.string(),
        createdAt: instant,
        activatedAt: instant.nullable(),
      }),
    ),
    representatives: z.array(z.object({ name: z.string(), service: z.string(), role: z.string(), taxScope: z.array(z.string()).nullable() })),
    oppositions: z.number().int(),
  }),
  otherRequests: z.array(
    z.object({ id: z.uuid(), reference: z.string(), subject: z.string(), status: z.enum(STATUSES), tax: z.string(), receivedAt: instant }),
  ),
  templates: z.array(z.object({ id: z.uuid(), title: z.string(), body: z.string() })),
  colleagues: z.array(agentRef),
  /** Who opened the request: one line per agent, how many times, the latest (the journal keeps each opening). */
  openings: z.array(z.object({ agent: z.object({ id: z.string(), displayName: z.string() }), count: z.number().int(), lastAt: instant })),
  transferTargets: z.array(z.object({ code: z.string(), name: z.string(), type: z.string() })),
  /** For a thread the administration opened: who of the company side first read it and who acknowledged it, when. */
  companySide: z.object({
    firstRead: z.object({ at: instant, by: z.string() }).nullable(),
    acknowledgement: z.object({ at: instant, by: z.string() }).nullable(),
  }),
});

/** Working the requests, the adhesion desk, the dashboard and the templates (api.md, prefix /api/v1/backoffice). */
export function workRoutes(deps: bo.BackofficeDeps & { events: EventHub; uploads: UploadsDeps }): FastifyPluginAsyncZod {
  return async (app) => {
    const scope = (req: Parameters<typeof requireAgent>[0]) => bo.scopeOf(deps, requireAgent(req));
    const withAssignees = async <T extends { assigneeId: string | null }>(items: T[]) => {
      const names = await bo.agentNames(deps, [...new Set(items.map((i) => i.assigneeId).filter((x): x is string => !!x))]);
      return items.map(({ assigneeId, ...rest }) => ({ ...rest, assignee: assigneeId ? { id: assigneeId, name: names.get(assigneeId) ?? "" } : null }));
    };

    app.get(
      "/api/v1/backoffice/requests",
      {
        schema: {
          tags: ["backoffice"],
          summary: "The queue of my services, sorted by deadline, date received, last activity or company (keyset pagination)",
          description:
            "Without `origin`, every request but the campaign threads the company has not answered. `q`: words (text, messages, company name), a SIREN or a partial reference.",
          security: [{ agentSession: [] }],
          querystring: z.object({
            service: z.string().max(32).optional(),
            status: z.enum(STATUSES).optional(),
            tax: z.enum(TAX_CODES).optional(),
            nature: z.enum(ALL_NATURE_CODES).optional(),
            /** `me`, `none` or an agent's id. */
            assignee: z.union([z.enum(["me", "none"]), z.uuid()], { error: "valeur attendue : moi, personne, ou l'identifiant d'un agent" }).optional(),
            overdue: flag,
            dueSoon: flag,
            siren: sirenField.optional(),
            q: z.string().max(200).optional(),
            origin: z.enum(QUEUE_ORIGINS, { error: "Origine : entreprise, administration ou campagne" }).optional(),
            sort: z.enum(QUEUE_SORTS, { error: "Tri : échéance, réception, dernière activité ou entreprise" }).optional(),
            order: z.enum(["asc", "desc"], { error: "Ordre : croissant ou décroissant" }).optional(),
            cursor: z.string().max(800).optional(),
            limit: z.coerce.number().int().min(1).max(100).default(25),
          }),
          response: { 200: z.object({ items: z.array(queueItem), nextCursor: z.string().nullable() }), ...errors(400, 401, 404) },
        },
      },
      async (req) => {
        const agent = await scope(req);
        const { cursor, limit, ...filters } = req.query;
        const page = await queue(deps.requests, agent, filters, cursor, limit);
        return { items: await withAssignees(page.items), nextCursor: page.nextCursor };
      },
    );

    app.get(
      "/api/v1/backoffice/requests/counts",
      {
        schema: {
          tags: ["backoffice"],
          summary:
            "Counts of the open requests of my services, of an origin or of those the queue shows by default: per state, overdue, due soon, unassigned, mine",
          security: [{ agentSession: [] }],
          querystring: z.object({ service: z.string().max(32).optional(), origin: z.enum(QUEUE_ORIGINS).optional() }),
          response: { 200: countsSchema, ...errors(400, 401, 404) },
        },
      },
      async (req) => queueCounts(deps.requests, await scope(req), req.query.service, req.query.origin),
    );

    app.get(
      "/api/v1/backoffice/requests/:id",
      {
        schema: {
          tags: ["backoffice"],
          summary: "A request of one of my services: thread, notes, company context, templates (journaled as an opening)",
          security: [{ agentSession: [] }],
          params: idParams,
          response: { 200: agentDetail, ...errors(400, 401, 404) },
        },
      },
      async (req) => bo.requestForAgent(deps, await scope(req), req.params.id),
    );

    app.post(
      "/api/v1/backoffice/requests/:id/assign",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Assign to myself or a colleague of the service (agentId), or unassign (null), with the version read",
          security: [{ agentSession: [], csrf: [] }],
          params: idParams,
          body: z.object({ agentId: z.uuid().nullable(), version }),
          response: {
            200: z.object({ assigneeId: z.uuid().nullable(), status: z.enum(STATUSES), version: z.number().int() }),
            ...errors(400, 401, 403, 404, 409, 422),
          },
        },
      },
      async (req) => bo.assign(deps, await scope(req), req.params.id, req.body),
    );

    app.post(
      "/api/v1/backoffice/requests/:id/messages",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Reply, ask for information (awaiting_user) or answer (answered), with the version read",
          security: [{ agentSession: [], csrf: [] }],
          params: idParams,
          body: z.object({
            body: text(LIMITS.bodyMax, "le message"),
            uploadIds: z.array(z.uuid()).default([]),
            status: z.enum(["awaiting_user", "answered"]).optional(),
            version,
          }),
          response: {
            201: z.object({ id: z.uuid(), createdAt: z.string(), status: z.string(), version: z.number().int() }),
            ...errors(400, 401, 403, 404, 409, 413, 422),
          },
        },
      },
      async (req, reply) => reply.status(201).send(await postAgentMessage(deps.requests, await scope(req), req.params.id, req.body)),
    );

    app.post(
      "/api/v1/backoffice/requests/:id/notes",
      {
        schema: {
          tags: ["backoffice"],
          summary: "An internal note (never shown to the company side)",
          security: [{ agentSession: [], csrf: [] }],
          params: idParams,
          body: z.object({ body: text(5_000, "la note") }),
          response: {
            201: z.object({ id: z.uuid(), agentId: z.uuid(), serviceCode: z.string(), body: z.string(), createdAt: instant }),
            ...errors(400, 401, 403, 404),
          },
        },
      },
      async (req, reply) => reply.status(201).send(await addNote(deps.requests, await scope(req), req.params.id, req.body.body)),
    );

    app.post(
      "/api/v1/backoffice/requests/:id/transfer",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Transfer to another service with a reason (the company side sees the new service, not the reason)",
          security: [{ agentSession: [], csrf: [] }],
          params: idParams,
          body: z.object({ serviceCode: z.string().min(1).max(32), reason: text(1_000, "le motif"), version }),
          response: { 200: z.object({ serviceCode: z.string(), version: z.number().int() }), ...errors(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req) => transferRequest(deps.requests, await scope(req), req.params.id, req.body),
    );

    app.post(
      "/api/v1/backoffice/requests/:id/close",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Close a request, with the version read; without an answer in the thread, a reason the company reads",
          security: [{ agentSession: [], csrf: [] }],
          params: idParams,
          body: z.object({ version, reason: z.string().max(1000, "1000 caractères au plus").optional() }),
          response: { 200: z.object({ status: z.literal("closed"), version: z.number().int() }), ...errors(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req) => closeByAgent(deps.requests, await scope(req), req.params.id, req.body.version, req.body.reason),
    );

    app.post(
      "/api/v1/backoffice/requests/:id/extend",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Extend the legal deadline of a réclamation by 3 months, once (the reason stays internal)",
          security: [{ agentSession: [], csrf: [] }],
          params: idParams,
          body: z.object({ reason: text(1_000, "le motif"), version }),
          response: { 200: z.object({ legalDeadline: z.string(), version: z.number().int() }), ...errors(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req) => extendLegalDeadline(deps.requests, await scope(req), req.params.id, req.body),
    );

    await acceptUploads(app);
    app.post(
      "/api/v1/backoffice/uploads",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Upload one file (multipart field `file`, or the bytes as application/octet-stream), to attach to a reply within 24 hours",
          description: UPLOAD_DESCRIPTION,
          security: [{ agentSession: [], csrf: [] }],
          consumes: ["multipart/form-data", "application/octet-stream"],
          response: { 201: uploadAnswer, ...errors(400, 401, 403, 413, 415, 422, 503) },
        },
      },
      async (req, reply) => {
        const agent = await scope(req);
        return reply.status(201).send(await receiveUpload(deps.uploads, { kind: "agent", id: agent.id }, await uploadedFile(req)));
      },
    );

    app.get(
      "/api/v1/backoffice/attachments/:id",
      {
        // Sent as stored, with its length: compressing on the fly would cost more than it saves on files (sendAttachment).
        compress: false,
        schema: {
          tags: ["backoffice"],
          summary: "An attachment of a request of my services (as a download)",
          security: [{ agentSession: [] }],
          params: idParams,
          response: { 200: fileReply("La pièce jointe, avec le type vérifié de son contenu", "application/octet-stream", ATTACHMENT_MEDIA_TYPES) },
        },
      },
      async (req, reply) => sendAttachment(reply, await openAttachmentForAgent(deps.uploads, (await scope(req)).services, req.params.id)),
    );

    app.get(
      "/api/v1/backoffice/search",
      {
        schema: {
          tags: ["backoffice"],
          summary: "French full-text search over references, subjects and messages of my services, ranked, with excerpts",
          security: [{ agentSession: [] }],
          querystring: z.object({
            q: z.string().min(1).max(200),
            service: z.string().max(32).optional(),
            limit: z.coerce.number().int().min(1).max(50).default(20),
          }),
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  id: z.uuid(),
                  reference: z.string(),
                  siren: z.string(),
                  companyName: z.string(),
                  subject: segments,
                  status: z.enum(STATUSES),
                  tax: z.string(),
                  serviceCode: z.string(),
                  receivedAt: instant,
                  rank: z.number(),
                  excerpt: segments,
                }),
              ),
              /** Requests found among the candidates ranked. */
              total: z.number().int(),
              /** More matches than ranked: the most recent ones were ranked; narrow the search. */
              capped: z.boolean(),
            }),
            ...errors(400, 401, 404, 422),
          },
        },
      },
      async (req) => searchForAgent(deps.requests, await scope(req), req.query.q, req.query.service, req.query.limit),
    );

    app.get(
      "/api/v1/backoffice/events",
      {
        config: { rateLimit: false },
        schema: {
          tags: ["backoffice"],
          summary: "Server-sent events for the queues of my services: `request.updated`, `message.created`",
          security: [{ agentSession: [] }],
          response: { 200: fileReply("Flux d'événements (server-sent events)", "text/event-stream") },
        },
      },
      async (req, reply) => {
        const agent = await scope(req);
        await serveEventStream(req, reply, deps.events, { agentServices: agent.services }, req.agentSession!.tokenHash, deps.clock.now());
      },
    );
  };
}
