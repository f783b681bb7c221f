import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { routesPlugin } from "../../platform/http/routes.js";
import { requirePerson } from "../../platform/http/auth.js";
import { emailField, errorReply, sirenField } from "../spaces/index.js";
import { SERVICE_CODES, TAX_CODES } from "../adhesions/index.js";
import type { RightsDeps } from "./rights.service.js";
import { acceptAllFrom, DELEGATION_BATCH_RULES, offerDelegations, offerDelegationsToSelection, revokeDelegations } from "./rights.batch.js";
import { portfolioFilterSchema } from "./rights.portfolio.routes.js";

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorReply]));
const outcomeError = z.object({ code: z.string(), message: z.string() });

/** Bulk delegation, « tout accepter » and bulk revocation (api.md, product §14). */
export function rightsBatchRoutes(deps: RightsDeps): FastifyPluginAsyncZod {
  return routesPlugin((app) => {
    app.post(
      "/api/v1/delegations/batch",
      {
        schema: {
          tags: ["rights"],
          summary: "Offer the same delegation on many of my companies to one person (one offer per company, each notified)",
          security: [{ session: [], csrf: [] }],
          body: z
            .object({
              /** Connection address of the person offered the rights. */
              email: emailField,
              role: z.enum(["delegate", "deputy"]),
              services: z.array(z.enum(SERVICE_CODES)).min(1, "choisissez au moins un service").max(SERVICE_CODES.length),
              /** With `messagerie`: the taxes its messagerie covers (absent or null: all). */
              taxScope: z.array(z.enum(TAX_CODES)).min(1).max(TAX_CODES.length).nullable().optional(),
              validUntil: z.iso.datetime({ offset: true }).optional(),
              /** The companies, by SIREN (a list pasted or picked); or else `filter`. */
              sirens: z
                .array(sirenField)
                .min(1, "choisissez au moins une entreprise")
                .max(DELEGATION_BATCH_RULES.maxCompanies, `${DELEGATION_BATCH_RULES.maxCompanies} entreprises au plus`)
                .optional(),
              /** « The selection »: every company of « Mes entreprises » matching these filters (500 at most: 413 beyond). */
              filter: z.object(portfolioFilterSchema).strict().optional(),
            })
            .refine((b) => (b.sirens === undefined) !== (b.filter === undefined), {
              message: "donnez soit la liste des SIREN (sirens), soit les filtres de la sélection (filter)",
              path: ["sirens"],
            }),
          response: {
            200: z.object({
              items: z.array(z.object({ siren: z.string(), status: z.enum(["offered", "refused"]), id: z.uuid().optional(), error: outcomeError.optional() })),
            }),
            ...errors(400, 401, 403, 413),
          },
        },
      },
      async (req) => {
        const b = req.body;
        const actorId = requirePerson(req).subjectId;
        const input = {
          email: b.email,
          role: b.role,
          services: b.services,
          taxScope: b.taxScope ?? undefined,
          validUntil: b.validUntil ? new Date(b.validUntil) : undefined,
        };
        const items = b.filter
          ? await offerDelegationsToSelection(deps, actorId, b.filter, input)
          : await offerDelegations(deps, actorId, b.sirens ?? [], input);
        return { items };
      },
    );

    app.post(
      "/api/v1/delegations/accept-all",
      {
        schema: {
          tags: ["rights"],
          summary: "Accept every pending offer made to me by one person",
          security: [{ session: [], csrf: [] }],
          body: z.object({ grantorSpaceId: z.uuid({ error: "identifiant d'espace invalide" }) }),
          response: {
            200: z.object({ accepted: z.number().int(), failed: z.array(z.object({ id: z.uuid(), siren: z.string(), error: outcomeError })) }),
            ...errors(400, 401, 403),
          },
        },
      },
      async (req) => acceptAllFrom(deps, requirePerson(req).subjectId, req.body.grantorSpaceId),
    );

    app.post(
      "/api/v1/delegations/revoke-batch",
      {
        schema: {
          tags: ["rights"],
          summary: "Revoke several delegations at once (each with its cascade)",
          security: [{ session: [], csrf: [] }],
          body: z.object({
            ids: z
              .array(z.uuid({ error: "identifiant invalide" }))
              .min(1)
              .max(DELEGATION_BATCH_RULES.maxCompanies),
          }),
          response: {
            200: z.object({ items: z.array(z.object({ id: z.uuid(), status: z.enum(["revoked", "refused"]), error: outcomeError.optional() })) }),
            ...errors(400, 401, 403),
          },
        },
      },
      async (req) => ({ items: await revokeDelegations(deps, requirePerson(req).subjectId, req.body.ids) }),
    );
  });
}
