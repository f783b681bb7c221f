import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { routesPlugin } from "../../platform/http/routes.js";
import { requirePerson } from "../../platform/http/auth.js";
import { emailField, errorReply, sirenField } from "../spaces/index.js";
import { SERVICE_CATALOGUE, SERVICE_CODES } from "./adhesions.catalogue.js";
import * as service from "./adhesions.service.js";
import * as views from "./adhesions.views.js";
import * as email from "./adhesions.email.js";
import * as desk from "./adhesions.desk.js";

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorReply]));
const iso = (d: Date | null) => (d ? d.toISOString() : null);

const adhesionSchema = z.object({
  id: z.uuid(),
  siren: z.string(),
  companyName: z.string(),
  origin: z.enum(["simplified", "expert"]),
  quality: z.enum(["legal_representative", "mandated"]),
  services: z.array(z.string()),
  /** The company e-mail address declared with the request (when one had to be verified). */
  declaredCompanyEmail: z.string().nullable(),
  status: z.enum(["awaiting_company_email", "letter_issued", "active", "cancelled", "opposed", "expired", "voided"]),
  createdAt: z.string(),
  letterIssuedAt: z.string().nullable(),
  /** When the activation letter was sent (issued for posting); the code's 60 days run from it. */
  letterSentAt: z.string().nullable(),
  /** Until when the letter's code can be entered (60 days from edition). */
  codeExpiresAt: z.string().nullable(),
  /** Wrong entries left before the code is voided (while a letter is pending). */
  attemptsLeft: z.number().int().nullable(),
  activatedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  letters: z.array(z.object({ number: z.string(), status: z.string(), editedAt: z.string(), postedAt: z.string().nullable() })),
});

function view(a: views.AdhesionView) {
  return {
    ...a,
    createdAt: a.createdAt.toISOString(),
    letterIssuedAt: iso(a.letterIssuedAt),
    letterSentAt: iso(a.letterSentAt),
    codeExpiresAt: iso(a.codeExpiresAt),
    activatedAt: iso(a.activatedAt),
    endedAt: iso(a.endedAt),
    letters: a.letters.map((l) => ({ ...l, editedAt: l.editedAt.toISOString(), postedAt: iso(l.postedAt) })),
  };
}

const idParams = z.object({ id: z.uuid({ error: "identifiant d'adhésion invalide" }) });

