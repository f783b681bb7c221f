import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, CookieJar, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { PASSWORD, signedInPerson } from "../helpers/people.js";
import { SEED } from "../../src/app/demo.js";
import { MINUTE } from "../../src/platform/clock.js";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
});
afterAll(async () => t.close());

/** Every mail to an address, newest first (after delivering the outbox). */
async function mailsTo(to: string): Promise<{ subject: string; text: string }[]> {
  await t.ctx.worker.drain();
  return (await call(t.app, "GET", `/api/v1/dev/mails?to=${encodeURIComponent(to)}`)).body.items;
}
const resetToken = (text: string) => /\/mot-de-passe-oublie\/nouveau#([A-Za-z0-9_-]+)/.exec(text)?.[1];

describe("« Mot de passe oublié »", () => {
  it("mails a single-use link; the new password closes every session; the same answer for an unknown address", async () => {
    const person = await signedInPerson(t, { siren: SEED.gestion.siren });
    const unknown = await call(t.app, "POST", "/api/v1/password-reset", { body: { email: "personne.inconnue@gestion.com" } });
    const known = await call(t.app, "POST", "/api/v1/password-reset", { body: { email: person.email.toUpperCase() } });
    expect([unknown.status, unknown.body]).toEqual([202, { status: "accepted" }]);
    expect([known.status, known.body]).toEqual([202, { status: "accepted" }]);
    expect(await mailsTo("personne.inconnue@gestion.com")).toEqual([]);
    const mail = (await mailsTo(person.email))[0]!;
    expect(mail.subject).toBe("Choisir un nouveau mot de passe");
    const token = resetToken(mail.text)!;
    expect(token).toBeTruthy();
    // The token is stored hashed only.
    expect(JSON.stringify(await t.ctx.db.selectFrom("password_resets").selectAll().execute())).not.toContain(token);

    const weak = await call(t.app, "POST", "/api/v1/password-reset/confirm", { body: { token, password: `Cabinet-${SEED.gestion.siren}-Lyon` } });
    expect([weak.status, weak.body.error.code]).toEqual([422, "weak_password"]);
    expect((await call(t.app, "GET", "/api/v1/session", { jar: person.jar })).status).toBe(200);

    const done = await call(t.app, "POST", "/api/v1/password-reset/confirm", { body: { token, password: "Nouveau-Mot-De-Passe-Solide" } });
    expect([done.status, done.body]).toEqual([200, { status: "password_changed" }]);
    expect((await call(t.app, "GET", "/api/v1/session", { jar: person.jar })).status).toBe(401);
    expect((await mailsTo(person.email))[0]!.subject).toBe("Votre mot de passe a été changé");
    const again = await call(t.app, "POST", "/api/v1/password-reset/confirm", { body: { token, password: "Encore-Un-Autre-Mot-De-Passe" } });
    expect([again.status, again.body.error.code]).toEqual([410, "reset_link_invalid"]);
    expect((await call(t.app, "POST", "/api/v1/session", { body: { email: person.email, password: PASSWORD } })).status).toBe(401);
    expect((await call(t.app, "POST", "/api/v1/session", { body: { email: person.email, password: "Nouveau-Mot-De-Passe-Solide" } })).body.status).toBe(
      "device_verification_required",
    );
    const journal = await t.ctx.db
      .selectFrom("journal")
      .select(["action", "data"])
      .where("action", "in", ["space.password_reset_requested", "space.password_reset"])
      .execute();
    expect(journal.map((j) => j.action).sort()).toEqual(["space.password_reset", "space.password_reset_requested"]);
  });

  it("a new link voids the earlier ones: the older link answers 410, only the newest works", async () => {
    const person = await signedInPerson(t, { siren: SEED.gestion.siren });
    expect((await call(t.app, "POST", "/api/v1/password-reset", { body: { email: person.email } })).status).toBe(202);
    const older = resetToken((await mailsTo(person.email))[0]!.text)!;
    expect((await call(t.app, "POST", "/api/v1/password-reset", { body: { email: person.email } })).status).toBe(202);
    const newer = resetToken((await mailsTo(person.email))[0]!.text)!;
    expect(newer).not.toBe(older);
    const stale = await call(t.app, "POST", "/api/v1/password-reset/confirm", { body: { token: older, password: "Ancien-Lien-Mot-De-Passe" } });
    expect([stale.status, stale.body.error.code]).toEqual([410, "reset_link_invalid"]);
    expect(stale.body.error.message).toContain("remplacé par un lien plus récent");
    expect((await call(t.app, "POST", "/api/v1/session", { body: { email: person.email, password: "Ancien-Lien-Mot-De-Passe" } })).status).toBe(401);
    const done = await call(t.app, "POST", "/api/v1/password-reset/confirm", { body: { token: newer, password: "Nouveau-Lien-Mot-De-Passe" } });
    expect([done.status, done.body]).toEqual([200, { status: "password_changed" }]);
  });

  it("expires the link after 30 minutes, mails at most 3 links an hour, and refuses bad input", async () => {
    const person = await signedInPerson(t, { siren: SEED.gestion.siren });
    await call(t.app, "POST", "/api/v1/password-reset", { body: { email: person.email } });
    const token = resetToken((await mailsTo(person.email))[0]!.text)!;
    t.clock.advance(31 * MINUTE);
    const late = await call(t.app, "POST", "/api/v1/password-reset/confirm", { body: { token, password: "Nouveau-Mot-De-Passe-Solide" } });
    expect([late.status, late.body.error.code]).toEqual([410, "reset_link_invalid"]);
    for (let i = 0; i < 4; i++) expect((await call(t.app, "POST", "/api/v1/password-reset", { body: { email: person.email } })).status).toBe(202);
    expect((await mailsTo(person.email)).filter((m) => m.subject === "Choisir un nouveau mot de passe")).toHaveLength(1 + 2);
    const forged = await call(t.app, "POST", "/api/v1/password-reset/confirm", { body: { token: "x".repeat(43), password: "Nouveau-Mot-De-Passe-Solide" } });
    expect(forged.status).toBe(410);
    const short = await call(t.app, "POST", "/api/v1/password-reset/confirm", { body: { token: "court", password: "Nouveau-Mot-De-Passe-Solide" } });
    expect([short.status, short.body.error.message]).toEqual([400, "Champ « Lien » : le lien est incomplet : copiez-le en entier."]);
    expect((await call(t.app, "POST", "/api/v1/password-reset", { body: { email: "pas-une-adresse" } })).status).toBe(400);
  });
});

