import { randomUUID } from "node:crypto";
import { constants as zlibConstants } from "node:zlib";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import Fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import fastifyCompress from "@fastify/compress";
import fastifyCookie from "@fastify/cookie";
import helmet from "helmet";
import fastifyRateLimit, { normalizeIP } from "@fastify/rate-limit";
import fastifyUnderPressure from "@fastify/under-pressure";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from "fastify-type-provider-zod";
import type { Logger } from "../logger.js";
import type { Executor } from "../db/database.js";
import type { Clock } from "../clock.js";
import { errorHandler, type ErrorBody } from "./errors.js";
import { cookieNames, enforceDeclaredSecurity, sessionHook, type BearerResolver } from "./auth.js";
import { withCallContext } from "../acting.js";
import { refuseUnsafeText } from "./text.js";
import { installFrenchErrors } from "./zod-fr.js";
import { completeOpenApi } from "./openapi.js";
import { sharedRateLimitStore } from "../limits.js";

export type HttpOptions = {
  logger: Logger;
  db: Executor;
  clock: Clock;
  /** Secure cookies with the `__Host-` prefix (production, behind TLS). */
  secureCookies: boolean;
  apiRatePerMinute: number;
  /** Calls per minute of one software acting through one person (product §15). */
  softwareRatePerMinute?: number;
  /** Proxies whose X-Forwarded-For is believed (`request.ip` is then the client's address); none by default. */
  trustProxy?: string[];
  /** Verifies Bearer tokens; without it, every Bearer call is refused (401). */
  bearer?: BearerResolver;
  /** Extra OpenAPI security schemes (the OAuth 2.0 flows of the authorization server). */
  securitySchemes?: Record<string, unknown>;
  /** Folder of the built web UI (index.html and assets); the UI is not served when absent. */
  webDir?: string;
  /**
   * Overload (@fastify/under-pressure): past this event-loop delay, or while `healthy()` answers false (the database
   * pool's queue too long), requests are refused at once with 503 and Retry-After instead of queueing without bound.
   */
  overload?: { maxEventLoopDelayMs: number; healthy: () => boolean };
  /** Slow clients (docs/operations.md): headers and whole request answered 408 past these; idle keep-alive closed. */
  timeouts?: { headersMs: number; requestMs: number; keepAliveMs: number };
};

/** The defaults of the configuration (HTTP_*_TIMEOUT_MS). */
const DEFAULT_TIMEOUTS = { headersMs: 30_000, requestMs: 60_000, keepAliveMs: 70_000 };

/** Seconds an overloaded server asks clients to wait. */
export const OVERLOAD_RETRY_AFTER_S = 5;
/** The window of the global rate limit (its figure is per minute). */
const RATE_WINDOW_MS = 60_000;

/** JSON bodies larger than this are refused with 413 (uploads have their own limits). */
export const JSON_BODY_LIMIT = 64 * 1024;

/**
 * Builds the Fastify instance every route is registered on: zod validation and serialisation, request ids,
 * coded errors, security headers, rate limits, cookies and sessions, OpenAPI 3.1.
 */
