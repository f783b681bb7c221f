import type { FastifyRequest } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import fastifyMultipart from "@fastify/multipart";
import { checkedFileName, multipartRefusal } from "../../platform/http/multipart.js";
import { z } from "zod";
import { requireAgent } from "../../platform/http/auth.js";
import { instant } from "../../platform/http/codecs.js";
import { DomainError } from "../../platform/errors.js";
import { decodeKey, encodeKey } from "../../platform/cursor.js";
import { isCalendarDay, parisDayEnd, parisLocalTime } from "../../platform/paris.js";
import { errorReply, sirenField } from "../spaces/index.js";
import { scopeOf } from "../backoffice/index.js";
import { searchCompaniesOfServices } from "../companies/index.js";
import { ADMIN_NATURE_CODES, awaitingCompany, LIMITS, STATUSES, TAX_CODES } from "../requests/index.js";
import { cancelScheduled, listScheduled, openThread, PLACEHOLDERS, type CorrespondenceDeps, type ThreadFields } from "./correspondence.threads.js";
import { CAMPAIGN_RULES, submitCampaign } from "./correspondence.campaigns.js";
import { campaignRecipients, campaignReportCsv, getCampaign, listCampaigns } from "./correspondence.reports.js";

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorReply]));
const idParams = z.object({ id: z.uuid({ error: "identifiant invalide" }) });
const page = { limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().max(512).optional() };
const flag = z.enum(["true", "false"]).transform((v) => v === "true");

/**
 * A time a person types: ISO 8601 with an offset, a Paris wall-clock time `AAAA-MM-JJTHH:MM`, or (for a due date)
 * a Paris day `AAAA-MM-JJ`, which means « by the end of that day ».
 */
const parisTime = (label: string, dayMeansEnd: boolean) =>
  z.string().transform((text, ctx) => {
    const local = parisLocalTime(text);
    if (local) return local;
    if (dayMeansEnd && isCalendarDay(text)) return parisDayEnd(text);
    if (z.iso.datetime({ offset: true }).safeParse(text).success) return new Date(text);
    ctx.addIssue({ code: "custom", message: `${label} : date attendue au format AAAA-MM-JJTHH:MM (heure de Paris)${dayMeansEnd ? " ou AAAA-MM-JJ" : ""}` });
    return z.NEVER;
  });

const textField = (max: number, label: string) => z.string().max(max, `${max} caractères au plus`).refine((s) => s.trim().length > 0, `${label} est vide`);

const threadFields = {
  tax: z.enum(TAX_CODES, { error: "impôt inconnu" }),
  nature: z.enum(ADMIN_NATURE_CODES, { error: "nature attendue : demande_de_pieces, information, decision ou relance" }),
  subject: textField(LIMITS.subjectMax, "l'objet"),
  body: textField(LIMITS.bodyMax, "le message"),
  acknowledgementRequired: z.boolean().default(false),
  replyDueAt: parisTime("date limite de réponse", true).optional(),
  repliesAllowed: z.boolean().default(true),
  publishAt: parisTime("date de publication", false).optional(),
  /** One of the agent's services (default: the first competent one). */
  service: z.string().max(40).optional(),
};

const campaignHead = z.object({
  id: z.uuid(),
  serviceCode: z.string(),
  tax: z.string(),
  nature: z.string(),
  subject: z.string(),
  fileName: z.string(),
  status: z.enum(["scheduled", "running", "done"]),
  publishAt: instant,
  acknowledgementRequired: z.boolean(),
  replyDueAt: instant.nullable(),
  repliesAllowed: z.boolean(),
  createdAt: instant,
  startedAt: instant.nullable(),
  finishedAt: instant.nullable(),
  /** Lines of the file; `done` of them handled so far (the progress). */
  total: z.number().int(),
  done: z.number().int(),
  threads: z.number().int(),
  letters: z.number().int(),
  refused: z.number().int(),
});
const dayFigures = z.object({ day: z.string(), published: z.number().int(), read: z.number().int(), acknowledged: z.number().int(), replied: z.number().int() });

