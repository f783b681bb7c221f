/**
 * Inside a firm (product §19): who follows a request (« suivie par »), the colleagues who may follow it, and who read
 * each message of the administration (« lu par … le … »). All of it is the company side's: the back office never
 * reads it (its routes whitelist their fields, and the journal's follow entries are not in the agents' timeline).
 */
import { sql, type Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Executor } from "../../platform/db/database.js";
import { decodeKey, encodeKey } from "../../platform/cursor.js";
import { DomainError } from "../../platform/errors.js";
import { appendJournal } from "../journal/index.js";
import { followerAssignedMail, queueMail } from "../mail/index.js";
import { getCompanies } from "../companies/index.js";
import { getSpaces } from "../spaces/index.js";
import { can, liveRight } from "../rights/index.js";
import { getRequest, notifyChange, visibleRequest, type RequestsDeps } from "./requests.service.js";

/** A person as the company side names her: first and last name. */
export type PersonRef = { id: string; displayName: string };

const displayName = (p: { first_name: string; last_name: string }) => `${p.first_name} ${p.last_name}`.trim();

/**
 * Whether the person whose id is in `space` holds a live `messagerie` right on the company and tax of the request
 * whose columns are `siren` and `tax`: the visibility rule of requests (product §8), for someone other than the
 * caller (a follower, a reader). Indexed by the gate (space, company, service).
 */
function maySee(space: ReturnType<typeof sql.ref>, siren: ReturnType<typeof sql.ref> | string, tax: ReturnType<typeof sql.ref> | string, at: Date) {
  return sql<boolean>`EXISTS (
    SELECT 1 FROM rights g
    WHERE g.space_id = ${space} AND g.siren = ${siren} AND g.service = 'messagerie' AND ${liveRight("g", at)}
      AND (g.tax_scope IS NULL OR g.tax_scope ? ${tax}))`;
}

export const followerNotColleague = () =>
  new DomainError(
    "refused",
    "follower_not_colleague",
    "Cette personne n'est pas une collègue de votre entité : une demande ne peut être suivie que par une personne de votre entité (« Suivie par »).",
  );
export const followerCannotSee = (siren: string, tax: string) =>
  new DomainError(
    "refused",
    "follower_without_right",
    `Cette personne ne peut pas suivre la demande : il lui faut une habilitation « messagerie » active sur l'entreprise ${siren} couvrant l'impôt ${tax}.`,
  );

/**
 * Sets who follows a request (`personId`), or nobody (`null`). The caller must see the request (404 otherwise); the
 * follower must be a colleague of her entity who may see it too (422, naming the rule). Journaled; the follower is
 * told by e-mail unless she took it herself. Neither the last activity nor the agents' version moves.
 */
export async function assignFollower(deps: RequestsDeps, spaceId: string, id: string, personId: string | null): Promise<{ followedBy: PersonRef | null }> {
  const now = deps.clock.now();
  const done = await deps.db.transaction().execute(async (tx) => {
    const r = await visibleRequest(tx, spaceId, id, now, true);
    let follower: PersonRef | null = null;
    if (personId !== null) {
      const [me, them] = await Promise.all([getSpaces(tx, [spaceId]), personId === spaceId ? [] : getSpaces(tx, [personId])]);
      const actor = me[0]!;
      const chosen = personId === spaceId ? actor : them[0];
      // Another entity's person, or an unknown id: the same answer (nobody learns who exists elsewhere).
      if (!chosen || chosen.status !== "active" || chosen.entity_siren !== actor.entity_siren) throw followerNotColleague();
      if (!(await can(tx, { spaceId: personId, siren: r.siren, service: "messagerie", tax: r.tax }, now))) throw followerCannotSee(r.siren, r.tax);
      follower = { id: chosen.id, displayName: displayName(chosen) };
      if (r.followed_by === personId) return { follower, changed: false };
      await tx.updateTable("requests").set({ followed_by: personId }).where("id", "=", id).execute();
      if (personId !== spaceId) {
        const company = (await getCompanies(tx, [r.siren])).get(r.siren);
        await queueMail(
          tx,
          now,
          followerAssignedMail({
            to: chosen.connection_email,
            firstName: chosen.first_name,
            assignedBy: displayName(actor),
            reference: r.reference,
            companyName: company?.name ?? r.siren,
          }),
        );
      }
    } else {
      if (r.followed_by === null) return { follower, changed: false };
      await tx.updateTable("requests").set({ followed_by: null }).where("id", "=", id).execute();
    }
    await appendJournal(tx, now, {
      actor: { kind: "person", id: spaceId },
      action: personId === null ? "request.unfollowed" : "request.followed",
      subject: { type: "request", id },
      data: { follower: personId, previous: r.followed_by },
    });
    return { follower, changed: true };
  });
  if (done.changed) notifyChange(deps.db, id);
  return { followedBy: done.follower };
}

/**
 * Who follows each of these requests, for the company side: named only while she may still see the request (a
 * follower whose right ended is not shown as following it).
 */
