import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { routesPlugin } from "../../platform/http/routes.js";
import { requirePerson } from "../../platform/http/auth.js";
import { emailField, errorReply, sirenField } from "../spaces/index.js";
import { companyEmailOf, SERVICE_CODES, TAX_CODES } from "../adhesions/index.js";
import * as service from "./rights.service.js";
import * as delegations from "./rights.delegations.js";
import * as company from "./rights.company.js";
import * as offers from "./rights.offers.js";
import { portfolioRoutes } from "./rights.portfolio.routes.js";

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorReply]));
const iso = (d: Date | null) => (d ? d.toISOString() : null);

const companySchema = z.object({
  siren: z.string(),
  name: z.string(),
  address: z.string().nullable(),
  companyEmail: z.string().nullable(),
  myRights: z.array(
    z.object({ service: z.string(), role: z.string(), taxScope: z.array(z.string()).nullable(), state: z.string(), validUntil: z.string().nullable() }),
  ),
});
const rightsJson = (rights: service.MyRight[]) => rights.map((r) => ({ ...r, validUntil: iso(r.validUntil) }));
const toJson = (c: service.MyCompany) => ({ ...c, myRights: rightsJson(c.myRights) });

const personSchema = z.object({ firstName: z.string(), lastName: z.string(), connectionEmail: z.string() });
/** A party to an offer: its space id lets the person accept all the offers of one grantor at once. */
const partySchema = personSchema.extend({ spaceId: z.uuid() });
const delegationSchema = z.object({
  id: z.uuid(),
  siren: z.string(),
  companyName: z.string(),
  direction: z.enum(["received", "given"]),
  from: partySchema,
  to: partySchema,
  role: z.enum(["deputy", "delegate"]),
  services: z.array(z.string()),
  taxScope: z.array(z.string()).nullable(),
  validUntil: z.string().nullable(),
  status: z.string(),
  rightsState: z.enum(["active", "suspended", "revoked"]).nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
});
const idParams = z.object({ id: z.uuid({ error: "identifiant invalide" }) });

