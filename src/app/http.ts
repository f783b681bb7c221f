import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { sql } from "kysely";
import { createHttpServer } from "../platform/http/server.js";
import { createMetrics, presentsToken } from "../platform/http/metrics.js";
import { pendingMigrations } from "../platform/db/migrate.js";
import { DomainError } from "../platform/errors.js";
import { cookieNames } from "../platform/http/auth.js";
import { errorReply, recoveryRoutes, spacesRoutes } from "../modules/spaces/index.js";
import { backofficeRoutes } from "../modules/backoffice/index.js";
import { correspondenceRoutes } from "../modules/correspondence/index.js";
import { devMailRoutes } from "../modules/mail/index.js";
import { devLetterRoutes } from "../modules/letters/index.js";
import { adhesionBatchRoutes, adhesionsRoutes, createSimplifiedSpace, type AdhesionsDeps } from "../modules/adhesions/index.js";
import { adhesionRightsPort, rightsBatchRoutes, rightsRoutes } from "../modules/rights/index.js";
import { teamNames, teamsRoutes } from "../modules/teams/index.js";
import { createEventHub, exportRoutes, requestsRoutes, type RequestsDeps } from "../modules/requests/index.js";
import {
  authorizationServerRoutes,
  bearerResolver,
  createAuthorizationServer,
  journalTokenIssued,
  revokeGrant,
  SCOPES,
  softwareRoutes,
  type SoftwareDeps,
} from "../modules/software/index.js";
import { SOFTWARE_SCOPE_LABELS } from "../shared/labels.js";
import { loadOauthSigningKey, type AppContext } from "./context.js";

