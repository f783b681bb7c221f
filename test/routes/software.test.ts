import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as client from "openid-client";
import { call, startTestApp, type TestApp } from "../helpers/app.js";
import { activeAdministrator, newCompany } from "../helpers/people.js";
import { authorize, ISSUER, listen, newSoftware, obtainTokens, REDIRECT_URI, softwareClient } from "../helpers/oauth.js";
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

const VAT = { tax: "TVA", nature: "remboursement_credit_tva", subject: "Remboursement du crédit de TVA", body: "Bonjour,\nNous demandons le remboursement.\nCordialement." };

beforeAll(async () => {
  t = await startTestApp({ PUBLIC_URL: ISSUER });
  await seedReferenceData(t.ctx);
  send = await listen(t);
  robert = await activeAdministrator(t, SEED.martin.siren, { quality: "legal_representative", companyEmail: "robert.lambda@martindistribution.com", email: "robert.lambda@martindistribution.com", firstName: "Robert", lastName: "Lambda" });
  claire = await activeAdministrator(t, SEED.martin.siren, { entitySiren: SEED.gestion.siren, email: "cabinet.comptable@gestion.com", firstName: "Claire", lastName: "Vasseur" });
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
  const res = await client.fetchProtectedResource(config, token, new URL(path, ISSUER), method, body === undefined ? undefined : JSON.stringify(body), h);
  const text = await res.text();
  let json: any;
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
    expect(Buffer.from(await receipt.arrayBuffer()).subarray(0, 5).toString()).toBe("%PDF-");

    // The third company is not in the grant: filing for it is refused as if it did not exist.
    const elsewhere = await api(config, token, "POST", "/api/v1/requests", { ...VAT, siren: third, uploadIds: [] });
    expect(elsewhere.status).toBe(404);
    // Claire's own browser session still sees the third company.
    expect((await call(t.app, "GET", `/api/v1/companies/${third}`, { jar: claire.jar })).status).toBe(200);

    // The journal names the person and the software for the software's action.
    const entry = await t.ctx.db.selectFrom("journal").select(["actor_kind", "actor_id", "data"]).where("action", "=", "request.filed").where("subject_id", "=", filed.body.id).executeTakeFirstOrThrow();
    expect(entry.actor_id).toBe(claire.spaceId);
    expect((entry.data as { software?: { clientId: string } }).software?.clientId).toBe(software.clientId);
  });
});