/** A multipart campaign: the CSV in `file`, the thread's fields as form fields. */
async function multipartCampaign(req: FastifyRequest) {
  let file: Buffer | undefined;
  let fileName = "campagne.csv";
  const fields: Record<string, string> = {};
  try {
    for await (const part of req.parts()) {
      if (part.type === "file") {
        if (part.fieldname !== "file") throw new DomainError("invalid", "file_required", "Le fichier CSV est attendu dans le champ « file ».");
        checkedFileName(part.filename);
        file = await part.toBuffer();
        fileName = part.filename || fileName;
      } else {
        fields[part.fieldname] = String(part.value);
      }
    }
  } catch (error) {
    throw multipartRefusal(error, { expected: "Un fichier CSV dans le champ « file », avec les champs du message.", tooLarge: `Le fichier CSV dépasse 4 Mo : une campagne compte au plus ${CAMPAIGN_RULES.maxLines.toLocaleString("fr-FR")} SIREN.` });
  }
  if (!file) throw new DomainError("invalid", "file_required", "Le fichier CSV est attendu dans le champ « file ».");
  const bool = (v: string | undefined) => (v === undefined || v === "" ? undefined : v === "true" || v === "on");
  const parsed = z
    .object(threadFields)
    .safeParse({
      ...fields,
      acknowledgementRequired: bool(fields.acknowledgementRequired),
      repliesAllowed: bool(fields.repliesAllowed),
      replyDueAt: fields.replyDueAt || undefined,
      publishAt: fields.publishAt || undefined,
      service: fields.service || undefined,
    });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DomainError("invalid", "invalid_request", `Champ « ${String(issue.path[0] ?? "?")} » : ${issue.message}.`, { issues: parsed.error.issues.map((i) => ({ field: i.path.join("."), message: i.message })) });
  }
  return { ...(parsed.data as ThreadFields & { service?: string }), csv: file, fileName };
}

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
          summary: "Companies of the agent's competence, by SIREN prefix or part of the name (the pick of a company to write to)",
          security: [{ agentSession: [] }],
          querystring: z.object({ q: z.string().max(100).default(""), ...page }),
          response: {
            200: z.object({ items: z.array(z.object({ siren: z.string(), name: z.string(), place: z.string().nullable() })), nextCursor: z.string().nullable() }),
            ...errors(400, 401),
          },
        },
      },
      async (req) => {
        const agent = await scope(req);
        const after = req.query.cursor ? decodeKey(req.query.cursor, /^\d{9}$/) : undefined;
        const found = await searchCompaniesOfServices(deps.db, agent.services, req.query.q, after, req.query.limit);
        return { items: found.items, nextCursor: found.next ? encodeKey(found.next) : null };
      },
    );

    app.post(
      "/api/v1/backoffice/threads",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Write first to a company of the agent's competence: a thread published now, or at `publishAt`",
          description: `Placeholders filled for the company: ${Object.entries(PLACEHOLDERS).map(([k, v]) => `{{${k}}} (${v})`).join(", ")}. An unknown one: 422 \`unknown_placeholder\`. A company outside the agent's competence: 404. \`publishAt\` in the past: 422.`,
          security: [{ agentSession: [], csrf: [] }],
          body: z.object({ siren: sirenField, uploadIds: z.array(z.uuid()).max(LIMITS.attachmentsMax, `au plus ${LIMITS.attachmentsMax} pièces jointes`).default([]), ...threadFields }),
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
          querystring: z.object({ service: z.string().max(40).optional(), waiting: z.enum(["acknowledgement", "reply"]).optional(), overdue: flag.optional(), ...page }),
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
        if (!req.isMultipart()) throw new DomainError("invalid", "multipart_required", "Une campagne s'envoie en multipart/form-data : le fichier CSV dans « file » et les champs du message.");
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
          summary: "A campaign: progress and figures (published, read, acknowledged, replied, per Paris day)",
          security: [{ agentSession: [] }],
          params: idParams,
          response: {
            200: campaignHead.extend({
              body: z.string(),
              figures: z.object({ published: z.number().int(), read: z.number().int(), acknowledged: z.number().int(), replied: z.number().int(), perDay: z.array(dayFigures) }),
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
      { schema: { tags: ["backoffice"], summary: "The report of a campaign as a CSV (French spreadsheets)", security: [{ agentSession: [] }], params: idParams } },
      async (req, reply) => {
        const csv = await campaignReportCsv(deps, await scope(req), req.params.id);
        return reply.type("text/csv; charset=utf-8").header("Content-Disposition", `attachment; filename="campagne-${req.params.id.slice(0, 8)}.csv"`).send(csv);
      },
    );
  };
}
