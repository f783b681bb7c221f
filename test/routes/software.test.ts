import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as client from "openid-client";
import { sql } from "kysely";
import { call, startTestApp, type CookieJar, type TestApp, type WireJson } from "../helpers/app.js";
import { activeAdministrator, newCompany, robertOfMartin } from "../helpers/people.js";
import { authorize, cookieHeader, cookiesOf, ISSUER, listen, newSoftware, obtainTokens, REDIRECT_URI, softwareClient } from "../helpers/oauth.js";
import { seedReferenceData } from "../helpers/app.js";
import { SEED } from "../../src/app/demo.js";
import { disableSoftware } from "../../src/modules/software/index.js";

let t: TestApp;
let send: typeof fetch;
type Person = Awaited<ReturnType<typeof activeAdministrator>>;
let robert: Person;
let claire: Person;
let second: string;
let third: string;

const VAT = {
  tax: "TVA",
  nature: "remboursement_credit_tva",
  subject: "Remboursement du crédit de TVA",
  body: "Bonjour,\nNous demandons le remboursement.\nCordialement.",
};

beforeAll(async () => {
  t = await startTestApp({ PUBLIC_URL: ISSUER });
  await seedReferenceData(t.ctx);
  send = await listen(t);
  robert = await robertOfMartin(t);
  claire = await activeAdministrator(t, SEED.martin.siren, {
    entitySiren: SEED.gestion.siren,
    email: "cabinet.comptable@gestion.com",
    firstName: "Claire",
    lastName: "Vasseur",
  });
  second = await newCompany(t, "BOULANGERIE DU CANAL");
  third = await newCompany(t, "GARAGE DES LILAS");
  await activeAdministrator(t, second, { person: claire, companyEmail: "contact@boulangerie-canal.fr" });
  await activeAdministrator(t, third, { person: claire, companyEmail: "contact@garage-lilas.fr" });
}, 120_000);
afterAll(async () => t?.close());

/** A software call with openid-client's protected-resource fetch (JSON in, JSON out). */
async function api(config: client.Configuration, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const h = new Headers(headers);
  if (body !== undefined) h.set("content-type", "application/json");
  let res: Response;
  try {
    res = await client.fetchProtectedResource(config, token, new URL(path, ISSUER), method, body === undefined ? undefined : JSON.stringify(body), h);
  } catch (error) {
    // The library raises on a Bearer challenge (401/403 with WWW-Authenticate): the answer is what the test reads.
    if (!(error instanceof client.WWWAuthenticateChallengeError)) throw error;
    res = error.response;
  }
  const text = await res.text();
  let json: WireJson;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, body: json, headers: res.headers, text };
}

