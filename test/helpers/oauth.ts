import * as client from "openid-client";
import { strict as assert } from "node:assert";
import { registerSoftware } from "../../src/modules/software/index.js";
import { call, type CookieJar, type TestApp } from "./app.js";

/** The issuer the test server is configured with; the software's requests are sent to the listening port. */
export const ISSUER = "http://messagerie.test";
export const REDIRECT_URI = "https://logiciel-compta.example/oauth/retour";

/** Starts the test app's HTTP listener and answers a fetch that sends the issuer's URLs to it. */
export async function listen(t: TestApp): Promise<typeof fetch> {
  const address = await t.app.listen({ port: 0, host: "127.0.0.1" });
  return (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    return fetch(url.replace(ISSUER, address), init);
  };
}

export async function newSoftware(t: Pick<TestApp, "ctx" | "clock">, options: { public?: boolean; name?: string; redirectUris?: string[] } = {}) {
  return registerSoftware(
    { db: t.ctx.db, clock: t.clock, oauthKey: t.ctx.config.oauthKey },
    { name: options.name ?? "Logiciel Compta Plus", redirectUris: options.redirectUris ?? [REDIRECT_URI], public: options.public ?? false },
  );
}

/** The software's side, with openid-client: discovery of the RFC 8414 metadata and the client's configuration. */
export async function softwareClient(send: typeof fetch, software: { clientId: string; clientSecret: string | null }) {
  const config = await client.discovery(
    new URL(ISSUER),
    software.clientId,
    undefined,
    software.clientSecret ? client.ClientSecretBasic(software.clientSecret) : client.None(),
    { algorithm: "oauth2", execute: [client.allowInsecureRequests], [client.customFetch]: send as client.CustomFetch },
  );
  return config;
}

/** Cookies kept by the "browser" between the authorization endpoint and its resumption. */
export function cookiesOf(res: Response, jar: Map<string, string>) {
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const at = pair!.indexOf("=");
    jar.set(pair!.slice(0, at), pair!.slice(at + 1));
  }
}
export const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");

/**
 * The browser's part of an authorization: the person, signed in (`person`), opens the authorization URL, answers
 * the consent page through the API, and is sent back to the software's redirect URI. Returns that final URL.
 */
export async function authorize(
  t: TestApp,
  send: typeof fetch,
  authorizationUrl: URL,
  person: { jar: CookieJar },
  answer: { decision: "allow"; companies: "all" | string[] } | { decision: "deny" },
): Promise<URL> {
  const browser = new Map<string, string>();
  const first = await send(authorizationUrl.href, { redirect: "manual" });
  assert.equal(first.status, 303, await first.clone().text());
  cookiesOf(first, browser);
  const consentPath = new URL(first.headers.get("location")!, ISSUER).pathname;
  const uid = consentPath.split("/").pop()!;
  assert.equal(consentPath, `/autorisation/${uid}`);
  // One browser: the person's session and the provider's cookies of the authorization it started.
  for (const [name, value] of browser) person.jar.set(name, value);
  const described = await call(t.app, "GET", `/api/v1/oauth/interactions/${uid}`, { jar: person.jar });
  assert.equal(described.status, 200, JSON.stringify(described.body));
  const answered = await call(t.app, "POST", `/api/v1/oauth/interactions/${uid}`, { jar: person.jar, body: answer });
  assert.equal(answered.status, 200, JSON.stringify(answered.body));
  const resumed = await send(answered.body.redirectTo, { redirect: "manual", headers: { cookie: person.jar.header() } });
  assert.equal(resumed.status, 303, await resumed.clone().text());
  return new URL(resumed.headers.get("location")!);
}

/** A complete authorization with PKCE and state; answers the tokens. */
export async function obtainTokens(
  t: TestApp,
  send: typeof fetch,
  config: client.Configuration,
  person: { jar: CookieJar },
  companies: "all" | string[],
  scope = "companies.read messagerie.read messagerie.write",
) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state,
  });
  const back = await authorize(t, send, url, person, { decision: "allow", companies });
  return client.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedState: state });
}
