import { expect } from "vitest";
import { generate } from "otplib";
import { makeActiveSpace, makeCompany, siretNic } from "../../src/app/factories.js";
import { withLuhnKey } from "../../src/modules/companies/index.js";
import { SEED } from "../../src/app/demo.js";
import { call, CookieJar, lastMailTo, type TestApp, type WireJson } from "./app.js";

export const PASSWORD = "Vingt-Trois-Lapins-Bleus";

let counter = 0;
/** A new active person (expert space) belonging to an entity, signed in through the new-device code. */
export async function signedInPerson(t: TestApp, options: { email?: string; siren: string; firstName?: string; lastName?: string }) {
  const email = options.email ?? `personne${++counter}.${Date.now()}@exemple.fr`;
  const { spaceId } = await makeActiveSpace(t.ctx, {
    email,
    password: PASSWORD,
    firstName: options.firstName ?? "Camille",
    lastName: options.lastName ?? "Martin",
    siren: options.siren,
  });
  const jar = await signIn(t, email);
  return { email, spaceId, jar };
}

/** Signs in through the new-device code; returns the jar. */
export async function signIn(t: TestApp, email: string, password = PASSWORD): Promise<CookieJar> {
  const jar = new CookieJar();
  const first = await call(t.app, "POST", "/api/v1/session", { body: { email, password }, jar });
  if (first.body.status === "authenticated") return jar;
  expect(first.body.status).toBe("device_verification_required");
  // The newest mail carrying a code: another mail (a new right…) may share its instant, and so its place in the list.
  await lastMailTo(t, email);
  const mails = (await call(t.app, "GET", `/api/v1/dev/mails?to=${encodeURIComponent(email)}`)).body.items as { text: string }[];
  const code = mails.map((m) => m.text.match(/Code de connexion : (\d{6})/)?.[1]).find(Boolean);
  if (!code) throw new Error(`no device code in the mails to ${email}`);
  const done = await call(t.app, "POST", "/api/v1/session/device", { body: { email, code }, jar });
  expect(done.status).toBe(200);
  return jar;
}

let sirenCounter = 0;
/** A new active company in Paris 11e (managed by SIE-75111) with a valid SIREN. */
export async function newCompany(t: TestApp, name = "SOCIETE TEST", over: Partial<Parameters<typeof makeCompany>[1]> = {}): Promise<string> {
  const siren = withLuhnKey(String(40_000_000 + Math.floor(Math.random() * 9_000_000) + ++sirenCounter));
  await makeCompany(t.ctx, {
    siren,
    name,
    streetNumber: "10",
    streetType: "RUE",
    streetName: "OBERKAMPF",
    postalCode: "75011",
    communeName: "PARIS 11",
    communeCode: "75111",
    ...over,
  });
  expect(siretNic(siren)).toMatch(/^\d{5}$/);
  return siren;
}

/** The company-address link of the latest mail to an address: its token. */
export async function linkTokenFor(t: TestApp, to: string): Promise<string> {
  const mail = await lastMailTo(t, to);
  const m = mail.text.match(/company-email\/confirm\?token=([A-Za-z0-9_-]+)/);
  if (!m) throw new Error(`no company e-mail link in the last mail to ${to}`);
  return m[1]!;
}

/** The codes printed on the latest letter to a SIREN, read from the letter box. */
export async function letterCodes(t: TestApp, siren: string): Promise<{ activationCode: string; oppositionCode: string; letter: Record<string, WireJson> }> {
  const res = await call(t.app, "GET", `/api/v1/dev/letters?siren=${siren}`);
  const letter = res.body.items.find((l: { kind: string }) => l.kind === "activation");
  if (!letter) throw new Error(`no activation letter for ${siren}`);
  return { activationCode: letter.fields.activationCode, oppositionCode: letter.fields.oppositionCode, letter };
}

/**
 * A person who adhered to a company and entered the letter's code: administrator of the services asked. With
 * `messagerie`, the company e-mail address (`companyEmail`) is confirmed first when the company has none.
 */
export async function activeAdministrator(
  t: TestApp,
  siren: string,
  options: {
    quality?: "legal_representative" | "mandated";
    services?: string[];
    companyEmail?: string;
    entitySiren?: string;
    email?: string;
    firstName?: string;
    lastName?: string;
    /** A person already signed in, who adheres to one more company. */
    person?: { email: string; spaceId: string; jar: CookieJar };
  } = {},
) {
  const person =
    options.person ??
    (await signedInPerson(t, {
      siren: options.entitySiren ?? siren,
      ...(options.email ? { email: options.email } : {}),
      firstName: options.firstName,
      lastName: options.lastName,
    }));
  const services = options.services ?? ["messagerie", "compte_fiscal", "tva_declarer", "tva_payer", "is_payer", "cfe", "ts_payer"];
  const res = await call(t.app, "POST", "/api/v1/adhesions", {
    jar: person.jar,
    body: { siren, quality: options.quality ?? "mandated", services, ...(options.companyEmail ? { companyEmail: options.companyEmail } : {}) },
  });
  expect(res.status).toBe(201);
  if (res.body.status === "awaiting_company_email") {
    await call(t.app, "POST", "/api/v1/company-email/confirm", { body: { token: await linkTokenFor(t, options.companyEmail!) } });
  }
  const letters = (await call(t.app, "GET", `/api/v1/dev/letters?siren=${siren}`)).body.items as {
    fields: { activationCode: string; requester: { connectionEmail: string } };
  }[];
  const letter = letters.find((l) => l.fields.requester?.connectionEmail === person.email)!;
  const activated = await call(t.app, "POST", `/api/v1/adhesions/${res.body.id}/activate`, { jar: person.jar, body: { code: letter.fields.activationCode } });
  expect(activated.status).toBe(200);
  return person;
}

/** Robert Lambda, Martin distribution's legal representative, administrator of its services (the seed's example). */
export function robertOfMartin(t: TestApp) {
  return activeAdministrator(t, SEED.martin.siren, {
    quality: "legal_representative",
    companyEmail: "robert.lambda@martindistribution.com",
    email: "robert.lambda@martindistribution.com",
    firstName: "Robert",
    lastName: "Lambda",
  });
}

export const AGENT_PASSWORD = "Guichet-Fiscal-Solide-42";

/** An agent's back-office session: password and the current TOTP code (the clock moves on, so a code is fresh). */
export async function agentSignIn(t: TestApp, email: string, secret: string): Promise<CookieJar> {
  t.clock.advance(30_000);
  const jar = new CookieJar();
  const totp = await generate({ secret, epoch: Math.floor(t.clock.now().getTime() / 1000) });
  const res = await call(t.app, "POST", "/api/v1/backoffice/session", { jar, body: { email, password: AGENT_PASSWORD, totp } });
  expect(res.status).toBe(200);
  return jar;
}