describe("software access through OAuth 2.0 (openid-client as the software)", () => {
  it("publishes RFC 8414 metadata: code flow, S256 only, revocation", async () => {
    const res = await send(`${ISSUER}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    const meta = (await res.json()) as Record<string, unknown>;
    expect(meta.issuer).toBe(ISSUER);
    expect(meta.authorization_endpoint).toBe(`${ISSUER}/oauth/authorize`);
    expect(meta.token_endpoint).toBe(`${ISSUER}/oauth/token`);
    expect(meta.revocation_endpoint).toBe(`${ISSUER}/oauth/revoke`);
    expect(meta.code_challenge_methods_supported).toEqual(["S256"]);
    expect(meta.response_types_supported).toEqual(["code"]);
    expect(meta.grant_types_supported).toEqual(expect.arrayContaining(["authorization_code", "refresh_token"]));
    expect(meta.grant_types_supported).not.toContain("implicit");
    expect(meta.grant_types_supported).not.toContain("password");
  });

  it("Claire consents for two companies; the software lists, files with an attachment and an Idempotency-Key, reads the receipt; a third company answers 404", async () => {
    const software = await newSoftware(t);
    const config = await softwareClient(send, software);
    const tokens = await obtainTokens(t, send, config, claire, [SEED.martin.siren, second]);
    expect(tokens.token_type.toLowerCase()).toBe("bearer");
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.refresh_token).toBeTruthy();
    const token = tokens.access_token;

    const companies = await api(config, token, "GET", "/api/v1/companies");
    expect(companies.status).toBe(200);
    expect(companies.body.items.map((c: { siren: string }) => c.siren).sort()).toEqual([SEED.martin.siren, second].sort());
    expect(companies.body.total).toBe(2);
    expect((await api(config, token, "GET", `/api/v1/companies/${third}`)).status).toBe(404);

    // An attachment, uploaded with the token (multipart through plain fetch, the Bearer header as the library sends it).
    const form = new FormData();
    form.append("file", new Blob(["mois;montant\njanvier;1200,50\n"], { type: "text/csv" }), "ventes.csv");
    const uploaded = await send(`${ISSUER}/api/v1/uploads`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
    expect(uploaded.status, await uploaded.clone().text()).toBe(201);
    const uploadId = ((await uploaded.json()) as { uploadId: string }).uploadId;

    const key = crypto.randomUUID();
    const filed = await api(config, token, "POST", "/api/v1/requests", { ...VAT, siren: SEED.martin.siren, uploadIds: [uploadId] }, { "idempotency-key": key });
    expect(filed.status, filed.text).toBe(201);
    const again = await api(config, token, "POST", "/api/v1/requests", { ...VAT, siren: SEED.martin.siren, uploadIds: [uploadId] }, { "idempotency-key": key });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(filed.body.id);

    const list = await api(config, token, "GET", "/api/v1/requests");
    expect(list.status).toBe(200);
    expect(list.body.items.map((r: { id: string }) => r.id)).toContain(filed.body.id);
    const receipt = await client.fetchProtectedResource(config, token, new URL(filed.body.receiptUrl, ISSUER), "GET");
    expect(receipt.status).toBe(200);
    expect(receipt.headers.get("content-type")).toContain("application/pdf");
    expect(
      Buffer.from(await receipt.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe("%PDF-");

    // The third company is not in the grant: filing for it is refused as if it did not exist.
    const elsewhere = await api(config, token, "POST", "/api/v1/requests", { ...VAT, siren: third, uploadIds: [] });
    expect(elsewhere.status).toBe(404);
    // Claire's own browser session still sees the third company.
    expect((await call(t.app, "GET", `/api/v1/companies/${third}`, { jar: claire.jar })).status).toBe(200);

    // The journal names the person and the software for the software's action.
    const entry = await t.ctx.db
      .selectFrom("journal")
      .select(["actor_kind", "actor_id", "data"])
      .where("action", "=", "request.filed")
      .where("subject_id", "=", filed.body.id)
      .executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(claire.spaceId);
    expect((entry.data as { software?: { clientId: string } }).software?.clientId).toBe(software.clientId);
  });
});

describe("the person's rights, read at each call", () => {
  it("Robert revokes Claire's right on Martin distribution → the software's next call on it answers 404", async () => {
    const lila = await activeAdministrator(t, SEED.martin.siren, { entitySiren: SEED.gestion.siren, firstName: "Lila", lastName: "Rosemonde" });
    const software = await newSoftware(t);
    const config = await softwareClient(send, software);
    const { access_token: token } = await obtainTokens(t, send, config, lila, "all");
    const filed = await api(config, token, "POST", "/api/v1/requests", { ...VAT, siren: SEED.martin.siren, uploadIds: [] });
    expect(filed.status).toBe(201);
    expect((await api(config, token, "GET", `/api/v1/requests/${filed.body.id}`)).status).toBe(200);

    const people = (await call(t.app, "GET", `/api/v1/companies/${SEED.martin.siren}/representatives`, { jar: robert.jar })).body.items as {
      person: { firstName: string };
      rights: { id: string; revocable: boolean }[];
    }[];
    const hers = people.find((p) => p.person.firstName === "Lila")!;
    for (const r of hers.rights)
      expect((await call(t.app, "DELETE", `/api/v1/companies/${SEED.martin.siren}/rights/${r.id}`, { jar: robert.jar })).status).toBe(204);

    expect((await api(config, token, "GET", `/api/v1/requests/${filed.body.id}`)).status).toBe(404);
    expect((await api(config, token, "GET", `/api/v1/companies/${SEED.martin.siren}`)).status).toBe(404);
    expect((await api(config, token, "POST", `/api/v1/requests/${filed.body.id}/messages`, { body: "Encore là ?", uploadIds: [] })).status).toBe(404);
  });

  it("Robert cuts the software off for his company → 404 for the software, while Claire's own browser session still works", async () => {
    const software = await newSoftware(t, { name: "Tenue Express" });
    const config = await softwareClient(send, software);
    const { access_token: token } = await obtainTokens(t, send, config, claire, [SEED.martin.siren, second]);
    expect((await api(config, token, "GET", `/api/v1/companies/${SEED.martin.siren}`)).status).toBe(200);

    // « Qui agit pour mon entreprise »: the software, through Claire.
    const listed = await call(t.app, "GET", `/api/v1/companies/${SEED.martin.siren}/software`, { jar: robert.jar });
    expect(listed.status).toBe(200);
    const row = listed.body.items.find((i: { software: { name: string } }) => i.software.name === "Tenue Express");
    expect(row.via.name).toBe("Claire Vasseur");
    expect(row.cutOff).toBeNull();
    // Another company's administrator does not see it (404), nor cut it off.
    const stranger = await activeAdministrator(t, await newCompany(t, "AUTRE SOCIETE"), { companyEmail: "contact@autre-societe.fr" });
    expect((await call(t.app, "GET", `/api/v1/companies/${SEED.martin.siren}/software`, { jar: stranger.jar })).status).toBe(404);
    expect((await call(t.app, "POST", `/api/v1/companies/${SEED.martin.siren}/software/${row.id}/cut-off`, { jar: stranger.jar })).status).toBe(404);

    expect((await call(t.app, "POST", `/api/v1/companies/${SEED.martin.siren}/software/${row.id}/cut-off`, { jar: robert.jar })).status).toBe(204);
    expect((await api(config, token, "GET", `/api/v1/companies/${SEED.martin.siren}`)).status).toBe(404);
    expect((await api(config, token, "POST", "/api/v1/requests", { ...VAT, siren: SEED.martin.siren, uploadIds: [] })).status).toBe(404);
    // The other company of the grant still works; Claire's own session still sees Martin distribution.
    expect((await api(config, token, "GET", `/api/v1/companies/${second}`)).status).toBe(200);
    expect((await call(t.app, "GET", `/api/v1/companies/${SEED.martin.siren}`, { jar: claire.jar })).status).toBe(200);
    const after = await call(t.app, "GET", `/api/v1/companies/${SEED.martin.siren}/software`, { jar: robert.jar });
    expect(after.body.items.find((i: { id: string }) => i.id === row.id).cutOff.by).toBe("Robert Lambda");
  });
});

describe("tokens: lifetimes, rotation, revocation", () => {
  it("rotates the refresh token; a refresh token used twice revokes the whole family", async () => {
    const software = await newSoftware(t);
    const config = await softwareClient(send, software);
    const first = await obtainTokens(t, send, config, claire, [second]);
    const rotated = await client.refreshTokenGrant(config, first.refresh_token!);
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(first.refresh_token);
    expect((await api(config, rotated.access_token, "GET", "/api/v1/companies")).status).toBe(200);

    // The first refresh token again: refused, and every token of the family stops.
    await expect(client.refreshTokenGrant(config, first.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    await expect(client.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });
    const dead = await api(config, rotated.access_token, "GET", "/api/v1/companies");
    expect(dead.status).toBe(401);
    expect(dead.headers.get("www-authenticate")).toContain('error="invalid_token"');
    const grant = await t.ctx.db.selectFrom("software_grants").select(["revoked_why"]).where("client_id", "=", software.clientId).executeTakeFirstOrThrow();
    expect(grant.revoked_why).toBe("refresh_reuse");
  });

  /** The software's raw call to the token endpoint (client_secret_basic), for calls sent all at once. */
  function tokenCall(software: { clientId: string; clientSecret: string | null }, form: Record<string, string>) {
    const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
    if (software.clientSecret)
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(software.clientId)}:${encodeURIComponent(software.clientSecret)}`).toString("base64")}`;
    else form = { ...form, client_id: software.clientId };
    return send(`${ISSUER}/oauth/token`, { method: "POST", headers, body: new URLSearchParams(form).toString() });
  }

  it("twenty parallel uses of one refresh token: exactly one succeeds, the others are a replay and the whole family falls", async () => {
    // A public software (a desktop application): no client secret to check, nothing to space the calls out.
    const software = await newSoftware(t, { name: "Refresh Parallèle", public: true });
    const config = await softwareClient(send, software);
    const first = await obtainTokens(t, send, config, claire, [second]);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => tokenCall(software, { grant_type: "refresh_token", refresh_token: first.refresh_token! })),
    );
    const bodies = await Promise.all(answers.map(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> })));
    const won = bodies.filter((b) => b.status === 200);
    expect(won).toHaveLength(1);
    expect(bodies.filter((b) => b.status === 400).every((b) => b.body.error === "invalid_grant")).toBe(true);
    expect(bodies.filter((b) => b.status !== 200 && b.status !== 400)).toEqual([]);
    // As for a sequential replay: the winner's new tokens stop too.
    const winner = won[0]!.body;
    expect((await tokenCall(software, { grant_type: "refresh_token", refresh_token: winner.refresh_token! })).status).toBe(400);
    expect((await api(config, winner.access_token!, "GET", "/api/v1/companies")).status).toBe(401);
    const grant = await t.ctx.db.selectFrom("software_grants").select(["revoked_why"]).where("client_id", "=", software.clientId).executeTakeFirstOrThrow();
    expect(grant.revoked_why).toBe("refresh_reuse");
  });

  it("fifteen parallel exchanges of one authorization code: exactly one succeeds, and its tokens are revoked", async () => {
    const software = await newSoftware(t, { name: "Code Parallèle" });
    const config = await softwareClient(send, software);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: "companies.read",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state: "etat-du-test",
    });
    const back = await authorize(t, send, url, claire, { decision: "allow", companies: [second] });
    const code = back.searchParams.get("code")!;
    expect(code).toBeTruthy();
    const answers = await Promise.all(
      Array.from({ length: 15 }, () => tokenCall(software, { grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI, code_verifier: verifier })),
    );
    const bodies = await Promise.all(answers.map(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> })));
    const won = bodies.filter((b) => b.status === 200);
    expect(won).toHaveLength(1);
    expect(bodies.filter((b) => b.status !== 200).every((b) => b.status === 400 && b.body.error === "invalid_grant")).toBe(true);
    expect((await api(config, won[0]!.body.access_token!, "GET", "/api/v1/companies")).status).toBe(401);
    expect((await tokenCall(software, { grant_type: "refresh_token", refresh_token: won[0]!.body.refresh_token! })).status).toBe(400);
  });

  it("« Logiciels autorisés »: Claire lists her grants and revokes one; its tokens stop at once (RFC 7009 revocation too)", async () => {
    const software = await newSoftware(t, { name: "Liasse Facile" });
    const config = await softwareClient(send, software);
    const tokens = await obtainTokens(t, send, config, claire, "all", "companies.read");
    const mine = await call(t.app, "GET", "/api/v1/authorized-software", { jar: claire.jar });
    expect(mine.status).toBe(200);
    const grant = mine.body.items.find((g: { software: { name: string } }) => g.software.name === "Liasse Facile");
    expect(grant.companies).toBe("all");
    expect(grant.scopes.map((s: { code: string }) => s.code)).toEqual(["companies.read"]);
    // Another person cannot revoke it (404).
    expect((await call(t.app, "DELETE", `/api/v1/authorized-software/${grant.grantId}`, { jar: robert.jar })).status).toBe(404);
    expect((await call(t.app, "DELETE", `/api/v1/authorized-software/${grant.grantId}`, { jar: claire.jar })).status).toBe(204);
    expect((await api(config, tokens.access_token, "GET", "/api/v1/companies")).status).toBe(401);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: "invalid_grant" });

    // The software revokes its own refresh token (RFC 7009): the grant ends.
    const other = await obtainTokens(t, send, config, claire, "all", "companies.read");
    await client.tokenRevocation(config, other.refresh_token!);
    expect((await api(config, other.access_token, "GET", "/api/v1/companies")).status).toBe(401);
  });

  it("a disabled software gets invalid_client and its tokens stop", async () => {
    const software = await newSoftware(t);
    const config = await softwareClient(send, software);
    const tokens = await obtainTokens(t, send, config, claire, "all");
    await disableSoftware({ db: t.ctx.db, clock: t.clock }, software.clientId);
    expect((await api(config, tokens.access_token, "GET", "/api/v1/companies")).status).toBe(401);
    await expect(client.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({
      status: 401,
      cause: [expect.objectContaining({ parameters: expect.objectContaining({ error: "invalid_client" }) })],
    });
  });
});

describe("bad input: the standard OAuth errors, nothing issued", () => {
  async function start(config: client.Configuration, over: Record<string, string> = {}) {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: "messagerie.read",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state,
      ...over,
    });
    return { verifier, state, url };
  }

  it("a wrong or missing PKCE verifier, a reused code, a state mismatch: invalid_grant / refused by the client", async () => {
    const software = await newSoftware(t);
    const config = await softwareClient(send, software);
    const a = await start(config);
    const back = await authorize(t, send, a.url, claire, { decision: "allow", companies: "all" });
    await expect(
      client.authorizationCodeGrant(config, back, { pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: a.state }),
    ).rejects.toMatchObject({ error: "invalid_grant" });
    // The right verifier works once; the code used again is refused and what it gave is revoked (RFC 6749 §4.1.2).
    const once = await client.authorizationCodeGrant(config, back, { pkceCodeVerifier: a.verifier, expectedState: a.state });
    expect((await api(config, once.access_token, "GET", "/api/v1/requests")).status).toBe(200);
    await expect(client.authorizationCodeGrant(config, back, { pkceCodeVerifier: a.verifier, expectedState: a.state })).rejects.toMatchObject({
      error: "invalid_grant",
    });
    expect((await api(config, once.access_token, "GET", "/api/v1/requests")).status).toBe(401);

    const b = await start(config);
    const backB = await authorize(t, send, b.url, claire, { decision: "allow", companies: "all" });
    await expect(client.authorizationCodeGrant(config, backB, { pkceCodeVerifier: b.verifier, expectedState: "un-autre-etat" })).rejects.toMatchObject({
      code: "OAUTH_INVALID_RESPONSE",
      message: "invalid response encountered",
    });
    const tokens = await client.authorizationCodeGrant(config, backB, { pkceCodeVerifier: b.verifier, expectedState: b.state });
    expect(tokens.access_token).toBeTruthy();
    await expect(client.authorizationCodeGrant(config, backB, { pkceCodeVerifier: b.verifier, expectedState: b.state })).rejects.toMatchObject({
      error: "invalid_grant",
    });

    // Without any verifier at the token endpoint.
    const c = await start(config);
    const backC = await authorize(t, send, c.url, claire, { decision: "allow", companies: "all" });
    const code = backC.searchParams.get("code")!;
    const raw = await send(`${ISSUER}/oauth/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${software.clientId}:${software.clientSecret}`).toString("base64")}`,
      },
      body: new URLSearchParams({ grant_type: "authorization_code", code, redirect_uri: REDIRECT_URI }).toString(),
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: string }).error).toMatch(/invalid_grant|invalid_request/);
  });

  it("no PKCE, plain PKCE, a redirect URI one character off, an unknown client: refused before any consent", async () => {
    const software = await newSoftware(t);
    const config = await softwareClient(send, software);
    const noPkce = new URL(
      `${ISSUER}/oauth/authorize?${new URLSearchParams({ client_id: software.clientId, response_type: "code", redirect_uri: REDIRECT_URI, scope: "messagerie.read", state: "x" })}`,
    );
    const refusedNoPkce = await send(noPkce.href, { redirect: "manual" });
    expect(refusedNoPkce.status).toBe(303);
    expect(new URL(refusedNoPkce.headers.get("location")!).searchParams.get("error")).toBe("invalid_request");

    const plain = await start(config, { code_challenge_method: "plain", code_challenge: "a".repeat(43) });
    const refusedPlain = await send(plain.url.href, { redirect: "manual" });
    expect(new URL(refusedPlain.headers.get("location")!).searchParams.get("error")).toBe("invalid_request");

    const offByOne = await start(config, { redirect_uri: `${REDIRECT_URI}x` });
    const refusedUri = await send(offByOne.url.href, { redirect: "manual" });
    // Never redirected to an unregistered address: an error page, in French.
    expect(refusedUri.status).toBe(400);
    expect(refusedUri.headers.get("location")).toBeNull();
    expect(await refusedUri.text()).toContain("Autorisation impossible");

    const unknown = await send(`${ISSUER}/oauth/authorize?client_id=inconnu&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`, {
      redirect: "manual",
    });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain("invalid_client");
  });

  it("a refused consent sends access_denied back to the software", async () => {
    const software = await newSoftware(t);
    const config = await softwareClient(send, software);
    const a = await start(config);
    const back = await authorize(t, send, a.url, claire, { decision: "deny" });
    expect(back.searchParams.get("error")).toBe("access_denied");
    expect(back.searchParams.get("state")).toBe(a.state);
  });

  it("a scope the route does not allow: 403 insufficient_scope with WWW-Authenticate; a cookie with the token: 400; a bad token: 401", async () => {
    const software = await newSoftware(t);
    const config = await softwareClient(send, software);
    const { access_token: token } = await obtainTokens(t, send, config, claire, "all", "companies.read");
    const refused = await api(config, token, "GET", "/api/v1/requests");
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("insufficient_scope");
    expect(refused.headers.get("www-authenticate")).toMatch(/error="insufficient_scope".*scope="messagerie.read"/);
    // A route no software may use (session only).
    const sessionOnly = await api(config, token, "GET", "/api/v1/delegations");
    expect(sessionOnly.status).toBe(403);
    expect(sessionOnly.body.error.code).toBe("insufficient_scope");

    const both = await t.app.inject({ method: "GET", url: "/api/v1/companies", headers: { authorization: `Bearer ${token}`, cookie: claire.jar.header() } });
    expect(both.statusCode).toBe(400);
    expect(both.json().error.code).toBe("invalid_request");
    const bogus = await t.app.inject({ method: "GET", url: "/api/v1/companies", headers: { authorization: "Bearer ceci-n-est-pas-un-jeton-valide" } });
    expect(bogus.statusCode).toBe(401);
    expect(bogus.headers["www-authenticate"]).toContain('error="invalid_token"');
    const basic = await t.app.inject({ method: "GET", url: "/api/v1/companies", headers: { authorization: "Basic YTpi" } });
    expect(basic.statusCode).toBe(400);
    // No CSRF header is needed with a token, and none is accepted in its place.
    const posted = await api(config, token, "POST", "/api/v1/requests", { ...VAT, siren: SEED.martin.siren, uploadIds: [] });
    expect(posted.status).toBe(403);

    // RFC 6750 §3: every challenge is printable ASCII (no raw UTF-8 French); the French sentence is in the body.
    const challenges = [
      refused.headers.get("www-authenticate"),
      sessionOnly.headers.get("www-authenticate"),
      both.headers["www-authenticate"],
      bogus.headers["www-authenticate"],
      basic.headers["www-authenticate"],
    ];
    for (const challenge of challenges) {
      expect(challenge).toMatch(/^Bearer realm="messagerie-pro"/);
      expect(String(challenge)).toMatch(/^[\x20-\x7E]*$/);
    }
    expect(refused.body.error.message).toContain("portée « messagerie.read »");
    expect(bogus.json().error.message).toContain("Jeton d'accès inconnu, expiré ou révoqué");
  });
});

