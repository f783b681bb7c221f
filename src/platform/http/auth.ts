import type { FastifyReply, FastifyRequest } from "fastify";
import { DomainError } from "../errors.js";
import type { Executor } from "../db/database.js";
import type { Clock } from "../clock.js";
import { resolveSession, type Session, type SessionKind } from "../sessions.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The company-side session, when the person cookie holds a live one. */
    personSession: Session | null;
    /** The back-office session, when the agent cookie holds a live one. */
    agentSession: Session | null;
  }
  interface FastifyContextConfig {
    /** false on routes that open a session (sign-in): they carry no session authority to protect. */
    csrf?: boolean;
  }
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
export function sessionHook(deps: { db: Executor; clock: Clock; cookies: CookieNames }) {
  return async (request: FastifyRequest) => {
    request.personSession = null;
    request.agentSession = null;
    const now = deps.clock.now();
    const personToken = request.cookies[deps.cookies.person];
    const agentToken = request.cookies[deps.cookies.agent];
    if (personToken) request.personSession = await resolveSession(deps.db, "person", personToken, now);
    if (agentToken) request.agentSession = await resolveSession(deps.db, "agent", agentToken, now);

    if (!STATE_CHANGING.has(request.method) || request.routeOptions.config?.csrf === false) return;
    const session = request.url.startsWith("/api/v1/backoffice") ? request.agentSession : request.personSession;
    if (!session) return;
    const header = request.headers["x-csrf-token"];
    if (typeof header !== "string" || header !== session.csrfToken) {
      throw new DomainError("forbidden", "csrf_token_invalid", "En-tête X-CSRF-Token absent ou invalide.");
    }
  };
}

/** The signed-in person's id, or 401. */
export function requirePerson(request: FastifyRequest): Session {
  if (!request.personSession) throw new DomainError("unauthenticated", "unauthenticated", "Connectez-vous pour continuer.");
  return request.personSession;
}

/** The signed-in agent's id, or 401. */
export function requireAgent(request: FastifyRequest): Session {
  if (!request.agentSession) throw new DomainError("unauthenticated", "unauthenticated", "Connectez-vous à l'espace agent pour continuer.");
  return request.agentSession;
}

/** What each security scheme of the OpenAPI document requires of a request (csrf is checked by `sessionHook`). */
const SCHEMES: Record<string, ((request: FastifyRequest) => boolean) | undefined> = {
  session: (request) => request.personSession !== null,
  agentSession: (request) => request.agentSession !== null,
  csrf: () => true,
};

/**
 * Authentication from the declared `security` of a route, so that the OpenAPI document is the rule: a route that
 * declares schemes refuses (401) a call that satisfies none of its alternatives, before validation and before its
 * handler. A route without `security: []` declared public is refused at start-up.
 */
export function enforceDeclaredSecurity(route: { url: string; method: string | string[]; schema?: { security?: Record<string, string[]>[]; hide?: boolean }; preValidation?: unknown }) {
  const security = route.schema?.security;
  if (!route.url.startsWith("/api/") || route.schema?.hide) return;
  if (!security) throw new Error(`${String(route.method)} ${route.url}: declare its security (security: [] when public)`);
  if (security.length === 0) return;
  for (const alternative of security) {
    for (const scheme of Object.keys(alternative)) if (!SCHEMES[scheme]) throw new Error(`${route.url}: unknown security scheme ${scheme}`);
  }
  const agentSide = security.every((alternative) => "agentSession" in alternative);
  const check = async (request: FastifyRequest) => {
    const ok = security.some((alternative) => Object.keys(alternative).every((scheme) => SCHEMES[scheme]!(request)));
    if (!ok) {
      throw agentSide
        ? new DomainError("unauthenticated", "unauthenticated", "Connectez-vous à l'espace agent pour continuer.")
        : new DomainError("unauthenticated", "unauthenticated", "Connectez-vous pour continuer.");
    }
  };
  const existing = route.preValidation;
  route.preValidation = existing ? [check, ...(Array.isArray(existing) ? existing : [existing])] : check;
}

export function setSessionCookie(reply: FastifyReply, cookies: CookieNames, kind: SessionKind, token: string, secure: boolean) {
  reply.setCookie(kind === "person" ? cookies.person : cookies.agent, token, cookieOptions(secure));
}

export function clearSessionCookie(reply: FastifyReply, cookies: CookieNames, kind: SessionKind, secure: boolean) {
  reply.clearCookie(kind === "person" ? cookies.person : cookies.agent, cookieOptions(secure));
}
