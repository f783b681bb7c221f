/** The shapes of requests in the API's answers: they whitelist what each side reads. */
import { z } from "zod";
import { instant } from "../../platform/http/codecs.js";
import { STATUSES } from "./requests.states.js";

export const serviceRef = z.object({ code: z.string(), name: z.string() });
export const summarySchema = z.object({
  id: z.uuid(),
  reference: z.string(),
  siren: z.string(),
  companyName: z.string(),
  tax: z.string(),
  nature: z.string(),
  subject: z.string(),
  status: z.enum(STATUSES),
  service: serviceRef,
  receivedAt: instant,
  lastActivityAt: instant,
  unreadCount: z.number().int(),
  /** `administration`: a thread the administration opened (« Message de l'administration »). */
  origin: z.enum(["company", "administration"]),
});
export const messageSchema = z.object({
  id: z.uuid(),
  author: z.object({ kind: z.enum(["person", "agent", "system"]), displayName: z.string() }),
  /** Plain text; line breaks kept; never to be rendered as HTML. */
  body: z.string(),
  attachments: z.array(z.object({ id: z.uuid(), name: z.string(), size: z.number().int(), mediaType: z.string(), sha256: z.string() })),
  createdAt: instant,
  readByCompanyAt: instant.nullable(),
  readByAdministrationAt: instant.nullable(),
  /** `post`: the company's answer received by post, recorded by an agent (« Reçu par courrier le … »). */
  channel: z.enum(["online", "post"]),
  /** For a message received by post: the Paris day it arrived; in the back office, the agent who recorded it. */
  paper: z.object({ receivedOn: z.iso.date(), recordedBy: z.string().nullable() }).nullable(),
});
/** What a thread the administration opened adds (null for a request of the company side). */
export const correspondenceSchema = z
  .object({
    acknowledgementRequired: z.boolean(),
    acknowledgedAt: instant.nullable(),
    /** Who acknowledged (first and last name). */
    acknowledgedBy: z.string().nullable(),
    replyDueAt: instant.nullable(),
    repliesAllowed: z.boolean(),
    campaignId: z.uuid().nullable(),
  })
  .nullable();
export const detailSchema = summarySchema.extend({
  deadlines: z.object({ firstAnswer: instant, legal: instant.nullable() }),
  correspondence: correspondenceSchema,
  messages: z.array(messageSchema),
});

/** A person of the company side as her colleagues read her name (« Suivie par Lila Rosemonde »). */
export const personRefSchema = z.object({ id: z.uuid(), displayName: z.string() });
/** Who follows the request inside the firm (product §19), while she may see it; null: nobody. */
const followedBy = personRefSchema.nullable();

/** A line of the company side's inbox. */
export const inboxItemSchema = summarySchema.extend({ followedBy });

/**
 * A request as the company side reads it: who follows it and, under each message of the administration, who read
 * it (persons who may see the request, first read first; empty for the company's own messages). Never the back
 * office's: its routes answer `detailSchema`.
 */
export const companyDetailSchema = detailSchema.extend({
  followedBy,
  messages: z.array(messageSchema.extend({ readBy: z.array(z.object({ displayName: z.string(), at: instant })) })),
});
