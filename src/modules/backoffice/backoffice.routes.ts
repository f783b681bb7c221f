import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { clearSessionCookie, requireAgent, setSessionCookie, type CookieNames } from "../../platform/http/auth.js";
import { closeSession } from "../../platform/sessions.js";
import { emailField, errorReply } from "../spaces/index.js";
import * as service from "./agents.service.js";
import type { BackofficeDeps } from "./backoffice.service.js";
import type { EventHub, UploadsDeps } from "../requests/index.js";
import { workRoutes } from "./backoffice.work.routes.js";
import { deskRoutes } from "./backoffice.desk.routes.js";
import { presenceRoutes } from "./backoffice.presence.routes.js";
import { requestPageRoutes } from "./backoffice.request.routes.js";
import { viewsRoutes } from "./backoffice.views.js";
import { bulkRoutes } from "./backoffice.bulk.js";

export type BackofficeRoutesDeps = service.AgentsDeps &
  BackofficeDeps & { cookies: CookieNames; secureCookies: boolean; signInRatePerMinute: number; events: EventHub; uploads: UploadsDeps };

const agentSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  isSupervisor: z.boolean(),
  services: z.array(z.object({ code: z.string(), name: z.string(), type: z.string() })),
});
const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorReply]));

/** Back-office sessions (api.md, prefix /api/v1/backoffice). */
export function backofficeRoutes(deps: BackofficeRoutesDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      "/api/v1/backoffice/session",
      {
        config: { csrf: false, rateLimit: { max: deps.signInRatePerMinute, timeWindow: 60_000 } },
        schema: {
          security: [],
          tags: ["backoffice"],
          summary: "Agent sign-in: password and TOTP",
          body: z.object({
            email: emailField,
            password: z.string().min(1).max(1024),
            /** The 6-digit code of the agent's authenticator application. */
            totp: z.string().min(1).max(16),
          }),
          response: {
            200: z.object({ status: z.literal("authenticated"), csrfToken: z.string(), agent: agentSchema }),
            ...errors(400, 401, 429),
          },
        },
      },
      async (req, reply) => {
        const result = await service.signInAgent(deps, { ...req.body, ip: req.ip });
        const previous = req.cookies[deps.cookies.agent];
        if (previous) await closeSession(deps.db, previous);
        setSessionCookie(reply, deps.cookies, "agent", result.token, deps.secureCookies);
        return { status: "authenticated" as const, csrfToken: result.csrfToken, agent: result.agent };
      },
    );

    app.get(
      "/api/v1/backoffice/session",
      {
        schema: {
          tags: ["backoffice"],
          summary: "The signed-in agent and the CSRF token",
          security: [{ agentSession: [] }],
          response: { 200: z.object({ agent: agentSchema, csrfToken: z.string() }), ...errors(401) },
        },
      },
      async (req) => {
        const session = requireAgent(req);
        return { agent: await service.getAgent(deps, session), csrfToken: session.csrfToken };
      },
    );

    await app.register(workRoutes(deps));
    await app.register(deskRoutes(deps));
    await app.register(presenceRoutes(deps));
    await app.register(requestPageRoutes(deps));
    await app.register(viewsRoutes(deps));
    await app.register(bulkRoutes(deps));

    app.delete(
      "/api/v1/backoffice/session",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Agent sign-out",
          security: [{ agentSession: [], csrf: [] }],
          response: { 204: z.null(), ...errors(401, 403) },
        },
      },
      async (req, reply) => {
        const session = requireAgent(req);
        await closeSession(deps.db, req.cookies[deps.cookies.agent]!);
        await service.journalAgentSignOut(deps, session);
        clearSessionCookie(reply, deps.cookies, "agent", deps.secureCookies);
        return reply.status(204).send(null);
      },
    );
  };
}
