import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { routesPlugin } from "../../platform/http/routes.js";
import { z } from "zod";
import { requirePersonSession } from "../../platform/http/auth.js";
import { errorReply } from "../spaces/index.js";
import { assignFollower, possibleFollowers } from "./requests.follow.js";
import { personRefSchema } from "./requests.schema.js";
import type { RequestsDeps } from "./requests.service.js";

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, errorReply]));
const idParams = z.object({ id: z.uuid({ error: "identifiant de demande invalide" }) });

/**
 * Inside a firm (product §19): who follows a request, and the colleagues who may. A person's own browser session
 * only: giving a colleague work is not a software's business.
 */
export function followRoutes(deps: RequestsDeps): FastifyPluginAsyncZod {
  return routesPlugin((app) => {
    app.post(
      "/api/v1/requests/:id/follower",
      {
        schema: {
          tags: ["requests"],
          summary: "Set who follows a request inside the firm (« Suivie par »), or nobody (null)",
          description:
            "The follower is a colleague of the caller's entity (422 `follower_not_colleague`) holding a live `messagerie` right on the " +
            "request's company that covers its tax (422 `follower_without_right`). She is told by e-mail unless she took it herself.",
          security: [{ session: [], csrf: [] }],
          params: idParams,
          body: z.object({
            /** The colleague who follows the request; null: nobody. */
            personId: z.uuid({ error: "identifiant de personne attendu, ou null" }).nullable(),
          }),
          response: { 200: z.object({ followedBy: personRefSchema.nullable() }), ...errors(400, 401, 403, 404, 422) },
        },
      },
      async (req) => assignFollower(deps, requirePersonSession(req).subjectId, req.params.id, req.body.personId),
    );

    app.get(
      "/api/v1/requests/:id/possible-followers",
      {
        schema: {
          tags: ["requests"],
          summary: "The colleagues who may follow a request: same entity, a live messagerie right covering it (by name, keyset)",
          security: [{ session: [] }],
          params: idParams,
          querystring: z.object({
            /** Words of the name (accents and case folded). */
            q: z.string().trim().max(100, "100 caractères au plus").optional(),
            limit: z.coerce.number().int().min(1).max(100).default(20),
            cursor: z.string().max(200).optional(),
          }),
          response: { 200: z.object({ items: z.array(personRefSchema), nextCursor: z.string().nullable() }), ...errors(400, 401, 404) },
        },
      },
      async (req) => possibleFollowers(deps, requirePersonSession(req).subjectId, req.params.id, req.query),
    );
  });
}
