import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, seedReferenceData, startTestApp, type CookieJar, type TestApp } from "../helpers/app.js";
import { activeAdministrator, newCompany } from "../helpers/people.js";

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
});
afterAll(() => t.close());

async function bulk(jar: CookieJar, sirens: string[]) {
  const res = await call(t.app, "POST", "/api/v1/adhesions/batch", {
    jar,
    body: { quality: "mandated", services: ["cfe"], items: sirens.map((siren) => ({ siren })) },
  });
  expect(res.status).toBe(202);
  await t.ctx.worker.drain();
  return (await call(t.app, "GET", `/api/v1/adhesions/batch/${res.body.batchId}`, { jar })).body;
}
const lettersTo = async (siren: string) =>
  Number(
    (
      await t.ctx.db
        .selectFrom("letters")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("siren", "=", siren)
        .executeTakeFirstOrThrow()
    ).n,
  );
const adhesionsOf = async (spaceId: string, siren: string) =>
  (await t.ctx.db.selectFrom("adhesions").select("id").where("space_id", "=", spaceId).where("siren", "=", siren).execute()).length;

describe("bulk adhesion and the companies a person already holds", () => {
  it("posts no letter for a company she acts for or awaits a code for: those lines are refused already_held, naming the right or the adhesion", async () => {
    const firm = await newCompany(t, "CABINET PRUDENT");
    const { jar, spaceId } = await activeAdministrator(t, firm, { entitySiren: firm, services: ["cfe"] });
    const awaited = await newCompany(t, "CLIENT EN ATTENTE");
    const fresh = await newCompany(t, "CLIENT NOUVEAU");
    expect((await bulk(jar, [awaited])).created).toBe(1);
    const before = { firm: await lettersTo(firm), awaited: await lettersTo(awaited), fresh: await lettersTo(fresh) };
    expect(before.awaited).toBe(1);

    const batch = await bulk(jar, [firm, awaited, fresh]);
    const byLine = batch.items as { siren: string; status: string; error: { code: string; message: string } | null }[];
    expect(byLine.map((i) => [i.siren, i.status, i.error?.code ?? null])).toEqual([
      [firm, "refused", "already_held"],
      [awaited, "refused", "already_held"],
      [fresh, "created", null],
    ]);
    expect(byLine[0]!.error!.message).toMatch(/^Vous agissez déjà pour cette entreprise \(administrateur : .+\) : aucun courrier n'est envoyé\./);
    expect(byLine[1]!.error!.message).toMatch(
      /^Vous avez déjà une demande d'adhésion en cours pour cette entreprise, du \d{1,2}(er)? \S+ \d{4} \(.+\) : aucun nouveau courrier/,
    );
    // Exactly one letter more, to the new company; no adhesion opened for the two others.
    expect(await lettersTo(firm)).toBe(before.firm);
    expect(await lettersTo(awaited)).toBe(before.awaited);
    expect(await lettersTo(fresh)).toBe(before.fresh + 1);
    expect(await adhesionsOf(spaceId, awaited)).toBe(1);
    expect(await adhesionsOf(spaceId, fresh)).toBe(1);
  });
});
