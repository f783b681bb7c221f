import { z } from "zod";
import { requireAgent } from "../../platform/http/auth.js";
import { instant } from "../../platform/http/codecs.js";
import { fileReply } from "../../platform/http/openapi.js";
import { routesPlugin } from "../../platform/http/routes.js";
import { storedText } from "../../platform/http/text.js";
import { LIMITS, recordPaperReply, reopenByAgent, STATUSES, timelineForAgent, transcriptForAgent } from "../requests/index.js";
import * as bo from "./backoffice.service.js";
import { day, errors, idParams } from "./backoffice.schemas.js";

const timelineItem = z.object({
  at: instant,
  /** received, opened, assigned, unassigned, message, note, state_changed, transferred, closed, read, acknowledged, reopened, extended */
  kind: z.string(),
  actor: z.object({ kind: z.enum(["agent", "person", "software", "system"]), displayName: z.string() }),
  details: z.record(z.string(), z.unknown()),
});

/** A request's history for its agents: the timeline, reopening, replies received by post and the printable transcript. */
export function requestPageRoutes(deps: bo.BackofficeDeps) {
  return routesPlugin((app) => {
    const scope = (req: Parameters<typeof requireAgent>[0]) => bo.scopeOf(deps, requireAgent(req));

    app.get(
      "/api/v1/backoffice/requests/:id/timeline",
      {
        schema: {
          tags: ["backoffice"],
          summary: "The request's timeline, oldest first, each step with its actor (from the journal and the request's tables)",
          security: [{ agentSession: [] }],
          params: idParams,
          response: { 200: z.object({ items: z.array(timelineItem) }), ...errors(400, 401, 404) },
        },
      },
      async (req) => ({ items: await timelineForAgent(deps.requests, await scope(req), req.params.id) }),
    );

    app.post(
      "/api/v1/backoffice/requests/:id/reopen",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Reopen an answered or closed request, with the version read: it returns to the queue (journaled)",
          security: [{ agentSession: [], csrf: [] }],
          params: idParams,
          body: z.object({ version: z.number({ error: "nombre attendu" }).int().min(1) }),
          response: { 200: z.object({ status: z.enum(STATUSES), version: z.number().int() }), ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => reopenByAgent(deps.requests, await scope(req), req.params.id, req.body.version),
    );

    app.post(
      "/api/v1/backoffice/requests/:id/paper-reply",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Record an answer the company sent by post on a thread the administration opened: the day it arrived and its scans (journaled)",
          description:
            "`receivedAt`: the Paris day the letter arrived (not in the future, not before the thread was published). `uploadIds`: the scans, uploaded " +
            "through `POST /api/v1/backoffice/uploads`. The message is the company's, marked « reçu par courrier »; the request moves as when the " +
            "company answers, and the campaign's figures count it. `note`: an internal note (agents only). No version: it is an addition.",
          security: [{ agentSession: [], csrf: [] }],
          params: idParams,
          body: z.object({
            receivedAt: day,
            uploadIds: z
              .array(z.uuid({ error: "identifiant de pièce jointe invalide" }), { error: "liste des pièces jointes attendue" })
              .min(1, "joignez au moins un scan du courrier reçu")
              .max(LIMITS.attachmentsMax, `au plus ${LIMITS.attachmentsMax} pièces jointes`),
            note: storedText().max(5_000, "5000 caractères au plus").optional(),
          }),
          response: {
            201: z.object({
              id: z.uuid(),
              createdAt: instant,
              receivedOn: z.iso.date(),
              status: z.enum(STATUSES),
              version: z.number().int(),
              noteId: z.uuid().nullable(),
            }),
            ...errors(400, 401, 403, 404, 409, 413, 422),
          },
        },
      },
      async (req, reply) => reply.status(201).send(await recordPaperReply(deps.requests, await scope(req), req.params.id, req.body)),
    );

    app.get(
      "/api/v1/backoffice/requests/:id/transcript.pdf",
      {
        schema: {
          tags: ["backoffice"],
          summary: "The printable transcript of a request (PDF): header, every message with its author, internal notes, timeline (journaled)",
          security: [{ agentSession: [] }],
          params: idParams,
          response: { 200: fileReply("La transcription de la demande", "application/pdf") },
        },
      },
      async (req, reply) => {
        const t = await transcriptForAgent(deps.requests, await scope(req), req.params.id);
        return reply
          .type("application/pdf")
          .header("Content-Disposition", `attachment; filename="transcription-${t.reference}.pdf"`)
          .header("X-Content-Type-Options", "nosniff")
          .header("Cache-Control", "no-store")
          .send(t.pdf);
      },
    );
  });
}
