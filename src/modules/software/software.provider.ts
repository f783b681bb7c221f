import { createHmac, createPrivateKey } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import Provider, { interactionPolicy, type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import type { Executor } from "../../platform/db/database.js";
import type { Logger } from "../../platform/logger.js";
import { DAY } from "../../platform/clock.js";
import { SqlAdapter } from "./software.adapter.js";
import { SCOPES } from "./software.repository.js";

/** Where the consent API lives: the browser that started an authorization sends its interaction cookie there. */
export const INTERACTION_API_PATH = "/api/v1/oauth/interactions";

/** Lifetimes of product §15. */
export const LIFETIMES = {
  accessTokenSeconds: 3600,
  refreshIdleSeconds: (90 * DAY) / 1000,
  /** 18 months: the person consents again after it. */
  grantSeconds: (548 * DAY) / 1000,
  authorizationCodeSeconds: 60,
  interactionSeconds: 30 * 60,
};

/** A refresh token lives 90 days from its last use, and never past 18 months from the first one. */
export function refreshTokenTtl(initialIssuedAt: number, now: number): number {
  const absoluteLeft = initialIssuedAt + LIFETIMES.grantSeconds - now;
  return Math.max(1, Math.min(LIFETIMES.refreshIdleSeconds, absoluteLeft));
}

export type AuthorizationServerEvents = {
  /** A token was issued from a code or a refresh token. */
  tokenIssued(grantType: string, grantId: string, clientId: string, accountId: string): Promise<void>;
  /** The server revoked a grant: its software revoked its token, or a refresh token was used twice. */
  grantRevoked(grantId: string, why: "software" | "refresh_reuse"): Promise<void>;
};

export type AuthorizationServer = {
  provider: Provider;
  /** The resource indicator of the API: every access token is issued for it. */
  apiResource: string;
  /** The path of the consent page of an interaction (the web UI). */
  consentPath(uid: string): string;
  /**
   * The authorization this browser started (its signed interaction cookie, read by the provider), or undefined:
   * a consent is answered only from the browser that started the request, never by its uid alone.
   */
  browserInteraction(req: IncomingMessage, res: ServerResponse): Promise<string | undefined>;
};

/** The public JWK of a PEM private key, for the server's key set. */
function signingJwk(pem: string) {
  const jwk = createPrivateKey(pem).export({ format: "jwk" });
  const kid = createHmac("sha256", "kid")
    .update(JSON.stringify({ x: jwk.x, y: jwk.y }))
    .digest("base64url")
    .slice(0, 16);
  return { ...jwk, kid, use: "sig", alg: "ES256" };
}

/**
 * The OAuth 2.0 authorization server (oidc-provider, certified): authorization code with PKCE S256 only, exact
 * redirect URIs, rotating refresh tokens, revocation (RFC 7009), metadata (RFC 8414). Its storage is PostgreSQL;
 * its keys come from the configuration.
 */
export function createAuthorizationServer(deps: {
  db: Executor;
  logger: Logger;
  issuer: string;
  oauthKey: string;
  signingKeyPem: string;
  secureCookies: boolean;
  events: AuthorizationServerEvents;
}): AuthorizationServer {
  const apiResource = `${deps.issuer}/api/v1`;
  const cookieKey = createHmac("sha256", deps.oauthKey).update("oauth-cookies").digest("base64url");
  const { Prompt, Check } = interactionPolicy;
  const cookie = { httpOnly: true, sameSite: "lax" as const, signed: true, secure: deps.secureCookies };
  // The interaction cookie (set by the provider in the browser that starts an authorization) is sent to the consent
  // API: only that browser can answer the consent (the provider's resume cookie keeps its own path).
  const interactionCookie = { ...cookie, path: INTERACTION_API_PATH };

  const configuration: Configuration = {
    adapter: (name: string) => new SqlAdapter(deps.db, name, deps.oauthKey),
    clients: [],
    jwks: { keys: [signingJwk(deps.signingKeyPem)] },
    cookies: {
      keys: [cookieKey],
      names: { session: "mp_oauth_session", interaction: "mp_oauth_interaction", resume: "mp_oauth_resume" },
      long: cookie,
      short: interactionCookie,
    },
    routes: {
      authorization: "/oauth/authorize",
      token: "/oauth/token",
      revocation: "/oauth/revoke",
      jwks: "/oauth/jwks",
      end_session: "/oauth/session/end",
      userinfo: "/oauth/me",
      introspection: "/oauth/introspect",
      pushed_authorization_request: "/oauth/par",
      code_verification: "/oauth/device",
      device_authorization: "/oauth/device/auth",
      challenge: "/oauth/challenge",
      backchannel_authentication: "/oauth/backchannel",
      registration: "/oauth/register",
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: false },
      userinfo: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => apiResource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== apiResource) throw new Error("unknown resource");
          return { scope: SCOPES.join(" "), audience: apiResource, accessTokenFormat: "opaque", accessTokenTTL: LIFETIMES.accessTokenSeconds };
        },
      },
    },
    scopes: [],
    responseTypes: ["code"],
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    clientBasedCORS: () => false,
    rotateRefreshToken: true,
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    expiresWithSession: () => false,
    // Every authorization is consented on its own page: the person chooses the companies each time.
    loadExistingGrant: async (ctx) => {
      const grantId = ctx.oidc.result?.consent?.grantId;
      return grantId ? ctx.oidc.provider.Grant.find(grantId) : undefined;
    },
    interactions: {
      url: (_ctx, interaction) => `/autorisation/${interaction.uid}`,
      policy: [
        new Prompt(
          { name: "consent", requestable: true },
          new Check("consent_each_time", "chaque autorisation est consentie par la personne", (ctx) =>
            ctx.oidc.result?.consent?.grantId ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT,
          ),
        ),
      ],
    },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    ttl: {
      AccessToken: LIFETIMES.accessTokenSeconds,
      AuthorizationCode: LIFETIMES.authorizationCodeSeconds,
      Grant: LIFETIMES.grantSeconds,
      Interaction: LIFETIMES.interactionSeconds,
      Session: LIFETIMES.interactionSeconds,
      RefreshToken: (_ctx, token) => refreshTokenTtl((token as unknown as { iiat: number }).iiat, Math.floor(Date.now() / 1000)),
    },
    renderError: (ctx, out) => {
      ctx.type = "html";
      ctx.body = errorPage(out.error ?? "server_error", out.error_description);
    },
    discovery: { service_documentation: `${deps.issuer}/api/docs` },
  };

  const provider = new Provider(deps.issuer, configuration);
  provider.proxy = true;
  // What the server did during a call is recorded before its answer leaves (Koa sends once the chain resolves).
  type Pending = {
    issued?: { grantType: string; grantId: string; clientId: string; accountId: string };
    revoked: { grantId: string; why: "software" | "refresh_reuse" }[];
  };
  const pending = (ctx: KoaContextWithOIDC): Pending => ((ctx.state as { oauth?: Pending }).oauth ??= { revoked: [] });
  provider.on("grant.success", (ctx: KoaContextWithOIDC) => {
    const token = ctx.oidc.entities.AccessToken;
    if (token?.grantId && token.accountId)
      pending(ctx).issued = {
        grantType: textOf(ctx.oidc.params?.grant_type),
        grantId: token.grantId,
        clientId: token.clientId ?? "",
        accountId: token.accountId,
      };
  });
  provider.on("grant.revoked", (ctx: KoaContextWithOIDC, grantId: string) => {
    pending(ctx).revoked.push({ grantId, why: ctx.oidc.route === "token" ? "refresh_reuse" : "software" });
  });
  // A code or refresh token used by two calls at once: the loser's adapter revoked the family (software.adapter.ts).
  provider.on("grant.error", (ctx: KoaContextWithOIDC, error: Error) => {
    const grantId = (error as Error & { replayedGrantId?: string }).replayedGrantId;
    if (grantId) pending(ctx).revoked.push({ grantId, why: "refresh_reuse" });
  });
  provider.use(async (ctx, next) => {
    await next();
    const done = (ctx.state as { oauth?: Pending }).oauth;
    if (!done) return;
    for (const r of done.revoked) await deps.events.grantRevoked(r.grantId, r.why);
    if (done.issued) await deps.events.tokenIssued(done.issued.grantType, done.issued.grantId, done.issued.clientId, done.issued.accountId);
  });
  // Refusals (4xx) are the client's business; anything else is ours to look at.
  const logFailure = (event: string) => (_ctx: unknown, error: Error & { status?: number }) => {
    if ((error.status ?? 500) >= 500) deps.logger.error({ err: error }, `oauth ${event}`);
  };
  provider.on("server_error", logFailure("server_error"));
  provider.on("authorization.error", logFailure("authorization.error"));
  provider.on("grant.error", logFailure("grant.error"));
  provider.on("revocation.error", logFailure("revocation.error"));
  const browserInteraction = async (req: IncomingMessage, res: ServerResponse) => {
    try {
      return (await provider.interactionDetails(req, res)).uid;
    } catch {
      // No interaction cookie, a forged one, or an interaction gone: this browser started nothing that lives.
      return undefined;
    }
  };
  return { provider, apiResource, consentPath: (uid) => `/autorisation/${uid}`, browserInteraction };
}

