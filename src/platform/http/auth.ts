import type { FastifyReply, FastifyRequest } from "fastify";
import { DomainError } from "../errors.js";
import type { Executor } from "../db/database.js";
import type { Clock } from "../clock.js";
import { resolveCallSessions, type Session, type SessionKind } from "../sessions.js";
import { hitStatement } from "../limits.js";
import { setActingSoftware, setCountedHit, type SoftwareActing } from "../acting.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The company-side session, when the person cookie holds a live one. */
    personSession: Session | null;
    /** The back-office session, when the agent cookie holds a live one. */
    agentSession: Session | null;
    /** The software acting through a person, when the call carries a valid Bearer token (product §15). */
    software: SoftwareActing | null;
  }
  interface FastifyContextConfig {
    /** false on routes that open a session (sign-in): they carry no session authority to protect. */
    csrf?: boolean;
  }
}

/** Finds the software and person behind an access token, reading the person's grant fresh; null when not valid. */
export type BearerResolver = (token: string, request: FastifyRequest) => Promise<SoftwareActing | null>;

/** The realm named in `WWW-Authenticate` challenges (RFC 6750). */
const REALM = "messagerie-pro";

/**
 * RFC 6750 §3: the challenge's values are printable ASCII without a double quote or a backslash (a header is not the place for French:
 * the person-readable sentence travels in the JSON body). Anything else is dropped, so no caller can break it.
 */
const challengeValue = (value: string) => value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, "");

function bearerChallenge(error?: string, description?: string, scope?: string): string {
  const params = [`realm="${REALM}"`];
  if (error) params.push(`error="${challengeValue(error)}"`);
  if (description) params.push(`error_description="${challengeValue(description)}"`);
  if (scope) params.push(`scope="${challengeValue(scope)}"`);
  return `Bearer ${params.join(", ")}`;
}

export type CookieNames = { person: string; agent: string; device: string };

/** `__Host-` cookies (Secure, no Domain, Path=/) in production; plain names over http in development. */
export function cookieNames(secure: boolean): CookieNames {
  const prefix = secure ? "__Host-" : "";
  return { person: `${prefix}mp_session`, agent: `${prefix}mp_bo_session`, device: `${prefix}mp_device` };
}

export function cookieOptions(secure: boolean, maxAgeSeconds?: number) {
  return { path: "/", httpOnly: true, sameSite: "lax" as const, secure, ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}) };
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Resolves the session cookies of every request and enforces the CSRF header on state-changing calls made with
 * a session (api.md: `X-CSRF-Token`).
 */
export function sessionHook(deps: {
  db: Executor;
  clock: Clock;
  cookies: CookieNames;
  bearer?: BearerResolver | undefined;
  /**
   * The key and window under which the global rate limit counts this call (null: not counted by it): counted in the
   * statement that reads the sessions, and handed to the limit's store (`takeCountedHit`), which then does not count
   * it again.
   */
  rateLimit?: { keyOf: (request: FastifyRequest) => string | null; windowMs: number } | undefined;
}) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    request.personSession = null;
    request.agentSession = null;
    request.software = null;
    const now = deps.clock.now();
    const personToken = request.cookies[deps.cookies.person];
    const agentToken = request.cookies[deps.cookies.agent];
    const authorization = request.headers.authorization;
    if (authorization !== undefined && request.url.startsWith("/api/")) {
      const [scheme, token, ...rest] = authorization.trim().split(/\s+/);
      if (scheme?.toLowerCase() !== "bearer" || !token || rest.length > 0) {
        reply.header("WWW-Authenticate", bearerChallenge("invalid_request", "Authorization: Bearer <token> expected"));
        throw new DomainError("invalid", "invalid_request", "L'en-tête Authorization doit être de la forme « Bearer <jeton d'accès> ».");
      }
      // A software's call never rides on a browser session as well: which authority acts would be ambiguous.
      if (personToken !== undefined || agentToken !== undefined) {
        reply.header("WWW-Authenticate", bearerChallenge("invalid_request", "a session cookie and a token together"));
        throw new DomainError("invalid", "invalid_request", "Un appel porte soit un cookie de session, soit un jeton d'accès, jamais les deux.");
      }
      const software = deps.bearer ? await deps.bearer(token, request) : null;
      if (!software) {
        reply.header("WWW-Authenticate", bearerChallenge("invalid_token", "unknown, expired or revoked token"));
        throw new DomainError("unauthenticated", "invalid_token", "Jeton d'accès inconnu, expiré ou révoqué : le logiciel doit en obtenir un nouveau.");
      }
      request.software = software;
      setActingSoftware(software);
      // No CSRF with a Bearer token: no browser sends it by itself.
      return;
    }
    const rateKey = deps.rateLimit?.keyOf(request) ?? null;
    const found = await resolveCallSessions(
      deps.db,
      { person: personToken, agent: agentToken },
      rateKey && deps.rateLimit ? hitStatement(rateKey, deps.rateLimit.windowMs, now) : undefined,
      now,
    );
    request.personSession = found.person;
    request.agentSession = found.agent;
    if (rateKey && found.hits !== undefined && found.windowEndsAt) setCountedHit({ key: rateKey, hits: found.hits, windowEndsAt: found.windowEndsAt });

    if (!STATE_CHANGING.has(request.method) || request.routeOptions.config?.csrf === false) return;
    const session = request.url.startsWith("/api/v1/backoffice") ? request.agentSession : request.personSession;
    if (!session) return;
    const header = request.headers["x-csrf-token"];
    if (typeof header !== "string" || header !== session.csrfToken) {
      throw new DomainError("forbidden", "csrf_token_invalid", "En-tête X-CSRF-Token absent ou invalide.");
    }
  };
}

