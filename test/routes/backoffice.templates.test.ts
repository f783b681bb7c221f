import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, seedReferenceData, startTestApp, type CookieJar, type TestApp } from "../helpers/app.js";
import { activeAdministrator, AGENT_PASSWORD, agentSignIn } from "../helpers/people.js";
import { makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";

/** Answer templates managed by supervisors (product §18): create, edit, delete, one rule for roles and services. */
let t: TestApp;
let robert: CookieJar; // legal representative of Martin Distribution (SIE Paris 11e)
let sophie: CookieJar; // supervisor of SIE Paris 11e
let paul: CookieJar; // plain agent of SIE Paris 11e
let lea: CookieJar; // supervisor of SIE Lyon 1er: another service
const SECRETS = {
  sophie: "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
  paul: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B",
  lea: "ONSWG4TFOQYTEMZUGU3DOOBZGAYTEMZU",
};
const URL = "/api/v1/backoffice/templates";
type Template = { id: string; serviceCode: string; title: string; body: string };

const create = (jar: CookieJar, body: Record<string, unknown>) => call(t.app, "POST", URL, { jar, body });
const edit = (jar: CookieJar, id: string, body: Record<string, unknown>) => call(t.app, "PUT", `${URL}/${id}`, { jar, body });
const list = async (jar: CookieJar): Promise<Template[]> => (await call(t.app, "GET", URL, { jar })).body.items;
const journal = (id: string) => t.ctx.db.selectFrom("journal").select(["action", "data"]).where("subject_id", "=", id).orderBy("seq").execute();

beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  robert = (
    await activeAdministrator(t, SEED.martin.siren, {
      quality: "legal_representative",
      companyEmail: "contact@martindistribution.com",
      email: "robert.lambda@martindistribution.com",
      firstName: "Robert",
      lastName: "Lambda",
    })
  ).jar;
  const agents = [
    ["sophie", "superviseure.paris11@dgfip.test", "Sophie Superviseure", "SIE-75111", true],
    ["paul", "agent.paris11@dgfip.test", "Paul Agent", "SIE-75111", false],
    ["lea", "superviseure.lyon@dgfip.test", "Léa Superviseure", "SIE-69381", true],
  ] as const;
  for (const [key, email, name, service, isSupervisor] of agents)
    await makeAgent(t.ctx, { email, name, services: [service], isSupervisor, password: AGENT_PASSWORD, totpSecret: SECRETS[key] });
  sophie = await agentSignIn(t, "superviseure.paris11@dgfip.test", SECRETS.sophie);
  paul = await agentSignIn(t, "agent.paris11@dgfip.test", SECRETS.paul);
  lea = await agentSignIn(t, "superviseure.lyon@dgfip.test", SECRETS.lea);
});
afterAll(async () => t.close());

