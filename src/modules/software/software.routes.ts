import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { routesPlugin } from "../../platform/http/routes.js";
import { requirePersonSession } from "../../platform/http/auth.js";
import { instant } from "../../platform/http/codecs.js";
import { errorReply, sirenField } from "../spaces/index.js";
import { SCOPES } from "./software.repository.js";
import type { SoftwareDeps } from "./software.service.js";
import * as consent from "./software.consent.js";
import * as grants from "./software.grants.js";
import { errorPage } from "./software.provider.js";

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorReply]));
const page = { limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().max(200).optional() };
const scopeSchema = z.enum(SCOPES);

/**
 * The authorization server's own endpoints, answered by oidc-provider (a Koa application) on the raw request:
 * /oauth/* (authorize, token, revoke, jwks) and the metadata, as RFC 8414 names it and as OpenID does.
 */
export function authorizationServerRoutes(deps: SoftwareDeps): FastifyPluginAsyncZod {
  return routesPlugin((app) => {
    const callback = deps.server.provider.callback();
    const issuer = new URL(deps.server.provider.issuer);
    const handOver = (rewriteTo?: string) => (request: FastifyRequest, reply: FastifyReply) => {
      if (rewriteTo) request.raw.url = rewriteTo;
      // The service has one public address: the provider writes its URLs from it, whatever Host the call carried.
      request.raw.headers.host = issuer.host;
      request.raw.headers["x-forwarded-proto"] = issuer.protocol.replace(":", "");
      delete request.raw.headers["x-forwarded-host"];
      reply.hijack();
      // Fastify's security headers were set on the reply, not on the raw response the provider writes.
      for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) reply.raw.setHeader(name, value);
      // The reply is hijacked: the provider answers on its own. Koa's handler never rejects (it catches what its
      // middleware throws and answers the error itself), so there is nothing left to wait for or to handle here.
      void callback(request.raw, reply.raw);
    };
    // The provider reads form bodies itself: leave the stream untouched for it.
    app.addContentTypeParser(["application/x-www-form-urlencoded", "application/json"], (_request, _payload, done) => done(null, undefined));
    const hidden = { schema: { hide: true }, config: { csrf: false } };
    const resuming = /^\/oauth\/authorize\/([A-Za-z0-9_-]{10,64})(?:\?|$)/;
    const passOn = handOver();
    app.route({
      method: ["GET", "POST"],
      url: "/oauth/*",
      ...hidden,
      handler: async (request, reply) => {
        // The browser that resumes a consented authorization must be signed in as the person who consented.
        const uid = resuming.exec(request.raw.url ?? "")?.[1];
        if (uid && !(await consent.isConsentingPerson(deps, uid, request.personSession?.subjectId))) {
          return reply.code(403).type("text/html; charset=utf-8").send(errorPage("authorization_other_person"));
        }
        passOn(request, reply);
      },
    });
    app.get("/.well-known/openid-configuration", hidden, handOver());
    app.get("/.well-known/oauth-authorization-server", hidden, handOver("/.well-known/openid-configuration"));
  });
}

const authorizedSchema = z.object({
  grantId: z.uuid(),
  software: z.object({ clientId: z.string(), name: z.string() }),
  scopes: z.array(z.object({ code: scopeSchema, label: z.string() })),
  companies: z.union([z.literal("all"), z.array(z.object({ siren: z.string(), name: z.string() }))]),
  createdAt: instant,
  lastUsedAt: instant.nullable(),
  expiresAt: instant,
});

const companySoftwareSchema = z.object({
  id: z.uuid(),
  software: z.object({ clientId: z.string(), name: z.string() }),
  via: z.object({ id: z.uuid(), name: z.string() }),
  since: instant,
  lastUsedAt: instant.nullable(),
  scopes: z.array(scopeSchema),
  cutOff: z.object({ at: instant, by: z.string() }).nullable(),
});

