/** The content-free notices of product §8: to the author (or her daily digest) and to the company e-mail address. */
import type { Tx } from "../../platform/db/database.js";
import { DAY } from "../../platform/clock.js";
import { getSpaces } from "../spaces/index.js";
import { companyEmailsOf } from "../adhesions/index.js";
import { queueMail, requestNotificationMail } from "../mail/index.js";
import * as repo from "./requests.repository.js";
import { type RequestsDeps } from "./requests.service.js";

/**
 * The content-free notice of product §8 (no content, no attachment, no link to a sign-in page) to the request's
 * author — or into their daily digest when they chose one — and to the company e-mail address.
 */
export async function notifyCompanySide(tx: Tx, now: Date, r: repo.RequestRow): Promise<void> {
  // A thread the administration opened has no author on the company side: its notices go to the company address.
  const [author] = r.author_space_id ? await getSpaces(tx, [r.author_space_id]) : [];
  const pref = r.author_space_id
    ? await tx.selectFrom("notification_preferences").select("mode").where("space_id", "=", r.author_space_id).executeTakeFirst()
    : undefined;
  if (author) {
    if (pref?.mode === "daily") {
      await tx
        .insertInto("pending_digests")
        .values({ space_id: author.id, request_id: r.id, created_at: now })
        .onConflict((oc) => oc.doNothing())
        .execute();
    } else {
      await queueMail(tx, now, requestNotificationMail({ to: author.connection_email, references: [r.reference] }));
    }
  }
  const companyEmail = (await companyEmailsOf(tx, [r.siren])).get(r.siren);
  if (companyEmail && companyEmail !== author?.connection_email)
    await queueMail(tx, now, requestNotificationMail({ to: companyEmail, references: [r.reference] }));
}

/**
 * Sends the daily digests (job, run often): a person whose oldest pending notice is a day old gets one
 * content-free mail listing every reference that moved since.
 */
export async function sendDigests(deps: Pick<RequestsDeps, "db" | "clock">): Promise<number> {
  const now = deps.clock.now();
  return deps.db.transaction().execute(async (tx) => {
    const due = tx
      .selectFrom("pending_digests")
      .select("space_id")
      .groupBy("space_id")
      .having((eb) => eb.fn.min("created_at"), "<=", new Date(now.getTime() - DAY));
    const rows = await tx.deleteFrom("pending_digests").where("space_id", "in", due).returning(["space_id", "request_id"]).execute();
    const bySpace = new Map<string, string[]>();
    for (const r of rows) bySpace.set(r.space_id, [...(bySpace.get(r.space_id) ?? []), r.request_id]);
    const people = new Map((await getSpaces(tx, [...bySpace.keys()])).map((p) => [p.id, p]));
    for (const [spaceId, ids] of bySpace) {
      const refs = await tx.selectFrom("requests").select("reference").where("id", "in", ids).orderBy("reference").execute();
      const p = people.get(spaceId);
      if (p) await queueMail(tx, now, requestNotificationMail({ to: p.connection_email, references: refs.map((x) => x.reference) }));
    }
    return bySpace.size;
  });
}

export async function setNotificationMode(deps: Pick<RequestsDeps, "db">, spaceId: string, mode: "immediate" | "daily") {
  await deps.db
    .insertInto("notification_preferences")
    .values({ space_id: spaceId, mode })
    .onConflict((oc) => oc.column("space_id").doUpdateSet({ mode }))
    .execute();
  return { mode };
}

export async function notificationMode(deps: Pick<RequestsDeps, "db">, spaceId: string) {
  return (await deps.db.selectFrom("notification_preferences").select("mode").where("space_id", "=", spaceId).executeTakeFirst())?.mode ?? "immediate";
}