describe("a consent is bound to the browser that started the authorization, and to the person who gave it", () => {
  /** An attacker's browser starts an authorization for a public software: answers its cookies and the consent uid. */
  async function attackerStarts() {
    const software = await newSoftware(t, { public: true, name: "Logiciel Piège" });
    const config = await softwareClient(send, software);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: "companies.read messagerie.read",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state: client.randomState(),
    });
    const first = await send(url.href, { redirect: "manual" });
    expect(first.status).toBe(303);
    const attackerBrowser = new Map<string, string>();
    cookiesOf(first, attackerBrowser);
    const uid = new URL(first.headers.get("location")!, ISSUER).pathname.split("/").pop()!;
    return { software, uid, attackerBrowser };
  }
  const withoutOauthCookies = (jar: CookieJar) => {
    for (const name of ["mp_oauth_interaction", "mp_oauth_interaction.sig", "mp_oauth_resume", "mp_oauth_resume.sig"]) jar.delete(name);
    return jar;
  };

  it("the victim opens the attacker's consent link in her own browser: refused in French (403), no grant, and the attacker's browser gets no code", async () => {
    const { software, uid, attackerBrowser } = await attackerStarts();
    const victim = withoutOauthCookies(claire.jar);
    const described = await call(t.app, "GET", `/api/v1/oauth/interactions/${uid}`, { jar: victim });
    expect(described.status).toBe(403);
    expect(described.body.error.code).toBe("authorization_other_browser");
    expect(described.body.error.message).toContain("ne peut pas être utilisé dans ce navigateur");
    const answered = await call(t.app, "POST", `/api/v1/oauth/interactions/${uid}`, { jar: victim, body: { decision: "allow", companies: "all" } });
    expect(answered.status).toBe(403);
    expect(answered.body.error.code).toBe("authorization_other_browser");
    // A forged interaction cookie (unsigned) is no better than none.
    victim.set("mp_oauth_interaction", uid);
    expect((await call(t.app, "POST", `/api/v1/oauth/interactions/${uid}`, { jar: victim, body: { decision: "allow", companies: "all" } })).status).toBe(403);
    withoutOauthCookies(victim);
    expect(await t.ctx.db.selectFrom("software_grants").select("grant_id").where("client_id", "=", software.clientId).execute()).toHaveLength(0);
    const resumed = await send(`${ISSUER}/oauth/authorize/${uid}`, { redirect: "manual", headers: { cookie: cookieHeader(attackerBrowser) } });
    expect(resumed.headers.get("location") ?? "").not.toContain("code=");
  });

  it("a consent given in the starting browser is void if another person's session resumes it: no code, and the interaction is gone", async () => {
    const { software, uid, attackerBrowser } = await attackerStarts();
    // The victim's consent reaches the attacker's interaction (as if she had answered in the attacker's browser).
    const victim = withoutOauthCookies(claire.jar);
    for (const [name, value] of attackerBrowser) victim.set(name, value);
    const answered = await call(t.app, "POST", `/api/v1/oauth/interactions/${uid}`, { jar: victim, body: { decision: "allow", companies: "all" } });
    expect(answered.status).toBe(200);
    withoutOauthCookies(victim);
    // The attacker's browser, signed in as himself (Robert), resumes: refused, no code.
    const attacker = withoutOauthCookies(robert.jar);
    const resumed = await send(answered.body.redirectTo, { redirect: "manual", headers: { cookie: `${attacker.header()}; ${cookieHeader(attackerBrowser)}` } });
    expect(resumed.status).toBe(403);
    expect(resumed.headers.get("location")).toBeNull();
    expect(await resumed.text()).toContain("une autre personne que celle qui est connectée");
    // Nor without any session, nor again later: the interaction was destroyed.
    const again = await send(answered.body.redirectTo, { redirect: "manual", headers: { cookie: cookieHeader(attackerBrowser) } });
    expect(again.headers.get("location") ?? "").not.toContain("code=");
    expect(
      await t.ctx.db
        .selectFrom("oauth_artifacts")
        .select("id")
        .where("model", "=", "AuthorizationCode")
        .where(sql`payload->>'clientId'`, "=", software.clientId)
        .execute(),
    ).toHaveLength(0);
  });
});

