import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { sql } from "kysely";
import { createHttpServer } from "../platform/http/server.js";
import { cookieNames } from "../platform/http/auth.js";
import { recoveryRoutes, spacesRoutes } from "../modules/spaces/index.js";
import { backofficeRoutes } from "../modules/backoffice/index.js";
import { correspondenceRoutes } from "../modules/correspondence/index.js";
import { devMailRoutes } from "../modules/mail/index.js";
import { devLetterRoutes } from "../modules/letters/index.js";
import { adhesionBatchRoutes, adhesionsRoutes, createSimplifiedSpace, type AdhesionsDeps } from "../modules/adhesions/index.js";
import { adhesionRightsPort, rightsBatchRoutes, rightsRoutes } from "../modules/rights/index.js";
import { createEventHub, exportRoutes, requestsRoutes, type RequestsDeps } from "../modules/requests/index.js";
import { authorizationServerRoutes, bearerResolver, createAuthorizationServer, journalTokenIssued, revokeGrant, SCOPES, softwareRoutes, type SoftwareDeps } from "../modules/software/index.js";
import { SOFTWARE_SCOPE_LABELS } from "../shared/labels.js";
import { exportsDirOf, loadOauthSigningKey, type AppContext } from "./context.js";

export const WEB_DIST = fileURLToPath(new URL("../../dist/web", import.meta.url));

/** The web server: API routes of every module, the development catchers outside production, the web UI. */
export async function buildHttpApp(ctx: AppContext, options: { webDir?: string } = {}): Promise<FastifyInstance> {
  const secureCookies = ctx.config.isProduction;
  const oauthServer = createAuthorizationServer({
    db: ctx.db,
    logger: ctx.logger,
    issuer: ctx.config.publicUrl,
    oauthKey: ctx.config.oauthKey,
    signingKeyPem: loadOauthSigningKey(ctx.config),
    secureCookies,
    events: {
      tokenIssued: (grantType, grantId, clientId, accountId) => journalTokenIssued(ctx, grantType, grantId, clientId, accountId),
      grantRevoked: (grantId, why) => revokeGrant(ctx, grantId, why, { kind: "system" }),
    },
  });
  const softwareDeps: SoftwareDeps = { db: ctx.db, clock: ctx.clock, server: oauthServer, oauthKey: ctx.config.oauthKey };
  const app = await createHttpServer({
    logger: ctx.logger,
    db: ctx.db,
    clock: ctx.clock,
    secureCookies,
    apiRatePerMinute: ctx.config.apiRatePerMinute,
    softwareRatePerMinute: ctx.config.softwareRatePerMinute,
    bearer: bearerResolver(softwareDeps),
    securitySchemes: {
      oauth2: {
        type: "oauth2",
        description: "Logiciels (product §15) : code d'autorisation avec PKCE S256 ; jeton d'accès d'une heure, jeton de rafraîchissement tournant.",
        flows: {
          authorizationCode: {
            authorizationUrl: "/oauth/authorize",
            tokenUrl: "/oauth/token",
            refreshUrl: "/oauth/token",
            scopes: Object.fromEntries(SCOPES.map((s) => [s, SOFTWARE_SCOPE_LABELS[s]])),
          },
        },
      },
    },
    webDir: options.webDir ?? WEB_DIST,
  });
  const cookies = cookieNames(secureCookies);
  const common = { db: ctx.db, clock: ctx.clock, hasher: ctx.hasher, cookies, secureCookies, signInRatePerMinute: ctx.config.signInRatePerMinute };

  app.get(
    "/api/v1/health",
    { schema: { security: [], tags: ["platform"], summary: "Liveness and database reachability", response: { 200: z.object({ status: z.literal("ok"), database: z.string(), devTools: z.boolean() }) } } },
    async () => {
      await sql`SELECT 1`.execute(ctx.db);
      // devTools: whether the test mail and letter pages exist (never in production).
      return { status: "ok" as const, database: ctx.database.kind, devTools: !ctx.config.isProduction };
    },
  );
  const adhesionsDeps: AdhesionsDeps = { db: ctx.db, clock: ctx.clock, hasher: ctx.hasher, sealer: ctx.sealer, publicUrl: ctx.config.publicUrl, rights: adhesionRightsPort };
  await app.register(spacesRoutes({ ...common, createSimplifiedSpace: (input) => createSimplifiedSpace(adhesionsDeps, input) }));
  await app.register(recoveryRoutes({ ...common, publicUrl: ctx.config.publicUrl }));
  await app.register(adhesionsRoutes({ ...adhesionsDeps, oppositionRatePerMinute: ctx.config.signInRatePerMinute }));
  await app.register(adhesionBatchRoutes(adhesionsDeps));
  await app.register(rightsRoutes({ db: ctx.db, clock: ctx.clock }));
  await app.register(rightsBatchRoutes({ db: ctx.db, clock: ctx.clock }));
  const requestsDeps: RequestsDeps = { db: ctx.db, clock: ctx.clock, receiptKeys: ctx.receiptKeys };
  const events = createEventHub({ db: ctx.db, clock: ctx.clock, logger: ctx.logger, listen: ctx.database.listen });
  await events.start();
  app.addHook("onClose", async () => events.stop());
  const uploadsDeps = { ...requestsDeps, files: ctx.files, antivirus: ctx.antivirus };
  await app.register(requestsRoutes({ ...uploadsDeps, events }));
  await app.register(exportRoutes({ db: ctx.db, clock: ctx.clock, files: ctx.files, receiptKeys: ctx.receiptKeys, exportsDir: exportsDirOf(ctx.config) }));
  await app.register(authorizationServerRoutes(softwareDeps));
  await app.register(softwareRoutes(softwareDeps));
  await app.register(backofficeRoutes({ ...common, sealer: ctx.sealer, requests: requestsDeps, adhesions: adhesionsDeps, events, uploads: uploadsDeps }));
  await app.register(correspondenceRoutes({ db: ctx.db, clock: ctx.clock, sealer: ctx.sealer, requests: requestsDeps }));
  if (!ctx.config.isProduction) {
    await app.register(devMailRoutes({ db: ctx.db }));
    await app.register(devLetterRoutes({ db: ctx.db, sealer: ctx.sealer }));
  }
  return app;
}