/** Rights and delegation (api.md): « mes entreprises », offers, suspension, revocation, who acts for a company. */
export function rightsRoutes(deps: service.RightsDeps): FastifyPluginAsyncZod {
  return routesPlugin((app) => {
    portfolioRoutes(app, deps);

    app.get(
      "/api/v1/companies/:siren",
      {
        schema: {
          tags: ["companies"],
          summary: "One of my companies",
          security: [{ session: [] }, { oauth2: ["companies.read"] }],
          params: z.object({ siren: sirenField }),
          response: { 200: companySchema.extend({ pendingCompanyEmail: z.string().nullable() }), ...errors(400, 401, 404) },
        },
      },
      async (req) => {
        const company = await service.getMyCompany(deps, requirePerson(req).subjectId, req.params.siren);
        const email = await companyEmailOf(deps, req.params.siren);
        return { ...toJson(company), pendingCompanyEmail: email.pendingEmail };
      },
    );

    app.post(
      "/api/v1/companies/:siren/delegations",
      {
        schema: {
          tags: ["rights"],
          summary: "Offer a deputy role or a delegation on a company to another space",
          security: [{ session: [], csrf: [] }],
          params: z.object({ siren: sirenField }),
          body: z.object({
            /** Connection address of the person offered the right. */
            email: emailField,
            role: z.enum(["delegate", "deputy"]),
            services: z.array(z.enum(SERVICE_CODES)).min(1).max(SERVICE_CODES.length),
            /** With `messagerie`: the taxes its messagerie covers (absent: all). */
            taxScope: z.array(z.enum(TAX_CODES)).min(1).max(TAX_CODES.length).optional(),
            validUntil: z.iso.datetime({ offset: true }).optional(),
          }),
          response: { 201: z.object({ id: z.uuid(), status: z.literal("offered") }), ...errors(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req, reply) => {
        const b = req.body;
        const offered = await delegations.offerDelegation(deps, requirePerson(req).subjectId, req.params.siren, {
          email: b.email,
          role: b.role,
          services: b.services,
          taxScope: b.taxScope,
          validUntil: b.validUntil ? new Date(b.validUntil) : undefined,
        });
        return reply.status(201).send(offered);
      },
    );

    app.get(
      "/api/v1/delegations",
      {
        schema: {
          tags: ["rights"],
          summary: "Offers made to me and by me, newest first (keyset pagination)",
          security: [{ session: [] }],
          querystring: z.object({
            direction: z.enum(["received", "given"]).optional(),
            /** Only the offers still waiting for an answer. */
            pending: z.enum(["true", "false"]).optional(),
            limit: z.coerce.number().int().min(1).max(100).default(100),
            cursor: z.string().max(200).optional(),
          }),
          response: { 200: z.object({ items: z.array(delegationSchema), nextCursor: z.string().nullable() }), ...errors(400, 401) },
        },
      },
      async (req) => {
        const page = await offers.listDelegations(deps, requirePerson(req).subjectId, { ...req.query, pending: req.query.pending === "true" });
        return {
          items: page.items.map((d) => ({ ...d, validUntil: iso(d.validUntil), createdAt: d.createdAt.toISOString(), expiresAt: d.expiresAt.toISOString() })),
          nextCursor: page.nextCursor,
        };
      },
    );

    for (const action of ["accept", "decline"] as const) {
      app.post(
        `/api/v1/delegations/:id/${action}`,
        {
          schema: {
            tags: ["rights"],
            summary: action === "accept" ? "Accept an offer made to me" : "Decline an offer made to me",
            security: [{ session: [], csrf: [] }],
            params: idParams,
            response: { 200: z.object({ status: z.enum(["accepted", "declined"]) }), ...errors(400, 401, 404, 409, 410) },
          },
        },
        async (req) => {
          const spaceId = requirePerson(req).subjectId;
          return action === "accept" ? delegations.acceptDelegation(deps, spaceId, req.params.id) : delegations.declineDelegation(deps, spaceId, req.params.id);
        },
      );
    }

    app.patch(
      "/api/v1/delegations/:id",
      {
        schema: {
          tags: ["rights"],
          summary: "Suspend (« mettre en veille ») or reactivate a delegation; suspension cascades",
          security: [{ session: [], csrf: [] }],
          params: idParams,
          body: z.object({ state: z.enum(["suspended", "active"]) }),
          response: { 200: z.object({ status: z.enum(["suspended", "active"]) }), ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => delegations.setDelegationState(deps, requirePerson(req).subjectId, req.params.id, req.body.state),
    );

    app.delete(
      "/api/v1/delegations/:id",
      {
        schema: {
          tags: ["rights"],
          summary: "Withdraw an offer, or revoke a delegation (cascades)",
          security: [{ session: [], csrf: [] }],
          params: idParams,
          response: { 204: z.null(), ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req, reply) => {
        await delegations.revokeDelegation(deps, requirePerson(req).subjectId, req.params.id);
        return reply.status(204).send(null);
      },
    );

    app.get(
      "/api/v1/companies/:siren/representatives",
      {
        schema: {
          tags: ["rights"],
          summary: "Who acts for my company (administrators and deputies only)",
          security: [{ session: [] }],
          params: z.object({ siren: sirenField }),
          response: {
            200: z.object({
              items: z.array(
                z.object({
                  person: z.object({
                    firstName: z.string(),
                    lastName: z.string(),
                    connectionEmail: z.string(),
                    entitySiren: z.string(),
                    entityName: z.string().nullable(),
                  }),
                  rights: z.array(
                    z.object({
                      id: z.uuid(),
                      service: z.string(),
                      role: z.string(),
                      taxScope: z.array(z.string()).nullable(),
                      state: z.string(),
                      since: z.string(),
                      validUntil: z.string().nullable(),
                      grantedBy: z.string().nullable(),
                      /** The right it was granted from (revoking that one revokes it too). */
                      grantedFrom: z.uuid().nullable(),
                      /** Whether I may revoke it. */
                      revocable: z.boolean(),
                      /** The firm's team it comes from (product §19), or null: « via l'équipe <name> de <firmName> ». */
                      team: z.object({ id: z.uuid(), name: z.string(), firmName: z.string() }).nullable(),
                    }),
                  ),
                  lastActivityAt: z.string().nullable(),
                }),
              ),
            }),
            ...errors(400, 401, 403, 404),
          },
        },
      },
      async (req) => ({
        items: (await company.listRepresentatives(deps, requirePerson(req).subjectId, req.params.siren)).map((r) => ({
          ...r,
          rights: r.rights.map((x) => ({ ...x, since: x.since.toISOString(), validUntil: iso(x.validUntil) })),
          lastActivityAt: iso(r.lastActivityAt),
        })),
      }),
    );

    app.delete(
      "/api/v1/companies/:siren/rights/:rightId",
      {
        schema: {
          tags: ["rights"],
          summary: "Revoke one right on the company (cascades to what was granted from it)",
          security: [{ session: [], csrf: [] }],
          params: z.object({ siren: sirenField, rightId: z.uuid({ error: "identifiant invalide" }) }),
          response: { 204: z.null(), ...errors(400, 401, 403, 404) },
        },
      },
      async (req, reply) => {
        await company.revokeRight(deps, requirePerson(req).subjectId, req.params.siren, req.params.rightId);
        return reply.status(204).send(null);
      },
    );
  });
}