describe("consent answers", () => {
  it("needs a session (401), refuses companies the person does not hold (422), and a spent or unknown interaction (410)", async () => {
    const software = await newSoftware(t);
    const config = await softwareClient(send, software);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: "messagerie.read",
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: "S256",
      state: client.randomState(),
    });
    const first = await send(url.href, { redirect: "manual" });
    const uid = new URL(first.headers.get("location")!, ISSUER).pathname.split("/").pop()!;
    const browser = new Map<string, string>();
    cookiesOf(first, browser);
    for (const [name, value] of browser) claire.jar.set(name, value);
    expect((await call(t.app, "GET", `/api/v1/oauth/interactions/${uid}`)).status).toBe(401);
    const described = await call(t.app, "GET", `/api/v1/oauth/interactions/${uid}`, { jar: claire.jar });
    expect(described.body.software.name).toBe("Logiciel Compta Plus");
    expect(described.body.scopes).toEqual([{ code: "messagerie.read", label: expect.stringContaining("Lire les demandes") }]);
    const strangerCompany = await newCompany(t, "SOCIETE ETRANGERE");
    const refused = await call(t.app, "POST", `/api/v1/oauth/interactions/${uid}`, {
      jar: claire.jar,
      body: { decision: "allow", companies: [second, strangerCompany] },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe("company_not_held");
    expect(refused.body.error.message).toContain(strangerCompany);
    expect(await t.ctx.db.selectFrom("software_grants").select("grant_id").where("client_id", "=", software.clientId).execute()).toHaveLength(0);
    const done = await call(t.app, "POST", `/api/v1/oauth/interactions/${uid}`, { jar: claire.jar, body: { decision: "allow", companies: [second] } });
    expect(done.status).toBe(200);
    expect((await call(t.app, "POST", `/api/v1/oauth/interactions/${uid}`, { jar: claire.jar, body: { decision: "allow", companies: [second] } })).status).toBe(
      410,
    );
    expect((await call(t.app, "GET", "/api/v1/oauth/interactions/inconnu-0123456789", { jar: claire.jar })).status).toBe(410);
  });

  it("journals the grant, the token, the refresh and the revocation with the person and the software", async () => {
    const software = await newSoftware(t, { name: "Journal Compta" });
    const config = await softwareClient(send, software);
    const tokens = await obtainTokens(t, send, config, claire, [second], "companies.read");
    await client.refreshTokenGrant(config, tokens.refresh_token!);
    const grant = (await call(t.app, "GET", "/api/v1/authorized-software", { jar: claire.jar })).body.items.find(
      (g: { software: { name: string } }) => g.software.name === "Journal Compta",
    );
    await call(t.app, "DELETE", `/api/v1/authorized-software/${grant.grantId}`, { jar: claire.jar });
    const entries = await t.ctx.db
      .selectFrom("journal")
      .select(["action", "actor_id"])
      .where("subject_type", "=", "software_grant")
      .where("subject_id", "=", grant.grantId)
      .orderBy("id")
      .execute();
    expect(entries.map((e) => e.action)).toEqual(["software.granted", "software.token_issued", "software.token_refreshed", "software.grant_revoked"]);
    expect(new Set(entries.map((e) => e.actor_id))).toEqual(new Set([claire.spaceId]));
  });
});

describe("rate limit per software and person", () => {
  let small: TestApp;
  afterAll(async () => small?.close());
  it("answers 429 with Retry-After past the software's allowance, without touching the person's browser session", async () => {
    small = await startTestApp({ PUBLIC_URL: ISSUER, SOFTWARE_RATE_PER_MINUTE: "3" });
    await seedReferenceData(small.ctx);
    const sendSmall = await listen(small);
    const person = await activeAdministrator(small, SEED.martin.siren, { companyEmail: "robert.lambda@martindistribution.com" });
    const software = await newSoftware(small);
    const config = await softwareClient(sendSmall, software);
    const { access_token: token } = await obtainTokens(small, sendSmall, config, person, "all", "companies.read");
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 5; i++) {
      const res = await sendSmall(`${ISSUER}/api/v1/companies`, { headers: { authorization: `Bearer ${token}` } });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get("retry-after");
        expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
          code: "rate_limited",
          message: expect.stringMatching(/^Trop de requêtes ; réessayez dans \d+ s\.$/),
        });
      }
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect((await call(small.app, "GET", "/api/v1/companies", { jar: person.jar })).status).toBe(200);
  }, 60_000);
});
