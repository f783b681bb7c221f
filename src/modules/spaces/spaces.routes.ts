import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { routesPlugin } from "../../platform/http/routes.js";
import { DAY } from "../../platform/clock.js";
import { clearSessionCookie, cookieOptions, requirePersonSession, setSessionCookie, type CookieNames } from "../../platform/http/auth.js";
import { closeSession } from "../../platform/sessions.js";
import * as schema from "./spaces.schema.js";
import * as service from "./spaces.service.js";

export type SpacesRoutesDeps = service.SpacesDeps & {
  cookies: CookieNames;
  secureCookies: boolean;
  signInRatePerMinute: number;
  /** Simplified mode needs the adhesion of the company: provided by the adhesions module (which comes later). */
  createSimplifiedSpace?: (input: service.CreateSpaceInput) => Promise<service.PendingSpace>;
  publicUrl: string;
};

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, schema.errorReply]));

/** Company-side spaces and sessions (api.md). */
export function spacesRoutes(deps: SpacesRoutesDeps): FastifyPluginAsyncZod {
  const signInLimit = { rateLimit: { max: deps.signInRatePerMinute, timeWindow: 60_000 } };
  return routesPlugin((app) => {
    app.post(
      "/api/v1/spaces",
      {
        config: { csrf: false, ...signInLimit },
        schema: {
          security: [],
          tags: ["spaces"],
          summary: "Create a professional space",
          body: schema.createSpaceBody,
          response: { 201: schema.createSpaceReply, ...errors(400, 422, 429) },
        },
      },
      async (req, reply) => {
        const created =
          req.body.mode === "simplified" && deps.createSimplifiedSpace ? await deps.createSimplifiedSpace(req.body) : await service.createSpace(deps, req.body);
        // Whether a space was created or the address already had one, the answer is the same (its schema keeps
        // the status alone): the owner of a taken address was told by mail.
        return reply.status(201).send({ status: created.status });
      },
    );

    app.post(
      "/api/v1/spaces/verify",
      {
        config: { csrf: false, ...signInLimit },
        schema: {
          security: [],
          tags: ["spaces"],
          summary: "Verify the connection address with the e-mailed code",
          body: schema.verifySpaceBody,
          response: { 200: z.object({ status: z.literal("active") }), ...errors(400, 404, 409, 410, 422, 429) },
        },
      },
      async (req) => service.verifySpaceEmail(deps, req.body),
    );

    app.post(
      "/api/v1/session",
      {
        config: { csrf: false, ...signInLimit },
        schema: {
          security: [],
          tags: ["session"],
          summary: "Sign in",
          body: schema.signInBody,
          response: { 200: schema.signInReply, ...errors(400, 401, 403, 429) },
        },
      },
      async (req, reply) => {
        const result = await service.signIn(deps, {
          email: req.body.email,
          password: req.body.password,
          deviceToken: req.cookies[deps.cookies.device],
          ip: req.ip,
        });
        if (result.status === "device_verification_required") return result;
        await rotate(req.cookies[deps.cookies.person]);
        setSessionCookie(reply, deps.cookies, "person", result.token, deps.secureCookies);
        return { status: result.status, csrfToken: result.csrfToken, person: result.person };
      },
    );

    app.post(
      "/api/v1/session/device",
      {
        config: { csrf: false, ...signInLimit },
        schema: {
          security: [],
          tags: ["session"],
          summary: "Complete a sign-in from a new device with the e-mailed 6-digit code",
          body: schema.deviceBody,
          response: { 200: schema.authenticatedReply, ...errors(400, 410, 422, 429) },
        },
      },
      async (req, reply) => {
        const result = await service.verifyDevice(deps, { email: req.body.email, code: req.body.code, ip: req.ip });
        await rotate(req.cookies[deps.cookies.person]);
        setSessionCookie(reply, deps.cookies, "person", result.token, deps.secureCookies);
        reply.setCookie(deps.cookies.device, result.deviceToken, cookieOptions(deps.secureCookies, (service.SPACE_RULES.deviceRememberedMs / DAY) * 86_400));
        return { status: result.status, csrfToken: result.csrfToken, person: result.person };
      },
    );

    app.get(
      "/api/v1/session",
      {
        schema: {
          tags: ["session"],
          summary: "The signed-in person and the CSRF token to send with state-changing calls",
          security: [{ session: [] }],
          response: { 200: schema.sessionReply, ...errors(401) },
        },
      },
      async (req) => {
        const session = requirePersonSession(req);
        return { person: await service.getPerson(deps, session), csrfToken: session.csrfToken };
      },
    );

    app.delete(
      "/api/v1/session",
      {
        schema: {
          tags: ["session"],
          summary: "Sign out",
          security: [{ session: [], csrf: [] }],
          response: { 204: z.null(), ...errors(401, 403) },
        },
      },
      async (req, reply) => {
        const session = requirePersonSession(req);
        await closeSession(deps.db, req.cookies[deps.cookies.person]!);
        await service.journalSignOut(deps, session);
        clearSessionCookie(reply, deps.cookies, "person", deps.secureCookies);
        return reply.status(204).send(null);
      },
    );

    /** Session rotation: the token a browser held before signing in never stays valid after. */
    async function rotate(previousToken: string | undefined) {
      if (previousToken) await closeSession(deps.db, previousToken);
    }
  });
}