/** The person a call acts for: the signed-in person, or the one a software acts through; or 401. */
export function requirePerson(request: FastifyRequest): { subjectId: string } {
  if (request.personSession) return request.personSession;
  if (request.software) return { subjectId: request.software.spaceId };
  throw new DomainError("unauthenticated", "unauthenticated", "Connectez-vous pour continuer.");
}

/** The signed-in person's browser session (routes that no software may use), or 401. */
export function requirePersonSession(request: FastifyRequest): Session {
  if (!request.personSession) throw new DomainError("unauthenticated", "unauthenticated", "Connectez-vous pour continuer.");
  return request.personSession;
}

/** The signed-in agent's id, or 401. */
export function requireAgent(request: FastifyRequest): Session {
  if (!request.agentSession) throw new DomainError("unauthenticated", "unauthenticated", "Connectez-vous à l'espace agent pour continuer.");
  return request.agentSession;
}

/** What each security scheme of the OpenAPI document requires of a request (csrf is checked by `sessionHook`). */
const SCHEMES: Record<string, ((request: FastifyRequest, scopes: string[]) => boolean) | undefined> = {
  session: (request) => request.personSession !== null,
  agentSession: (request) => request.agentSession !== null,
  csrf: () => true,
  oauth2: (request, scopes) => request.software !== null && scopes.every((s) => request.software!.scopes.includes(s)),
};

/**
 * Authentication from the declared `security` of a route, so that the OpenAPI document is the rule: a route that
 * declares schemes refuses (401) a call that satisfies none of its alternatives, before validation and before its
 * handler. A route without `security: []` declared public is refused at start-up.
 */
export function enforceDeclaredSecurity(route: {
  url: string;
  method: string | string[];
  schema?: { security?: Record<string, string[]>[]; hide?: boolean };
  preValidation?: unknown;
}) {
  const security = route.schema?.security;
  if (!route.url.startsWith("/api/") || route.schema?.hide) return;
  if (!security) throw new Error(`${String(route.method)} ${route.url}: declare its security (security: [] when public)`);
  if (security.length === 0) return;
  for (const alternative of security) {
    for (const scheme of Object.keys(alternative)) if (!SCHEMES[scheme]) throw new Error(`${route.url}: unknown security scheme ${scheme}`);
  }
  const agentSide = security.every((alternative) => "agentSession" in alternative);
  const accepted = security.flatMap((alternative) => alternative.oauth2 ?? []);
  const acceptsTokens = security.some((alternative) => "oauth2" in alternative);
  const check = async (request: FastifyRequest, reply: FastifyReply) => {
    const ok = security.some((alternative) => Object.entries(alternative).every(([scheme, scopes]) => SCHEMES[scheme]!(request, scopes)));
    if (!ok && request.software) {
      // A valid token, but not for this route or without the scope it needs (RFC 6750 §3.1).
      const scope = acceptsTokens ? accepted.join(" ") : undefined;
      reply.header("WWW-Authenticate", bearerChallenge("insufficient_scope", scope ? `scope required: ${scope}` : "route reserved to browser sessions", scope));
      throw new DomainError(
        "forbidden",
        "insufficient_scope",
        scope
          ? `Ce jeton n'a pas la portée « ${scope} » que demande cette route.`
          : "Cette route n'est pas ouverte aux logiciels : elle demande une session de la personne.",
      );
    }
    if (!ok) {
      throw agentSide
        ? new DomainError("unauthenticated", "unauthenticated", "Connectez-vous à l'espace agent pour continuer.")
        : new DomainError("unauthenticated", "unauthenticated", "Connectez-vous pour continuer.");
    }
  };
  const existing = route.preValidation;
  const earlier: unknown[] = Array.isArray(existing) ? existing : [existing];
  route.preValidation = existing ? [check, ...earlier] : check;
}

export function setSessionCookie(reply: FastifyReply, cookies: CookieNames, kind: SessionKind, token: string, secure: boolean) {
  reply.setCookie(kind === "person" ? cookies.person : cookies.agent, token, cookieOptions(secure));
}

export function clearSessionCookie(reply: FastifyReply, cookies: CookieNames, kind: SessionKind, secure: boolean) {
  reply.clearCookie(kind === "person" ? cookies.person : cookies.agent, cookieOptions(secure));
}