/** The person's side of software access: consent, « Logiciels autorisés », and what a company's administrators see. */
export function softwareRoutes(deps: SoftwareDeps): FastifyPluginAsyncZod {
  return routesPlugin((app) => {
    const uidParams = z.object({ uid: z.string().min(1).max(100) });

    app.get(
      "/api/v1/oauth/interactions/:uid",
      {
        schema: {
          tags: ["software"],
          summary: "What a software asks for (the consent page)",
          security: [{ session: [] }],
          params: uidParams,
          response: {
            200: z.object({
              software: z.object({ clientId: z.string(), name: z.string() }),
              scopes: z.array(z.object({ code: scopeSchema, label: z.string() })),
              redirectHost: z.string(),
            }),
            ...errors(400, 401, 403, 410),
          },
        },
      },
      async (req, reply) => {
        requirePersonSession(req);
        return consent.describeInteraction(deps, req.params.uid, await deps.server.browserInteraction(req.raw, reply.raw));
      },
    );

    app.post(
      "/api/v1/oauth/interactions/:uid",
      {
        schema: {
          tags: ["software"],
          summary: "Allow (for all my companies or chosen ones) or refuse a software",
          security: [{ session: [], csrf: [] }],
          params: uidParams,
          body: z.discriminatedUnion("decision", [
            z.object({ decision: z.literal("allow"), companies: z.union([z.literal("all"), z.array(sirenField).min(1).max(10_000)]) }),
            z.object({ decision: z.literal("deny") }),
          ]),
          response: { 200: z.object({ redirectTo: z.string() }), ...errors(400, 401, 403, 410, 422) },
        },
      },
      async (req, reply) =>
        consent.answerInteraction(
          deps,
          requirePersonSession(req).subjectId,
          req.params.uid,
          await deps.server.browserInteraction(req.raw, reply.raw),
          req.body,
        ),
    );

    app.get(
      "/api/v1/authorized-software",
      {
        schema: {
          tags: ["software"],
          summary: "« Logiciels autorisés »: the software I allowed to act for me",
          security: [{ session: [] }],
          querystring: z.object(page),
          response: { 200: z.object({ items: z.array(authorizedSchema), nextCursor: z.string().nullable() }), ...errors(400, 401) },
        },
      },
      async (req) => grants.listAuthorizedSoftware(deps, requirePersonSession(req).subjectId, req.query.limit, req.query.cursor),
    );

    app.delete(
      "/api/v1/authorized-software/:grantId",
      {
        schema: {
          tags: ["software"],
          summary: "Revoke a software I allowed: its tokens stop at once",
          security: [{ session: [], csrf: [] }],
          params: z.object({ grantId: z.uuid({ error: "identifiant invalide" }) }),
          response: { 204: z.null(), ...errors(400, 401, 404) },
        },
      },
      async (req, reply) => {
        await grants.revokeAuthorizedSoftware(deps, requirePersonSession(req).subjectId, req.params.grantId);
        return reply.status(204).send(null);
      },
    );

    app.get(
      "/api/v1/companies/:siren/software",
      {
        schema: {
          tags: ["software"],
          summary: "The software acting for my company, and through whom (administrators and deputies only)",
          security: [{ session: [] }],
          params: z.object({ siren: sirenField }),
          querystring: z.object(page),
          response: { 200: z.object({ items: z.array(companySoftwareSchema), nextCursor: z.string().nullable() }), ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => grants.listCompanySoftware(deps, requirePersonSession(req).subjectId, req.params.siren, req.query.limit, req.query.cursor),
    );

    app.post(
      "/api/v1/companies/:siren/software/:id/cut-off",
      {
        schema: {
          tags: ["software"],
          summary: "Cut a software acting through a person off for my company",
          security: [{ session: [], csrf: [] }],
          params: z.object({ siren: sirenField, id: z.uuid({ error: "identifiant invalide" }) }),
          response: { 204: z.null(), ...errors(400, 401, 403, 404) },
        },
      },
      async (req, reply) => {
        await grants.cutOffForCompany(deps, requirePersonSession(req).subjectId, req.params.siren, req.params.id);
        return reply.status(204).send(null);
      },
    );
  });
}
