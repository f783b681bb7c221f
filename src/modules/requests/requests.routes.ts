import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requirePerson, requirePersonSession } from "../../platform/http/auth.js";
import { errorReply, sirenField } from "../spaces/index.js";
import { ALL_NATURE_CODES, ATTACHMENT_MEDIA_TYPES, LIMITS, NATURE_CODES, TAX_CODES } from "./requests.catalogue.js";
import * as service from "./requests.service.js";
import * as correspondence from "./requests.correspondence.js";
import * as inbox from "./requests.inbox.js";
import * as notify from "./requests.notify.js";
import { STATUSES } from "./requests.states.js";
import { companyDetailSchema, inboxItemSchema, serviceRef } from "./requests.schema.js";
import { getRequestForCompany } from "./requests.follow.js";
import { followRoutes } from "./requests.follow.routes.js";
import { openAttachment, receiveUpload, sendAttachment, type UploadsDeps } from "./requests.uploads.js";
import { acceptUploads, uploadAnswer, UPLOAD_DESCRIPTION, uploadedFile } from "./requests.uploads.routes.js";
import { serveEventStream, type EventHub } from "./requests.events.js";
import { isCalendarDay, parisDayEnd, parisDayStart } from "../../platform/paris.js";
import { instant } from "../../platform/http/codecs.js";
import { storedText } from "../../platform/http/text.js";
import { fileReply } from "../../platform/http/openapi.js";

export { summarySchema, messageSchema, correspondenceSchema, detailSchema } from "./requests.schema.js";

/** A calendar day, read in Paris time. */
const parisDayField = z.string().refine(isCalendarDay, { message: "date attendue au format AAAA-MM-JJ (par exemple 2026-12-31)" });

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorReply]));

const idParams = z.object({ id: z.uuid({ error: "identifiant de demande invalide" }) });
const uploadIds = z.array(z.uuid()).max(LIMITS.attachmentsMax, `au plus ${LIMITS.attachmentsMax} pièces jointes`).default([]);
/** Rejects bodies with only spaces; keeps line breaks. */
const bodyField = storedText()
  .max(LIMITS.bodyMax, `${LIMITS.bodyMax} caractères au plus`)
  .refine((s) => s.trim().length > 0, "le message est vide");
const idempotencyHeader = z.object({
  "idempotency-key": z
    .string()
    .min(8)
    .max(128)
    .regex(/^[\w-]+$/, "clé d'idempotence invalide")
    .optional(),
});

