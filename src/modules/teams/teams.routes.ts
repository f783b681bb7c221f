import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { routesPlugin } from "../../platform/http/routes.js";
import { requirePersonSession } from "../../platform/http/auth.js";
import { emailField, errorReply, sirenField } from "../spaces/index.js";
import { SERVICE_CODES, TAX_CODES } from "../adhesions/index.js";
import { createTeam, getTeam, listTeamCompanies, listTeams, TEAM_RULES, type TeamsDeps, type TeamSummary } from "./teams.service.js";
import { addCompanies, closeTeam, inviteMember, joinTeam, removeCompany, removeMember, renameTeam } from "./teams.changes.js";

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorReply]));
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const teamParams = z.object({ id: z.uuid({ error: "identifiant d'équipe invalide" }) });

/** The team's name, unique in the firm (« TVA », « Paie »…). */
const nameField = z.string().trim().min(1, "donnez un nom à l'équipe").max(80, "80 caractères au plus");

const grantSchema = z.object({
  role: z.enum(["delegate", "deputy"]),
  services: z
    .array(z.enum(SERVICE_CODES, { error: "service inconnu du catalogue" }))
    .min(1, "choisissez au moins un service")
    .max(SERVICE_CODES.length),
  /** With `messagerie`: the taxes its messagerie covers (absent or null: all). */
  taxScope: z
    .array(z.enum(TAX_CODES, { error: "impôt inconnu" }))
    .min(1)
    .max(TAX_CODES.length)
    .nullable()
    .optional(),
});
const summarySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  grant: z.object({ role: z.enum(["delegate", "deputy"]), services: z.array(z.string()), taxScope: z.array(z.string()).nullable() }),
  /** The administrator who made the team and manages it. */
  owner: z.object({ id: z.uuid(), displayName: z.string() }),
  /** My place in the team: `owner`, `invited`, `active`, or null (an administrator of my entity looking on). */
  myState: z.enum(["owner", "invited", "active"]).nullable(),
  activeMembers: z.number().int(),
  invitedMembers: z.number().int(),
  companies: z.number().int(),
  createdAt: z.string(),
});
const summaryJson = (s: TeamSummary) => ({ ...s, createdAt: s.createdAt.toISOString() });
const outcomeError = z.object({ code: z.string(), message: z.string() });