describe("« Renvoyer le code »", () => {
  it("sends a new device code, voiding the previous one; 202 for anyone; 429 after 3 in 15 minutes", async () => {
    const person = await signedInPerson(t, { siren: SEED.gestion.siren });
    const jar = new CookieJar();
    expect((await call(t.app, "POST", "/api/v1/session", { body: { email: person.email, password: PASSWORD }, jar })).body.status).toBe(
      "device_verification_required",
    );
    const codeOf = (m: { text: string }) => /Code de connexion : (\d{6})/.exec(m.text)?.[1];
    const first = codeOf((await mailsTo(person.email))[0]!)!;
    expect((await call(t.app, "POST", "/api/v1/session/device/resend", { body: { email: person.email } })).status).toBe(202);
    const second = codeOf((await mailsTo(person.email))[0]!)!;
    expect(second).not.toBe(first);
    const old = await call(t.app, "POST", "/api/v1/session/device", { body: { email: person.email, code: first }, jar });
    expect(old.body.error.code).toBe("invalid_device_code");
    expect((await call(t.app, "POST", "/api/v1/session/device", { body: { email: person.email, code: second }, jar })).status).toBe(200);

    // No sign-in awaiting a code, or no such address: 202, and nothing is sent.
    const before = (await mailsTo(person.email)).length;
    expect((await call(t.app, "POST", "/api/v1/session/device/resend", { body: { email: person.email } })).status).toBe(202);
    expect((await mailsTo(person.email)).length).toBe(before);
    for (const email of [person.email, "personne.inconnue@gestion.com"]) {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push((await call(t.app, "POST", "/api/v1/session/device/resend", { body: { email } })).status);
      expect(answers.slice(-1)).toEqual([429]);
    }
    const limited = await call(t.app, "POST", "/api/v1/session/device/resend", { body: { email: "personne.inconnue@gestion.com" } });
    expect([limited.body.error.code, Number(limited.headers["retry-after"]) > 0]).toEqual(["too_many_codes", true]);
  });

  it("sends a new space code, voiding the previous one", async () => {
    const email = "nouvelle.personne@gestion.com";
    const body = {
      mode: "expert",
      connectionEmail: email,
      password: PASSWORD,
      firstName: "Nina",
      lastName: "Neuve",
      phone: "04 72 00 00 01",
      siren: SEED.gestion.siren,
    };
    expect((await call(t.app, "POST", "/api/v1/spaces", { body })).status).toBe(201);
    const codeOf = (m: { text: string }) => /code de validation : ([0-9A-Z-]{9})/.exec(m.text)?.[1];
    const first = codeOf((await mailsTo(email))[0]!)!;
    expect((await call(t.app, "POST", "/api/v1/spaces/verify/resend", { body: { connectionEmail: email } })).status).toBe(202);
    expect((await call(t.app, "POST", "/api/v1/spaces/verify/resend", { body: { connectionEmail: "personne@inconnue.fr" } })).status).toBe(202);
    const second = codeOf((await mailsTo(email))[0]!)!;
    expect(second).not.toBe(first);
    expect((await call(t.app, "POST", "/api/v1/spaces/verify", { body: { connectionEmail: email, code: first } })).body.error.code).toBe(
      "invalid_verification_code",
    );
    expect((await call(t.app, "POST", "/api/v1/spaces/verify", { body: { connectionEmail: email, code: second } })).status).toBe(200);
  });
});