/** The messagerie, company side (api.md). */
export function requestsRoutes(deps: service.RequestsDeps & UploadsDeps & { events: EventHub }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/v1/events",
      {
        config: { rateLimit: false },
        schema: {
          tags: ["requests"],
          summary: "Server-sent events for the signed-in person: `request.updated`, `message.created`",
          security: [{ session: [] }],
          response: { 200: fileReply("Flux d'événements (server-sent events)", "text/event-stream") },
        },
      },
      async (req, reply) => {
        const session = requirePersonSession(req);
        await serveEventStream(req, reply, deps.events, { spaceId: session.subjectId }, session.tokenHash, deps.clock.now());
      },
    );

    await app.register(followRoutes(deps));
    await acceptUploads(app);

    app.post(
      "/api/v1/uploads",
      {
        schema: {
          tags: ["requests"],
          summary: "Upload one file (multipart field `file`, or the bytes as application/octet-stream), to attach to a message within 24 hours",
          description: UPLOAD_DESCRIPTION,
          security: [{ session: [], csrf: [] }, { oauth2: ["messagerie.write"] }],
          consumes: ["multipart/form-data", "application/octet-stream"],
          response: {
            201: uploadAnswer,
            ...errors(400, 401, 403, 413, 415, 422, 503),
          },
        },
      },
      async (req, reply) => {
        const session = requirePerson(req);
        return reply.status(201).send(await receiveUpload(deps, { kind: "person", id: session.subjectId }, await uploadedFile(req)));
      },
    );

    app.get(
      "/api/v1/attachments/:id",
      {
        // Sent as stored, with its length: compressing on the fly would cost more than it saves on files (sendAttachment).
        compress: false,
        schema: {
          tags: ["requests"],
          summary: "An attachment of a request I may see (as a download)",
          security: [{ session: [] }, { oauth2: ["messagerie.read"] }],
          params: z.object({ id: z.uuid() }),
          response: { 200: fileReply("La pièce jointe, avec le type vérifié de son contenu", "application/octet-stream", ATTACHMENT_MEDIA_TYPES) },
        },
      },
      async (req, reply) => {
        return sendAttachment(reply, await openAttachment(deps, requirePerson(req).subjectId, req.params.id));
      },
    );

    app.post(
      "/api/v1/requests",
      {
        schema: {
          tags: ["requests"],
          summary: "File a request (« Écrire »)",
          security: [{ session: [], csrf: [] }, { oauth2: ["messagerie.write"] }],
          headers: idempotencyHeader,
          body: z.object({
            siren: sirenField,
            tax: z.enum(TAX_CODES),
            nature: z.enum(NATURE_CODES),
            subject: storedText().trim().min(1, "l'objet est vide").max(LIMITS.subjectMax, `${LIMITS.subjectMax} caractères au plus`),
            body: bodyField,
            uploadIds,
          }),
          response: {
            201: z.object({
              id: z.uuid(),
              reference: z.string(),
              status: z.literal("received"),
              receivedAt: z.string(),
              service: serviceRef,
              receiptUrl: z.string(),
            }),
            ...errors(400, 401, 403, 404, 409, 413, 422),
          },
        },
      },
      async (req, reply) => reply.status(201).send(await service.fileRequest(deps, requirePerson(req).subjectId, req.body, req.headers["idempotency-key"])),
    );

    app.get(
      "/api/v1/requests",
      {
        schema: {
          tags: ["requests"],
          summary: "My inbox: every request I may see, by last activity (keyset pagination)",
          security: [{ session: [] }, { oauth2: ["messagerie.read"] }],
          querystring: z
            .object({
              siren: sirenField.optional(),
              status: z.enum(STATUSES).optional(),
              tax: z.enum(TAX_CODES).optional(),
              nature: z.enum(ALL_NATURE_CODES).optional(),
              /** French full-text search over references, subjects and messages. */
              q: z.string().trim().min(1).max(200).optional(),
              /** Archived requests (4 years after closing) instead of the current ones. */
              archived: z.enum(["true", "false"]).optional(),
              /** Only the requests with messages of the administration not yet read. */
              unread: z.enum(["true", "false"]).optional(),
              /** Filed on or after this Paris day (YYYY-MM-DD). */
              from: parisDayField.optional(),
              /** Filed on or before this Paris day (YYYY-MM-DD). */
              to: parisDayField.optional(),
              /** Only the requests followed by this person (« suivie par »): `me`, or a colleague's id. */
              followedBy: z.union([z.literal("me"), z.uuid()], { error: "valeur attendue : me ou l'identifiant d'une personne" }).optional(),
              limit: z.coerce.number().int().min(1).max(100).default(50),
              cursor: z.string().max(200).optional(),
            })
            .refine((q) => !q.from || !q.to || q.from <= q.to, { message: "la date de début doit précéder la date de fin, ou lui être égale", path: ["from"] }),
          response: { 200: z.object({ items: z.array(inboxItemSchema), nextCursor: z.string().nullable() }), ...errors(400, 401) },
        },
      },
      async (req) => {
        const { limit, cursor, archived, unread, from, to, followedBy, ...filters } = req.query;
        const spaceId = requirePerson(req).subjectId;
        const page = await inbox.listRequests(
          deps,
          spaceId,
          {
            ...filters,
            followedBy: followedBy === "me" ? spaceId : followedBy,
            archived: archived === "true",
            unread: unread === "true",
            receivedFrom: from ? parisDayStart(from) : undefined,
            receivedBefore: to ? parisDayEnd(to) : undefined,
          },
          limit,
          cursor,
        );
        return { items: page.items, nextCursor: page.nextCursor };
      },
    );

    app.get(
      "/api/v1/requests/:id",
      {
        schema: {
          tags: ["requests"],
          summary: "A request and its thread (marks the administration's messages read)",
          security: [{ session: [] }, { oauth2: ["messagerie.read"] }],
          params: idParams,
          response: {
            200: companyDetailSchema.extend({
              /** For the company's administrators: which service opened the request, and when. */
              openings: z.array(z.object({ service: serviceRef, openedAt: instant, count: z.number().int() })).optional(),
            }),
            ...errors(400, 401, 404),
          },
        },
      },
      async (req) => getRequestForCompany(deps, requirePerson(req).subjectId, req.params.id),
    );

    app.post(
      "/api/v1/requests/:id/messages",
      {
        schema: {
          tags: ["requests"],
          summary: "Reply in a thread",
          security: [{ session: [], csrf: [] }, { oauth2: ["messagerie.write"] }],
          params: idParams,
          headers: idempotencyHeader,
          body: z.object({ body: bodyField, uploadIds }),
          response: { 201: z.object({ id: z.uuid(), createdAt: z.string() }), ...errors(400, 401, 404, 409, 413, 422) },
        },
      },
      async (req, reply) =>
        reply.status(201).send(await service.postCompanyMessage(deps, requirePerson(req).subjectId, req.params.id, req.body, req.headers["idempotency-key"])),
    );

    app.post(
      "/api/v1/requests/:id/acknowledge",
      {
        schema: {
          tags: ["requests"],
          summary: "« J'accuse réception » of a thread opened by the administration (the first acknowledgement is kept)",
          security: [{ session: [], csrf: [] }, { oauth2: ["messagerie.write"] }],
          params: idParams,
          response: {
            200: z.object({ acknowledgedAt: instant, acknowledgedBy: z.object({ firstName: z.string(), lastName: z.string() }) }),
            ...errors(400, 401, 404, 422),
          },
        },
      },
      async (req) => correspondence.acknowledgeThread(deps, requirePerson(req).subjectId, req.params.id),
    );

    app.post(
      "/api/v1/requests/:id/close",
      {
        schema: {
          tags: ["requests"],
          summary: "Close a request",
          description:
            "409 `request_closed` when already closed; 409 `acknowledgement_required` when the administration's message asks for an acknowledgement not given yet.",
          security: [{ session: [], csrf: [] }, { oauth2: ["messagerie.write"] }],
          params: idParams,
          response: { 200: z.object({ status: z.literal("closed") }), ...errors(400, 401, 404, 409) },
        },
      },
      async (req) => service.closeRequest(deps, requirePerson(req).subjectId, req.params.id),
    );

    app.get(
      "/api/v1/requests/:id/receipt.pdf",
      {
        schema: {
          tags: ["requests"],
          summary: "The signed acknowledgement of receipt (PDF)",
          security: [{ session: [] }, { oauth2: ["messagerie.read"] }],
          params: idParams,
          response: { 200: fileReply("L'accusé de réception signé", "application/pdf") },
        },
      },
      async (req, reply) => {
        const r = await service.receiptOf(deps, requirePerson(req).subjectId, req.params.id);
        return reply
          .type("application/pdf")
          .header("Content-Disposition", `attachment; filename="accuse-reception-${r.reference}.pdf"`)
          .header("X-Content-Type-Options", "nosniff")
          .send(r.pdf);
      },
    );

    app.get(
      "/api/v1/receipts/certificate",
      {
        schema: {
          security: [],
          tags: ["requests"],
          summary: "The X.509 certificate (PEM) that signs receipts (PAdES) and export manifests (CMS)",
          response: { 200: fileReply("Le certificat X.509 de signature, au format PEM", "application/x-pem-file") },
        },
      },
      async (_req, reply) =>
        reply
          .type("application/x-pem-file")
          .header("Content-Disposition", 'inline; filename="messagerie-pro-certificat.pem"')
          .header("Cache-Control", "public, max-age=3600")
          .send(deps.receiptKeys.certificatePem),
    );

    app.get(
      "/api/v1/receipts/public-key",
      {
        schema: {
          security: [],
          tags: ["requests"],
          summary: "The public key (PEM) of the certificate that signs receipts and exports (GET /api/v1/receipts/certificate)",
          response: { 200: fileReply("La clé publique du certificat de signature, au format PEM", "application/x-pem-file") },
        },
      },
      async (_req, reply) => reply.type("application/x-pem-file").header("Cache-Control", "public, max-age=3600").send(deps.receiptKeys.publicKeyPem),
    );

    app.get(
      "/api/v1/notification-preferences",
      {
        schema: {
          tags: ["requests"],
          summary: "How I am told about new messages: at once, or in a daily digest",
          security: [{ session: [] }],
          response: { 200: z.object({ mode: z.enum(["immediate", "daily"]) }), ...errors(401) },
        },
      },
      async (req) => ({ mode: await notify.notificationMode(deps, requirePerson(req).subjectId) }),
    );
    app.put(
      "/api/v1/notification-preferences",
      {
        schema: {
          tags: ["requests"],
          summary: "Choose immediate notifications or a daily digest",
          security: [{ session: [], csrf: [] }],
          body: z.object({ mode: z.enum(["immediate", "daily"]) }),
          response: { 200: z.object({ mode: z.enum(["immediate", "daily"]) }), ...errors(400, 401, 403) },
        },
      },
      async (req) => notify.setNotificationMode(deps, requirePerson(req).subjectId, req.body.mode),
    );
  };
}