export const WEB_DIST = process.env.WEB_DIST_DIR ?? fileURLToPath(new URL("../../dist/web", import.meta.url));

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
    trustProxy: ctx.config.trustProxy,
    timeouts: ctx.config.httpTimeouts,
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
    // The embedded database runs its queries on the event loop itself: its delay says nothing of overload there.
    overload: {
      maxEventLoopDelayMs: ctx.database.kind === "pglite" ? 0 : ctx.config.overloadEventLoopDelayMs,
      healthy: () => ctx.database.poolStats().waiting <= ctx.config.overloadPoolWaiting,
    },
  });
  const cookies = cookieNames(secureCookies);
  const common = { db: ctx.db, clock: ctx.clock, hasher: ctx.hasher, cookies, secureCookies, signInRatePerMinute: ctx.config.signInRatePerMinute };

  // Operations (product §17): liveness, readiness, metrics.
  const metrics = createMetrics();
  metrics.observe(app);
  app.get(
    "/api/v1/health/live",
    // Alive even when overloaded: a liveness probe must not restart a process that is only busy.
    {
      config: { rateLimit: false, pressureHandler: () => undefined },
      schema: {
        security: [],
        tags: ["platform"],
        summary: "Liveness: the process answers (no dependency is asked)",
        response: { 200: z.object({ status: z.literal("live") }) },
      },
    },
    () => ({ status: "live" as const }),
  );
  app.get(
    "/api/v1/health/ready",
    {
      config: { rateLimit: false },
      schema: {
        security: [],
        tags: ["platform"],
        summary: "Readiness: the database is reachable and writable (a primary), and its migrations are current; else 503 with Retry-After",
        response: {
          200: z.object({
            status: z.literal("ready"),
            database: z.object({ kind: z.string(), writable: z.literal(true) }),
            migrations: z.object({ pending: z.literal(0) }),
          }),
          503: errorReply,
        },
      },
    },
    async () => {
      const recovery = await sql<{ standby: boolean }>`SELECT pg_is_in_recovery() AS standby`.execute(ctx.db);
      if (recovery.rows[0]?.standby)
        throw new DomainError(
          "unavailable",
          "database_read_only",
          "La base de données est en lecture seule (serveur de secours) : service pas encore prêt.",
          undefined,
          5,
        );
      const pending = await pendingMigrations(ctx.db);
      if (pending.length > 0) throw new DomainError("unavailable", "migrations_pending", `Migrations non appliquées : ${pending.join(", ")}.`, { pending }, 5);
      return { status: "ready" as const, database: { kind: ctx.database.kind, writable: true as const }, migrations: { pending: 0 as const } };
    },
  );
  metrics.gauge(
    "mp_db_pool_connections",
    "Database pool connections by state",
    () => {
      const p = ctx.database.poolStats();
      return { total: p.total, idle: p.idle, in_use: p.total - p.idle, waiting: p.waiting, max: p.max };
    },
    "state",
  );
  metrics.gauge("mp_outbox_depth", "Outbox rows waiting for delivery", async () =>
    Number(
      (
        await ctx.db
          .selectFrom("outbox")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .where("status", "=", "pending")
          .executeTakeFirstOrThrow()
      ).n,
    ),
  );
  metrics.gauge("mp_outbox_oldest_age_seconds", "Age of the oldest outbox row waiting for delivery", async () => {
    const oldest = (
      await ctx.db
        .selectFrom("outbox")
        .select((eb) => eb.fn.min("created_at").as("at"))
        .where("status", "=", "pending")
        .executeTakeFirstOrThrow()
    ).at;
    return oldest ? Math.max(0, (ctx.clock.now().getTime() - new Date(oldest).getTime()) / 1000) : 0;
  });
  metrics.gauge("mp_letters_pending", "Letters edited, not yet printed", async () =>
    Number(
      (
        await ctx.db
          .selectFrom("letters")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .where("status", "=", "edited")
          .executeTakeFirstOrThrow()
      ).n,
    ),
  );
  // /metrics: open outside production; in production only with METRICS_TOKEN, and to its bearer only (404 to others).
  if (!ctx.config.isProduction || ctx.config.metricsToken) {
    const token = ctx.config.metricsToken;
    app.get("/metrics", { config: { rateLimit: false, pressureHandler: () => undefined }, schema: { hide: true } }, async (req, reply) => {
      if (token && !presentsToken(req.headers.authorization, token)) return reply.status(404).type("text/plain").send("Not Found");
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  }

  app.get(
    "/api/v1/health",
    {
      schema: {
        security: [],
        tags: ["platform"],
        summary: "Liveness and database reachability",
        response: { 200: z.object({ status: z.literal("ok"), database: z.string(), devTools: z.boolean() }) },
      },
    },
    async () => {
      await sql`SELECT 1`.execute(ctx.db);
      // devTools: whether the test mail and letter pages exist (never in production).
      return { status: "ok" as const, database: ctx.database.kind, devTools: !ctx.config.isProduction };
    },
  );
  const adhesionsDeps: AdhesionsDeps = {
    db: ctx.db,
    clock: ctx.clock,
    hasher: ctx.hasher,
    sealer: ctx.sealer,
    publicUrl: ctx.config.publicUrl,
    rights: adhesionRightsPort,
  };
  await app.register(
    spacesRoutes({ ...common, publicUrl: ctx.config.publicUrl, createSimplifiedSpace: (input) => createSimplifiedSpace(adhesionsDeps, input) }),
  );
  await app.register(recoveryRoutes({ ...common, publicUrl: ctx.config.publicUrl }));
  await app.register(adhesionsRoutes({ ...adhesionsDeps, oppositionRatePerMinute: ctx.config.signInRatePerMinute }));
  await app.register(adhesionBatchRoutes(adhesionsDeps));
  await app.register(rightsRoutes({ db: ctx.db, clock: ctx.clock, teamNames }));
  await app.register(rightsBatchRoutes({ db: ctx.db, clock: ctx.clock }));
  await app.register(teamsRoutes({ db: ctx.db, clock: ctx.clock }));
  const requestsDeps: RequestsDeps = { db: ctx.db, clock: ctx.clock, receiptKeys: ctx.receiptKeys };
  const events = createEventHub({ db: ctx.db, clock: ctx.clock, logger: ctx.logger, listen: ctx.database.listen });
  await events.start();
  metrics.gauge("mp_sse_connections", "Server-sent event streams open", () => events.size);
  // On shutdown, before the server waits for its connections: event streams end with a retry hint.
  app.addHook("preClose", () => events.releaseAll());
  app.addHook("onClose", async () => events.stop());
  const uploadsDeps = { ...requestsDeps, files: ctx.files, antivirus: ctx.antivirus };
  await app.register(requestsRoutes({ ...uploadsDeps, events }));
  await app.register(exportRoutes({ db: ctx.db, clock: ctx.clock, files: ctx.files, receiptKeys: ctx.receiptKeys }));
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