export async function followersOf(db: Executor, ids: string[], at: Date): Promise<Map<string, PersonRef>> {
  if (ids.length === 0) return new Map();
  const found = await db
    .selectFrom("requests")
    .innerJoin("spaces as s", "s.id", "requests.followed_by")
    .select(["requests.id", "s.id as space_id", "s.first_name", "s.last_name"])
    .where("requests.id", "in", ids)
    .where(maySee(sql.ref("requests.followed_by"), sql.ref("requests.siren"), sql.ref("requests.tax"), at))
    .execute();
  return new Map(found.map((f) => [f.id, { id: f.space_id, displayName: displayName(f) }]));
}

/**
 * The colleagues who may follow a request: persons of the caller's entity holding a live `messagerie` right that
 * covers its company and tax, by name, searched by words of the name (accents and case folded), keyset-paginated on
 * (name, id) — the cursor is the last person's id. The caller must see the request (404 otherwise).
 */
export async function possibleFollowers(
  deps: RequestsDeps,
  spaceId: string,
  id: string,
  options: { q?: string | undefined; limit: number; cursor?: string | undefined },
): Promise<{ items: PersonRef[]; nextCursor: string | null }> {
  const now = deps.clock.now();
  // A crafted cursor is refused (400) before anything is looked up.
  const after = options.cursor ? decodeKey(options.cursor, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/) : undefined;
  const r = await visibleRequest(deps.db, spaceId, id, now);
  const nameKey = (alias: string) => sql<string>`portfolio_fold(${sql.ref(`${alias}.last_name`)} || ' ' || ${sql.ref(`${alias}.first_name`)})`;
  let q = deps.db
    .selectFrom("spaces as s")
    .select(["s.id", "s.first_name", "s.last_name"])
    .where("s.status", "=", "active")
    .where("s.entity_siren", "=", (eb) => eb.selectFrom("spaces as me").select("me.entity_siren").where("me.id", "=", spaceId))
    // Driven by the company's rights (indexed by SIREN): a firm's colleagues are many, the holders of one company few.
    .where(
      "s.id",
      "in",
      deps.db
        .selectFrom("rights as g")
        .select("g.space_id")
        .where("g.siren", "=", r.siren)
        .where("g.service", "=", "messagerie")
        .where(liveRight("g", now))
        .where(sql<boolean>`(g.tax_scope IS NULL OR g.tax_scope ? ${r.tax})`),
    );
  const words = options.q?.trim();
  if (words) {
    q = q.where(sql<boolean>`portfolio_fold(s.first_name || ' ' || s.last_name) LIKE '%' || portfolio_fold(${escapeLike(words)}) || '%'`);
  }
  if (after) {
    q = q.where(sql<boolean>`(${nameKey("s")}, s.id) > (SELECT ${nameKey("c")}, c.id FROM spaces c WHERE c.id = ${after}::uuid)`);
  }
  const rows = await q
    .orderBy(nameKey("s"))
    .orderBy("s.id")
    .limit(options.limit + 1)
    .execute();
  const page = rows.slice(0, options.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((p) => ({ id: p.id, displayName: displayName(p) })),
    nextCursor: rows.length > options.limit && last ? encodeKey(last.id) : null,
  };
}

/** `%` and `_` typed in a search are letters, not wildcards. */
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Who read each message of the administration in a request, first read first: the persons who may see the request
 * now (someone whose right ended is no longer named to the company's people). Keyed by message id.
 */
export async function readMarksOf(
  db: Kysely<DB> | Executor,
  r: { id: string; siren: string; tax: string },
  at: Date,
): Promise<Map<string, { displayName: string; at: Date }[]>> {
  const rows = await db
    .selectFrom("message_reads as mr")
    .innerJoin("messages as m", "m.id", "mr.message_id")
    .innerJoin("spaces as s", "s.id", "mr.space_id")
    .select(["mr.message_id", "mr.read_at", "s.first_name", "s.last_name"])
    .where("m.request_id", "=", r.id)
    .where("m.author_kind", "<>", "person")
    .where(maySee(sql.ref("mr.space_id"), r.siren, r.tax, at))
    .orderBy("mr.read_at")
    .orderBy("s.last_name")
    .orderBy("s.first_name")
    .execute();
  const marks = new Map<string, { displayName: string; at: Date }[]>();
  for (const row of rows) {
    const list = marks.get(row.message_id) ?? [];
    list.push({ displayName: displayName(row), at: row.read_at });
    marks.set(row.message_id, list);
  }
  return marks;
}

/**
 * A request and its thread as the company side reads it (`getRequest`, which marks the messages read, for the
 * company and for the person), with who follows it and, under each message of the administration, who read it.
 */
export async function getRequestForCompany(deps: RequestsDeps, spaceId: string, id: string) {
  const request = await getRequest(deps, spaceId, id);
  const now = deps.clock.now();
  const [followers, marks] = await Promise.all([followersOf(deps.db, [id], now), readMarksOf(deps.db, request, now)]);
  return {
    ...request,
    followedBy: followers.get(id) ?? null,
    messages: request.messages.map((m) => ({ ...m, readBy: m.author.kind === "person" ? [] : (marks.get(m.id) ?? []) })),
  };
}
