import type { FastifyRequest } from "fastify";
import { checkedFileName, multipartRefusal } from "../../platform/http/multipart.js";
import { z } from "zod";
import { instant } from "../../platform/http/codecs.js";
import { fieldLabel } from "../../platform/http/field-labels.js";
import { DomainError } from "../../platform/errors.js";
import { parisDateOnly, parisLocalTime } from "../../platform/paris.js";
import { errorReply } from "../spaces/index.js";
import { ADMIN_NATURE_CODES, LIMITS, TAX_CODES } from "../requests/index.js";
import { type ThreadFields } from "./correspondence.threads.js";
import { CAMPAIGN_RULES } from "./correspondence.campaigns.js";
import { storedText } from "../../platform/http/text.js";

/** The schemas and readers shared by the correspondence routes (threads and campaigns). */
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorReply]));
export const idParams = z.object({ id: z.uuid({ error: "identifiant invalide" }) });
export const page = { limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().max(512).optional() };
export const flag = z.enum(["true", "false"]).transform((v) => v === "true");

/**
 * A time a person types: ISO 8601 with an offset, a Paris wall-clock time `AAAA-MM-JJTHH:MM`, or a Paris day
 * `AAAA-MM-JJ`, which means « by the end of that day » (23:59:59.999 in Paris, summer and winter time alike).
 */
export const parisTime = () =>
  z.string().transform((text, ctx) => {
    const at = parisLocalTime(text) ?? parisDateOnly(text);
    if (at) return at;
    if (z.iso.datetime({ offset: true }).safeParse(text).success) return new Date(text);
    ctx.addIssue({ code: "custom", message: "date attendue au format AAAA-MM-JJ, ou AAAA-MM-JJTHH:MM (heure de Paris)" });
    return z.NEVER;
  });

export const textField = (max: number, label: string) =>
  storedText()
    .max(max, `${max} caractères au plus`)
    .refine((s) => s.trim().length > 0, `${label} est vide`);

export const threadFields = {
  tax: z.enum(TAX_CODES, { error: "impôt inconnu" }),
  nature: z.enum(ADMIN_NATURE_CODES),
  subject: textField(LIMITS.subjectMax, "l'objet"),
  body: textField(LIMITS.bodyMax, "le message"),
  acknowledgementRequired: z.boolean().default(false),
  replyDueAt: parisTime().optional(),
  repliesAllowed: z.boolean().default(true),
  publishAt: parisTime().optional(),
  /** One of the agent's services (default: the first competent one). */
  service: z.string().max(40).optional(),
};

export const campaignHead = z.object({
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
export const dayFigures = z.object({
  day: z.string(),
  published: z.number().int(),
  read: z.number().int(),
  acknowledged: z.number().int(),
  replied: z.number().int(),
  /** Of the replies, those received by post (recorded by an agent), on the day they arrived. */
  repliedByPost: z.number().int(),
});

/** A multipart campaign: the CSV in `file`, the thread's fields as form fields. */
export async function multipartCampaign(req: FastifyRequest) {
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
    throw multipartRefusal(error, {
      expected: "Un fichier CSV dans le champ « file », avec les champs du message.",
      tooLarge: `Le fichier CSV dépasse 4 Mo : une campagne compte au plus ${CAMPAIGN_RULES.maxLines.toLocaleString("fr-FR")} SIREN.`,
    });
  }
  if (!file) throw new DomainError("invalid", "file_required", "Le fichier CSV est attendu dans le champ « file ».");
  const bool = (v: string | undefined) => (v === undefined || v === "" ? undefined : v === "true" || v === "on");
  const parsed = z.object(threadFields).safeParse({
    ...fields,
    acknowledgementRequired: bool(fields.acknowledgementRequired),
    repliesAllowed: bool(fields.repliesAllowed),
    replyDueAt: fields.replyDueAt || undefined,
    publishAt: fields.publishAt || undefined,
    service: fields.service || undefined,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new DomainError("invalid", "invalid_request", `Champ « ${fieldLabel(issue.path) || "?"} » : ${issue.message.replace(/\.$/, "")}.`, {
      issues: parsed.error.issues.map((i) => ({ field: i.path.join("."), message: i.message })),
    });
  }
  return { ...(parsed.data as ThreadFields & { service?: string }), csv: file, fileName };
}
