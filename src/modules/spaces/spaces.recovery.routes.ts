import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { routesPlugin } from "../../platform/http/routes.js";
import * as schema from "./spaces.schema.js";
import type { SpacesDeps } from "./spaces.service.js";
import { confirmPasswordReset, requestPasswordReset, resendDeviceCode, resendSpaceCode } from "./spaces.recovery.js";
import { PASSWORD_MAX_LENGTH } from "./spaces.passwords.js";

const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [c, schema.errorReply]));
const accepted = z.object({ status: z.literal("accepted") });

/** The recovery paths of api.md: a forgotten password, a device code or a space code sent again. */
export function recoveryRoutes(deps: SpacesDeps & { publicUrl: string; signInRatePerMinute: number }): FastifyPluginAsyncZod {
  const limit = { csrf: false, rateLimit: { max: deps.signInRatePerMinute, timeWindow: 60_000 } };
  return routesPlugin((app) => {
    app.post(
      "/api/v1/password-reset",
      {
        config: limit,
        schema: {
          security: [],
          tags: ["recovery"],
          summary: "Forgotten password: e-mails a single-use link (30 min) to the connection address; 202 whether it exists or not",
          body: z.object({ email: schema.emailField }),
          response: { 202: accepted, ...errors(400, 429) },
        },
      },
      async (req, reply) => {
        await requestPasswordReset(deps, { email: req.body.email, ip: req.ip });
        return reply.status(202).send({ status: "accepted" as const });
      },
    );

    app.post(
      "/api/v1/password-reset/confirm",
      {
        config: limit,
        schema: {
          security: [],
          tags: ["recovery"],
          summary: "Sets a new password with the link's token; every session of the space is closed",
          body: z.object({
            token: z.string().min(20, "le lien est incomplet : copiez-le en entier").max(100, "le lien est trop long : copiez-le tel quel"),
            password: z.string().max(PASSWORD_MAX_LENGTH, `${PASSWORD_MAX_LENGTH} caractères au plus`),
          }),
          response: { 200: z.object({ status: z.literal("password_changed") }), ...errors(400, 410, 422, 429) },
        },
      },
      async (req) => confirmPasswordReset(deps, { token: req.body.token, password: req.body.password, ip: req.ip }),
    );

    app.post(
      "/api/v1/session/device/resend",
      {
        config: limit,
        schema: {
          security: [],
          tags: ["recovery"],
          summary: "A new 6-digit device code (the previous one void), while a sign-in awaits it; 202 whatever the address",
          body: z.object({ email: schema.emailField }),
          response: { 202: accepted, ...errors(400, 429) },
        },
      },
      async (req, reply) => {
        await resendDeviceCode(deps, { email: req.body.email, ip: req.ip });
        return reply.status(202).send({ status: "accepted" as const });
      },
    );

    app.post(
      "/api/v1/spaces/verify/resend",
      {
        config: limit,
        schema: {
          security: [],
          tags: ["recovery"],
          summary: "A new code for a space being created (the previous one void); 202 whatever the address",
          body: z.object({ connectionEmail: schema.emailField }),
          response: { 202: accepted, ...errors(400, 429) },
        },
      },
      async (req, reply) => {
        await resendSpaceCode(deps, { connectionEmail: req.body.connectionEmail });
        return reply.status(202).send({ status: "accepted" as const });
      },
    );
  });
}