describe("answer templates (product §18)", () => {
  it("a supervisor edits a template of his service: 200, the list and the request page show it, the journal keeps it", async () => {
    const created = await create(sophie, { serviceCode: "SIE-75111", title: "Relance", body: "Bonjour {{raison_sociale}}," });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;
    const body = "Bonjour,\r\nVotre demande {{reference}} pour {{raison_sociale}} ({{ siren }}) est suivie par {{agent}}, {{service}}.\r\n";
    const edited = await edit(sophie, id, { title: "  Relance de pièces  ", body, serviceCode: "SIE-75111" });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    // Line endings normalised on input, the title trimmed.
    expect(edited.body).toMatchObject({ id, serviceCode: "SIE-75111", title: "Relance de pièces", body: body.replace(/\r\n/g, "\n") });
    expect((await list(paul)).find((x) => x.id === id)).toMatchObject({ title: "Relance de pièces", body: body.replace(/\r\n/g, "\n") });

    // The request page (its template picker) has it, the placeholders filled for the agent who reads it.
    const filed = await call(t.app, "POST", "/api/v1/requests", {
      jar: robert,
      body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: "Une question", body: "Bonjour.", uploadIds: [] },
    });
    expect(filed.status, JSON.stringify(filed.body)).toBe(201);
    const view = await call(t.app, "GET", `/api/v1/backoffice/requests/${filed.body.id}`, { jar: paul });
    const filled = view.body.templates.find((x: { id: string }) => x.id === id);
    expect(filled.title).toBe("Relance de pièces");
    expect(filled.body).toBe(
      `Bonjour,\nVotre demande ${filed.body.reference} pour ${view.body.company.name} (${SEED.martin.siren}) est suivie par Paul Agent, SIE Paris 11e.\n`,
    );

    expect((await journal(id)).map((j) => j.action)).toEqual(["template.created", "template.updated"]);
    expect((await journal(id))[1]!.data).toMatchObject({ service: "SIE-75111", title: "Relance de pièces", previousTitle: "Relance" });
    // The service of a template stays.
    const moved = await edit(sophie, id, { title: "Relance", body: "Bonjour", serviceCode: "SIE-69381" });
    expect([moved.status, moved.body.error.code]).toEqual([422, "template_service_fixed"]);
  });

  it("a plain agent reads the templates but is refused creating, editing and deleting (403 supervisor_only)", async () => {
    const { body } = await create(sophie, { serviceCode: "SIE-75111", title: "Rôles", body: "Bonjour" });
    expect((await list(paul)).some((x) => x.id === body.id)).toBe(true);
    for (const res of [
      await create(paul, { serviceCode: "SIE-75111", title: "Le mien", body: "Bonjour" }),
      await edit(paul, body.id, { title: "Le mien", body: "Bonjour" }),
      await call(t.app, "DELETE", `${URL}/${body.id}`, { jar: paul }),
    ]) {
      expect([res.status, res.body.error.code]).toEqual([403, "supervisor_only"]);
      expect(res.body.error.message).toContain("superviseurs");
    }
    expect((await list(sophie)).find((x) => x.id === body.id)?.title).toBe("Rôles");
  });

  it("a supervisor of another service gets 404 for a template that is not of his services", async () => {
    const { body } = await create(sophie, { serviceCode: "SIE-75111", title: "Paris seulement", body: "Bonjour" });
    expect((await list(lea)).some((x) => x.id === body.id)).toBe(false);
    expect((await edit(lea, body.id, { title: "Pris", body: "Bonjour" })).status).toBe(404);
    expect((await call(t.app, "DELETE", `${URL}/${body.id}`, { jar: lea })).status).toBe(404);
    expect((await create(lea, { serviceCode: "SIE-75111", title: "Chez Paris", body: "Bonjour" })).status).toBe(404);
    expect((await call(t.app, "GET", `${URL}?service=SIE-75111`, { jar: lea })).status).toBe(404);
    expect((await edit(sophie, "00000000-0000-4000-8000-000000000000", { title: "Aucun", body: "Bonjour" })).status).toBe(404);
    expect((await list(sophie)).find((x) => x.id === body.id)?.title).toBe("Paris seulement");
  });

  it("refuses an unknown placeholder (422, named in French) on creating and on editing alike", async () => {
    const { body } = await create(sophie, { serviceCode: "SIE-75111", title: "Variables", body: "Bonjour {{raison_sociale}}" });
    for (const res of [
      await create(sophie, { serviceCode: "SIE-75111", title: "Faute", body: "Bonjour {{raison_social}} et {{ nom }}" }),
      await edit(sophie, body.id, { title: "Variables", body: "Bonjour {{raison_social}} et {{ nom }}" }),
    ]) {
      expect([res.status, res.body.error.code]).toEqual([422, "unknown_template_variable"]);
      expect(res.body.error.message).toContain("Variables inconnues dans le modèle : {{raison_social}}, {{nom}}.");
      expect(res.body.error.message).toContain("{{raison_sociale}}, {{siren}}, {{reference}}, {{service}}, {{agent}}");
    }
    expect((await list(sophie)).find((x) => x.id === body.id)?.body).toBe("Bonjour {{raison_sociale}}");
    // The name templates written before used is still understood.
    expect((await edit(sophie, body.id, { title: "Variables", body: "Bonjour {{entreprise}}" })).status).toBe(200);
  });

  it("refuses bad input with 400, in French, naming the field; a title taken in the service is 409", async () => {
    const { body } = await create(sophie, { serviceCode: "SIE-75111", title: "Saisie", body: "Bonjour" });
    const empty = await edit(sophie, body.id, { title: "   ", body: "Bonjour" });
    expect([empty.status, empty.body.error.code]).toEqual([400, "invalid_request"]);
    expect(empty.body.error.message).toBe("Champ « Titre » : le titre est vide.");
    const noText = await edit(sophie, body.id, { title: "Saisie" });
    expect(noText.status).toBe(400);
    expect(noText.body.error.details.issues.map((i: { field: string }) => i.field)).toEqual(["body.body"]);
    const long = await create(sophie, { serviceCode: "SIE-75111", title: "x".repeat(121), body: "Bonjour" });
    expect(long.status).toBe(400);
    expect(long.body.error.message).toBe("Champ « Titre » : 120 caractères au plus.");
    expect((await edit(sophie, "pas-un-id", { title: "Saisie", body: "Bonjour" })).status).toBe(400);
    await create(sophie, { serviceCode: "SIE-75111", title: "Déjà pris", body: "Bonjour" });
    const taken = await edit(sophie, body.id, { title: "Déjà pris", body: "Bonjour" });
    expect([taken.status, taken.body.error.code]).toEqual([409, "template_exists"]);
    expect(taken.body.error.message).toContain("« Déjà pris »");
  });

  it("deletes a template (journaled); it leaves the list", async () => {
    const { body } = await create(sophie, { serviceCode: "SIE-75111", title: "Éphémère", body: "Bonjour" });
    expect((await call(t.app, "DELETE", `${URL}/${body.id}`, { jar: sophie })).status).toBe(204);
    expect((await list(sophie)).some((x) => x.id === body.id)).toBe(false);
    expect((await journal(body.id)).map((j) => j.action)).toEqual(["template.created", "template.deleted"]);
    expect((await call(t.app, "DELETE", `${URL}/${body.id}`, { jar: sophie })).status).toBe(404);
  });
});