/** Adhesions, company e-mail verification and opposition (api.md). */
export function adhesionsRoutes(deps: service.AdhesionsDeps & { oppositionRatePerMinute: number }): FastifyPluginAsyncZod {
  return routesPlugin((app) => {
    app.get(
      "/api/v1/catalogue",
      {
        schema: {
          security: [],
          tags: ["adhesions"],
          summary: "The catalogue of online services",
          response: { 200: z.object({ items: z.array(z.object({ code: z.string(), label: z.string(), taxes: z.array(z.string()).nullable() })) }) },
        },
      },
      () => ({ items: SERVICE_CATALOGUE.map((s) => ({ code: s.code, label: s.label, taxes: s.taxes ? [...s.taxes] : null })) }),
    );

    app.post(
      "/api/v1/adhesions",
      {
        schema: {
          tags: ["adhesions"],
          summary: "Ask to adhere to online services of a company (expert mode)",
          security: [{ session: [], csrf: [] }],
          body: z.object({
            siren: sirenField,
            /** The quality the person declares: legal representative or mandated person. */
            quality: z.enum(["legal_representative", "mandated"]),
            /** Services of the catalogue (at least one). */
            services: z.array(z.enum(SERVICE_CODES)).min(1).max(SERVICE_CODES.length),
            /** Required when `messagerie` is asked and the company has no verified e-mail address. */
            companyEmail: emailField.optional(),
          }),
          response: { 201: z.object({ id: z.uuid(), status: z.enum(["awaiting_company_email", "letter_issued"]) }), ...errors(400, 401, 403, 409, 422, 429) },
        },
      },
      async (req, reply) => {
        const session = requirePerson(req);
        return reply.status(201).send(await service.requestAdhesion(deps, session.subjectId, req.body));
      },
    );

    app.get(
      "/api/v1/adhesions",
      {
        schema: {
          tags: ["adhesions"],
          summary: "My adhesions, newest first; waiting for their letter's code (`letter_issued`), soonest expiry first (keyset pagination)",
          security: [{ session: [] }],
          querystring: z.object({
            /**
             * `pending`: waiting for the company address or the letter's code; `ended`: every other; `letter_issued`:
             * waiting for the letter's code only (« activations en attente »), soonest expiry first.
             */
            status: z.enum(["pending", "ended", "letter_issued"]).optional(),
            limit: z.coerce.number().int().min(1).max(100).default(50),
            cursor: z.string().max(200).optional(),
          }),
          response: { 200: z.object({ items: z.array(adhesionSchema), nextCursor: z.string().nullable(), total: z.number().int() }), ...errors(400, 401) },
        },
      },
      async (req) => {
        const page = await views.listAdhesions(deps, requirePerson(req).subjectId, req.query);
        return { items: page.items.map(view), nextCursor: page.nextCursor, total: page.total };
      },
    );

    app.get(
      "/api/v1/adhesions/:id",
      {
        schema: {
          tags: ["adhesions"],
          summary: "One of my adhesions",
          security: [{ session: [] }],
          params: idParams,
          response: { 200: adhesionSchema, ...errors(400, 401, 404) },
        },
      },
      async (req) => view(await views.getAdhesion(deps, requirePerson(req).subjectId, req.params.id)),
    );

    app.post(
      "/api/v1/adhesions/:id/activate",
      {
        schema: {
          tags: ["adhesions"],
          summary: "Activate an adhesion with the code of the letter",
          security: [{ session: [], csrf: [] }],
          params: idParams,
          body: z.object({ /** `XXXX-XXXX-XXXX`; dashes, spaces and case ignored. */ code: z.string().min(1).max(40) }),
          response: { 200: z.object({ status: z.literal("active") }), ...errors(400, 401, 404, 409, 410, 422) },
        },
      },
      async (req) => service.activateAdhesion(deps, requirePerson(req).subjectId, req.params.id, req.body.code),
    );

    app.delete(
      "/api/v1/adhesions/:id",
      {
        schema: {
          tags: ["adhesions"],
          summary: "Cancel a pending adhesion",
          security: [{ session: [], csrf: [] }],
          params: idParams,
          response: { 204: z.null(), ...errors(400, 401, 404, 409) },
        },
      },
      async (req, reply) => {
        await service.cancelAdhesion(deps, requirePerson(req).subjectId, req.params.id);
        return reply.status(204).send(null);
      },
    );

    const tokenField = z.string().min(1).max(200);
    app.get(
      "/api/v1/company-email/link",
      {
        schema: {
          security: [],
          tags: ["company e-mail"],
          summary: "What a company e-mail link is about, without consuming it",
          querystring: z.object({ token: tokenField }),
          response: {
            200: z.object({
              siren: z.string(),
              companyName: z.string(),
              email: z.string(),
              purpose: z.enum(["adhesion", "change"]),
              status: z.enum(["valid", "expired", "used"]),
            }),
            ...errors(400, 410),
          },
        },
      },
      async (req) => email.describeCompanyEmailLink(deps, req.query.token),
    );

    app.post(
      "/api/v1/company-email/confirm",
      {
        config: { csrf: false },
        schema: {
          security: [],
          tags: ["company e-mail"],
          summary: "Confirm a company e-mail address (consumes the link)",
          body: z.object({ token: tokenField }),
          response: { 200: z.object({ siren: z.string(), email: z.string(), status: z.literal("verified") }), ...errors(400, 410) },
        },
      },
      async (req) => email.confirmCompanyEmail(deps, req.body.token, req.ip),
    );

    app.post(
      "/api/v1/opposition",
      {
        config: { csrf: false, rateLimit: { max: deps.oppositionRatePerMinute, timeWindow: 60_000 } },
        schema: {
          security: [],
          tags: ["adhesions"],
          summary: "Oppose an adhesion with the opposition code of the letter (no sign-in)",
          body: z.object({ siren: sirenField, /** `XXXX-XXXX` */ oppositionCode: z.string().min(1).max(40) }),
          response: { 200: z.object({ status: z.literal("opposed") }), ...errors(400, 422, 429) },
        },
      },
      async (req) => desk.opposeAdhesion(deps, { ...req.body, ip: req.ip }),
    );

    app.put(
      "/api/v1/companies/:siren/email",
      {
        schema: {
          tags: ["company e-mail"],
          summary: "Change the company e-mail address (administrators of messagerie)",
          security: [{ session: [], csrf: [] }],
          params: z.object({ siren: sirenField }),
          body: z.object({ email: emailField }),
          response: { 202: z.object({ status: z.literal("pending_verification") }), ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req, reply) => reply.status(202).send(await email.requestCompanyEmailChange(deps, requirePerson(req).subjectId, req.params.siren, req.body.email)),
    );
  });
}