export async function createHttpServer(options: HttpOptions): Promise<FastifyInstance> {
  installFrenchErrors();
  const timeouts = options.timeouts ?? DEFAULT_TIMEOUTS;
  const app = Fastify({
    loggerInstance: options.logger,
    genReqId: () => randomUUID(),
    // Behind a load balancer, the per-address limits count the client's address, not the balancer's.
    ...(options.trustProxy?.length ? { trustProxy: options.trustProxy } : {}),
    bodyLimit: JSON_BODY_LIMIT,
    // Registering the routes is not a race: on a busy machine (a first start whose worker catches up at once) a
    // plugin may take more than Fastify's 10 s by default, which stopped the start. A minute still catches a hang.
    pluginTimeout: 60_000,
    // A client that trickles its headers or its body holds a connection: Node answers 408 and closes it past these.
    // Node checks them on an interval (30 s by default): a tenth of the shortest keeps the figures true.
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    http: { headersTimeout: timeouts.headersMs, connectionsCheckingInterval: Math.max(100, Math.min(5_000, Math.floor(timeouts.headersMs / 10))) },
  }).withTypeProvider<ZodTypeProvider>();

  // One call context per request, before any other hook: what a software may do is read from it (platform/acting).
  app.addHook("onRequest", (_request, _reply, done) => withCallContext(done));
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(errorHandler);
  // The API speaks JSON (uploads will add multipart): a text/plain body is refused with 415, not parsed.
  app.removeContentTypeParser("text/plain");

  // The security headers are the same on every answer: helmet computes them once, here, and each request only sets
  // them (helmet's Fastify plugin built its middlewares and parsed the policy again on every request).
  const security = securityHeaders(options.secureCookies);
  app.addHook("onRequest", (_request, reply, done) => {
    for (const [name, value] of security) reply.raw.setHeader(name, value);
    done();
  });

  if (options.overload) {
    const overload = options.overload;
    await app.register(fastifyUnderPressure, {
      maxEventLoopDelay: overload.maxEventLoopDelayMs,
      healthCheck: () => Promise.resolve(overload.healthy()),
      healthCheckInterval: 500,
      pressureHandler: (request, reply, type) => {
        request.log.warn({ pressure: type }, "overloaded: request refused");
        const body: ErrorBody = {
          error: { code: "overloaded", message: "Le service est momentanément surchargé ; réessayez dans quelques secondes.", requestId: request.id },
        };
        void reply.code(503).header("Retry-After", String(OVERLOAD_RETRY_AFTER_S)).send(body);
      },
    });
  }

  const softwareRate = options.softwareRatePerMinute ?? 600;
  await app.register(fastifyRateLimit, {
    global: true,
    // Counted in the database, so that every process shares one count (docs/operations.md « Limits »); a database
    // out of reach fails the request with 503 and Retry-After, as the request itself would.
    store: sharedRateLimitStore(options.db, options.clock),
    // Counted once the caller is known: a software is limited per software and person, anyone else per address
    // (an IPv6 address by its /64, the block one subscriber holds).
    hook: "preHandler",
    keyGenerator: (request) => (request.software ? `software:${request.software.clientId}:${request.software.spaceId}` : normalizeIP(request.ip)),
    max: (request) => (request.software ? softwareRate : options.apiRatePerMinute),
    timeWindow: RATE_WINDOW_MS,
    errorResponseBuilder: (request, context) => {
      const body: ErrorBody & { statusCode: number } = {
        statusCode: 429,
        error: {
          code: "rate_limited",
          message: `Trop de requêtes ; réessayez dans ${Math.ceil(context.ttl / 1000)} s.`,
          requestId: request.id,
        },
      };
      return body;
    },
  });

  // API answers compressed on the fly (a fast brotli level); the UI's files are compressed once, at build time.
  await app.register(fastifyCompress, {
    global: true,
    encodings: ["br", "gzip"],
    threshold: 1024,
    brotliOptions: { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 4 } },
  });

  await app.register(fastifyCookie);
  const names = cookieNames(options.secureCookies);
  app.decorateRequest("personSession", null);
  app.decorateRequest("agentSession", null);
  app.decorateRequest("software", null);
  app.addHook("onRoute", enforceDeclaredSecurity);
  app.addHook("preValidation", refuseUnsafeText);
  app.addHook(
    "preValidation",
    sessionHook({
      db: options.db,
      clock: options.clock,
      cookies: names,
      bearer: options.bearer,
      // The global limit's count of a call by a person or an agent (a software's is counted by its own key), on a
      // route without a limit of its own: read with the sessions, in one statement.
      rateLimit: {
        windowMs: RATE_WINDOW_MS,
        keyOf: (request) =>
          request.routeOptions.url !== undefined && request.routeOptions.config.rateLimit === undefined ? `api:${normalizeIP(request.ip)}` : null,
      },
    }),
  );

  app.addHook("onSend", async (request, reply, payload) => {
    reply.header("X-Request-Id", request.id);
    if (request.url.startsWith("/api/")) reply.header("Cache-Control", "no-store");
    return payload;
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "Messagerie Pro API",
        description: "API de la messagerie sécurisée de l'espace professionnel.",
        version: "1.0.0",
        license: { name: "Licence Ouverte / Open Licence 2.0", identifier: "etalab-2.0" },
      },
      servers: [{ url: "/", description: "Ce serveur (les chemins commencent par /api/v1)" }],
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: names.person },
          agentSession: { type: "apiKey", in: "cookie", name: names.agent },
          csrf: { type: "apiKey", in: "header", name: "X-CSRF-Token" },
          ...(options.securitySchemes ?? {}),
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: (documentObject) => completeOpenApi("openapiObject" in documentObject ? documentObject.openapiObject : documentObject.swaggerObject),
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/api/docs", staticCSP: true });
  app.get("/api/v1/openapi.json", { schema: { hide: true } }, () => app.swagger());

  if (options.webDir && existsSync(join(options.webDir, "index.html"))) {
    const indexHtml = readFileSync(join(options.webDir, "index.html"), "utf8");
    await app.register(fastifyStatic, {
      root: options.webDir,
      prefix: "/",
      index: false,
      // One route for every file (rather than one per file: a route per DSFR icon cost a second at start); a file not
      // found falls through to the not-found handler below.
      wildcard: true,
      // The `.br` / `.gz` written at build time, by the browser's Accept-Encoding.
      preCompressed: true,
      // Hashed file names never change content: cached a year; anything else is revalidated.
      setHeaders: (res, path) => {
        res.header("Cache-Control", /[\\/]assets[\\/]/.test(path) ? "public, max-age=31536000, immutable" : "no-cache");
      },
    });
    // Client-side routes (/, /connexion, /dev/mail…) all answer the application shell.
    const shell = (reply: FastifyReply) => reply.type("text/html; charset=utf-8").header("Cache-Control", "no-cache").send(indexHtml);
    app.get("/", { schema: { hide: true } }, (_request, reply) => shell(reply));
    app.setNotFoundHandler((request, reply) => {
      if (request.method === "GET" && !request.url.startsWith("/api/")) return shell(reply);
      return notFoundRoute(request.id, reply);
    });
  } else {
    app.setNotFoundHandler((request, reply) => notFoundRoute(request.id, reply));
  }
  return app as unknown as FastifyInstance;
}

function notFoundRoute(requestId: string, reply: { status(n: number): { send(b: ErrorBody): unknown } }) {
  return reply.status(404).send({ error: { code: "route_not_found", message: "Cette adresse n'existe pas.", requestId } });
}

/** The headers helmet sets, computed once by running its middleware on a recorder (the policy is the same for every answer). */
function securityHeaders(hsts: boolean): [string, string][] {
  const headers = new Map<string, string>();
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => headers.set(name, String(value)),
    removeHeader: (name: string) => headers.delete(name),
  };
  helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // The DSFR sets inline style attributes; scripts stay strictly same-origin.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:"],
        fontSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
      },
    },
    referrerPolicy: { policy: "no-referrer" },
    crossOriginEmbedderPolicy: false,
    strictTransportSecurity: hsts,
  })({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error instanceof Error ? error : new Error("helmet refused its configuration");
  });
  return [...headers];
}