/** Teams in a firm (product §19, api.md « Teams and the firm »). Browser sessions only: no software manages teams. */
export function teamsRoutes(deps: TeamsDeps): FastifyPluginAsyncZod {
  return routesPlugin((app) => {
    app.post(
      "/api/v1/teams",
      {
        schema: {
          tags: ["teams"],
          summary: "Create a team of my firm with its grant (administrators of their own entity only)",
          security: [{ session: [], csrf: [] }],
          body: z.object({
            name: nameField,
            /** What each active member gets on each company of the team. */
            grant: grantSchema,
          }),
          response: { 201: z.object({ id: z.uuid() }), ...errors(400, 401, 403, 409, 422) },
        },
      },
      async (req, reply) => reply.status(201).send(await createTeam(deps, requirePersonSession(req).subjectId, req.body)),
    );

    app.get(
      "/api/v1/teams",
      {
        schema: {
          tags: ["teams"],
          summary: "The teams of my entity I see (all for its administrators, else mine), newest first (keyset pagination)",
          security: [{ session: [] }],
          querystring: z.object({
            /** Words of the team's name (case ignored). */
            q: z.string().max(80).optional(),
            limit: z.coerce.number().int().min(1).max(100).default(50),
            cursor: z.string().max(200).optional(),
          }),
          response: {
            200: z.object({
              items: z.array(summarySchema),
              nextCursor: z.string().nullable(),
              /** Whether I may create teams (I administer my entity). */
              canCreate: z.boolean(),
            }),
            ...errors(400, 401),
          },
        },
      },
      async (req) => {
        const page = await listTeams(deps, requirePersonSession(req).subjectId, req.query);
        return { ...page, items: page.items.map(summaryJson) };
      },
    );

    app.get(
      "/api/v1/teams/:id",
      {
        schema: {
          tags: ["teams"],
          summary: "One team: its grant, members (invited or active) and number of companies",
          security: [{ session: [] }],
          params: teamParams,
          response: {
            200: summarySchema.extend({
              /** The firm's company name. */
              firmName: z.string(),
              members: z.array(
                z.object({
                  id: z.uuid(),
                  displayName: z.string(),
                  email: z.string(),
                  state: z.enum(["invited", "active"]),
                  invitedAt: z.string(),
                  joinedAt: z.string().nullable(),
                }),
              ),
            }),
            ...errors(400, 401, 404),
          },
        },
      },
      async (req) => {
        const team = await getTeam(deps, requirePersonSession(req).subjectId, req.params.id);
        return {
          ...summaryJson(team),
          firmName: team.firmName,
          members: team.members.map((m) => ({ ...m, invitedAt: m.invitedAt.toISOString(), joinedAt: iso(m.joinedAt) })),
        };
      },
    );

    app.patch(
      "/api/v1/teams/:id",
      {
        schema: {
          tags: ["teams"],
          summary: "Rename the team (its manager only); the name stays unique in the firm",
          security: [{ session: [], csrf: [] }],
          params: teamParams,
          body: z.object({ name: nameField }),
          response: { 200: z.object({ name: z.string() }), ...errors(400, 401, 403, 404, 409) },
        },
      },
      async (req) => renameTeam(deps, requirePersonSession(req).subjectId, req.params.id, req.body.name),
    );

    app.delete(
      "/api/v1/teams/:id",
      {
        schema: {
          tags: ["teams"],
          summary: "Close the team (its manager only): every right it gave ends at once; members and companies leave it",
          security: [{ session: [], csrf: [] }],
          params: teamParams,
          response: { 204: z.null(), ...errors(400, 401, 403, 404) },
        },
      },
      async (req, reply) => {
        await closeTeam(deps, requirePersonSession(req).subjectId, req.params.id);
        return reply.status(204).send(null);
      },
    );

    app.get(
      "/api/v1/teams/:id/companies",
      {
        schema: {
          tags: ["teams"],
          summary: "The team's companies by SIREN (keyset pagination)",
          security: [{ session: [] }],
          params: teamParams,
          querystring: z.object({
            /** The start of a SIREN. */
            q: z
              .string()
              .regex(/^\d{1,9}$/, "le début d'un SIREN : des chiffres")
              .optional(),
            limit: z.coerce.number().int().min(1).max(100).default(50),
            cursor: z.string().max(200).optional(),
          }),
          response: {
            200: z.object({ items: z.array(z.object({ siren: z.string(), name: z.string(), addedAt: z.string() })), nextCursor: z.string().nullable() }),
            ...errors(400, 401, 404),
          },
        },
      },
      async (req) => {
        const page = await listTeamCompanies(deps, requirePersonSession(req).subjectId, req.params.id, req.query);
        return { ...page, items: page.items.map((c) => ({ ...c, addedAt: c.addedAt.toISOString() })) };
      },
    );

    app.post(
      "/api/v1/teams/:id/members",
      {
        schema: {
          tags: ["teams"],
          summary: "Invite a colleague of my entity to the team (she accepts once)",
          security: [{ session: [], csrf: [] }],
          params: teamParams,
          body: z.object({ /** The colleague's connection address. */ email: emailField }),
          response: { 201: z.object({ personId: z.uuid(), state: z.literal("invited") }), ...errors(400, 401, 403, 404, 409, 422) },
        },
      },
      async (req, reply) => reply.status(201).send(await inviteMember(deps, requirePersonSession(req).subjectId, req.params.id, req.body.email)),
    );

    app.post(
      "/api/v1/teams/:id/join",
      {
        schema: {
          tags: ["teams"],
          summary: "Accept my invitation to the team: I get its grant on every company of the team",
          security: [{ session: [], csrf: [] }],
          params: teamParams,
          response: { 200: z.object({ state: z.literal("active"), companies: z.number().int() }), ...errors(400, 401, 404, 409) },
        },
      },
      async (req) => joinTeam(deps, requirePersonSession(req).subjectId, req.params.id),
    );

    app.delete(
      "/api/v1/teams/:id/members/:personId",
      {
        schema: {
          tags: ["teams"],
          summary: "Take a member off the team, or leave it: the rights through the team end at once",
          security: [{ session: [], csrf: [] }],
          params: teamParams.extend({ personId: z.uuid({ error: "identifiant de personne invalide" }) }),
          response: { 204: z.null(), ...errors(400, 401, 403, 404) },
        },
      },
      async (req, reply) => {
        await removeMember(deps, requirePersonSession(req).subjectId, req.params.id, req.params.personId);
        return reply.status(204).send(null);
      },
    );

    app.post(
      "/api/v1/teams/:id/companies",
      {
        schema: {
          tags: ["teams"],
          summary: "Add client companies to the team (each line decided on its own; every active member gets the grant)",
          security: [{ session: [], csrf: [] }],
          params: teamParams,
          body: z.object({
            sirens: z
              .array(sirenField)
              .min(1, "choisissez au moins une entreprise")
              .max(TEAM_RULES.maxCompaniesAtOnce, `${TEAM_RULES.maxCompaniesAtOnce} entreprises au plus à la fois`),
          }),
          response: {
            200: z.object({
              items: z.array(z.object({ siren: z.string(), status: z.enum(["added", "already_in_team", "refused"]), error: outcomeError.optional() })),
            }),
            ...errors(400, 401, 403, 404, 413),
          },
        },
      },
      async (req) => ({ items: await addCompanies(deps, requirePersonSession(req).subjectId, req.params.id, req.body.sirens) }),
    );

    app.delete(
      "/api/v1/teams/:id/companies/:siren",
      {
        schema: {
          tags: ["teams"],
          summary: "Take a company off the team: the members' rights on it through the team end at once",
          security: [{ session: [], csrf: [] }],
          params: teamParams.extend({ siren: sirenField }),
          response: { 204: z.null(), ...errors(400, 401, 403, 404) },
        },
      },
      async (req, reply) => {
        await removeCompany(deps, requirePersonSession(req).subjectId, req.params.id, req.params.siren);
        return reply.status(204).send(null);
      },
    );
  });
}