/**
 * A parameter of an OAuth call, "" when absent. The provider types the parameters it parsed `unknown`, but they
 * are single strings (it refuses a repeated parameter).
 */
export function textOf(param: unknown): string {
  return typeof param === "string" ? param : "";
}

const ERROR_SENTENCES: Record<string, string> = {
  invalid_request: "La demande d'autorisation du logiciel est incomplète ou mal formée.",
  invalid_client: "Ce logiciel n'est pas (ou plus) autorisé à se connecter à la messagerie.",
  invalid_redirect_uri: "L'adresse de retour demandée par le logiciel n'est pas celle qui a été enregistrée.",
  unauthorized_client: "Ce logiciel ne peut pas utiliser ce mode d'autorisation.",
  invalid_scope: "Le logiciel demande une permission inconnue.",
  access_denied: "L'autorisation a été refusée.",
  session_not_found: "Cette demande d'autorisation a expiré : recommencez depuis le logiciel.",
  authorization_other_person:
    "Cette autorisation a été donnée par une autre personne que celle qui est connectée dans ce navigateur : elle est annulée. Recommencez depuis le logiciel.",
};

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** The page shown when the software cannot be sent back an error (unknown software, wrong redirect URI…). */
export function errorPage(code: string, description?: string): string {
  const sentence = ERROR_SENTENCES[code] ?? "La demande d'autorisation n'a pas pu aboutir.";
  return `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Autorisation impossible — Messagerie Pro</title></head>
<body><main role="main" id="contenu"><h1>Autorisation impossible</h1>
<p>${escapeHtml(sentence)}</p>
<p>Code de l'erreur : <code>${escapeHtml(code)}</code>${description ? ` (${escapeHtml(description)})` : ""}</p>
<p><a href="/">Retour à la messagerie</a></p></main></body></html>`;
}
