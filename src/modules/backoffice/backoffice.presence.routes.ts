import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { requireAgent } from "../../platform/http/auth.js";
import { routesPlugin } from "../../platform/http/routes.js";
import { instant } from "../../platform/http/codecs.js";
import { beat, leave, presenceOf } from "../requests/index.js";
import * as bo from "./backoffice.service.js";
import { errors, idParams } from "./backoffice.schemas.js";

const presence = z.object({
  items: z.array(z.object({ agent: z.object({ id: z.uuid(), displayName: z.string() }), typing: z.boolean(), since: instant })),
});

/**
 * Who else has a request open and who is typing (helpdesk presence): the page beats every 10 s, a presence lapses
 * after 30 s without a beat; changes reach the colleagues' pages as `presence.updated` on the back office's events.
 */
export function presenceRoutes(deps: bo.BackofficeDeps): FastifyPluginAsyncZod {
  return routesPlugin((app) => {
    const scope = (req: Parameters<typeof requireAgent>[0]) => bo.scopeOf(deps, requireAgent(req));

    app.get(
      "/api/v1/backoffice/requests/:id/presence",
      {
        schema: {
          tags: ["backoffice"],
          summary: "The other agents who have this request open, and whether they are typing",
          security: [{ agentSession: [] }],
          params: idParams,
          response: { 200: presence, ...errors(400, 401, 404) },
        },
      },
      async (req) => ({ items: await presenceOf(deps.requests, await scope(req), req.params.id) }),
    );

    app.post(
      "/api/v1/backoffice/requests/:id/presence",
      {
        schema: {
          tags: ["backoffice"],
          summary: "Heartbeat of the request's page (every 10 s, and when typing starts or stops); answers the others present",
          security: [{ agentSession: [], csrf: [] }],
          params: idParams,
          body: z.object({ typing: z.boolean({ error: "« en train d'écrire » : vrai ou faux" }) }),
          response: { 200: presence, ...errors(400, 401, 403, 404) },
        },
      },
      async (req) => ({ items: await beat(deps.requests, await scope(req), req.params.id, req.body.typing) }),
    );

    app.delete(
      "/api/v1/backoffice/requests/:id/presence",
      {
        schema: {
          tags: ["backoffice"],
          summary: "The agent left the request's page",
          security: [{ agentSession: [], csrf: [] }],
          params: idParams,
          response: { 204: z.null(), ...errors(400, 401, 403, 404) },
        },
      },
      async (req, reply) => {
        await leave(deps.requests, await scope(req), req.params.id);
        return reply.status(204).send(null);
      },
    );
  });
}
