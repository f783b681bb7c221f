import { sql, type RawBuilder } from "kysely";
import type { Executor } from "../../platform/db/database.js";
import type { NewRow } from "../../platform/db/schema.js";
import { actingSoftware, type SoftwareActing } from "../../platform/acting.js";

/**
 * The one definition, in SQL, of a right that works at `at` (the policy's `isLive` is its mirror in memory): active,
 * started, not ended. `alias` names the `rights` row in the query.
 */
export function liveRight(alias: string, at: Date | RawBuilder<Date>) {
  const col = (c: string) => sql.ref(`${alias}.${c}`);
  const live = sql<boolean>`(${col("state")} = 'active' AND ${col("valid_from")} <= ${at} AND (${col("valid_until")} IS NULL OR ${col("valid_until")} > ${at}))`;
  const software = actingSoftware();
  const limits = software ? softwareLimits(software, col("siren")) : undefined;
  if (!software || !limits) return live;
  // A software acting through a person uses her rights only on the companies she chose for it and that did not
  // cut it off (product §15); everyone else's rights read as they are.
  return sql<boolean>`(${live} AND (${col("space_id")} <> ${software.spaceId} OR ${limits}))`;
}
const live = (at: Date) => () => liveRight("rights", at);

/**
 * The companies a software may reach through its person, as a condition on a SIREN column (indexed probes, whatever
 * the number of companies chosen); undefined when it may reach all of hers.
 */
export function softwareLimits(software: SoftwareActing, siren: RawBuilder<unknown>) {
  const parts = [];
  if (software.chosenCompanies)
    parts.push(sql<boolean>`EXISTS (SELECT 1 FROM software_grant_companies sgc WHERE sgc.grant_id = ${software.grantId} AND sgc.siren = ${siren})`);
  if (software.cutOff) {
    parts.push(
      sql<boolean>`NOT EXISTS (SELECT 1 FROM software_company_blocks scb WHERE scb.client_id = ${software.clientId} AND scb.space_id = ${software.spaceId} AND scb.siren = ${siren})`,
    );
  }
  return parts.length ? sql<boolean>`(${sql.join(parts, sql` AND `)})` : undefined;
}

export async function insertRights(db: Executor, rows: NewRow<"rights">[]): Promise<void> {
  if (rows.length > 0) await db.insertInto("rights").values(rows).execute();
}

/** Revokes the rights that came from an adhesion, and every right granted from them (the one cascade, below). */
export async function revokeFromAdhesion(db: Executor, adhesionId: string, at: Date): Promise<number> {
  const direct = await db.selectFrom("rights").select("id").where("adhesion_id", "=", adhesionId).where("state", "<>", "revoked").execute();
  return revokeWithDescendants(
    db,
    direct.map((r) => r.id),
    at,
  );
}

/** The cascade: revokes `ids` and every right granted from them, at any depth (one recursive query). */
export async function revokeWithDescendants(db: Executor, ids: string[], at: Date): Promise<number> {
  return revokeIds(db, [...ids, ...(await descendantsOf(db, ids)).map((d) => d.id)], at);
}

/** The live rights of a person (active, started, not expired), optionally on one SIREN. */
export async function liveRightsOf(db: Executor, spaceId: string, at: Date, siren?: string) {
  let q = db
    .selectFrom("rights")
    .select(["id", "siren", "service", "role", "tax_scope", "state", "valid_until"])
    .where("space_id", "=", spaceId)
    .where(live(at));
  if (siren) q = q.where("siren", "=", siren);
  return q.orderBy("siren").orderBy("service").execute();
}

export async function holdsAny(db: Executor, spaceId: string, siren: string, at: Date): Promise<boolean> {
  const row = await db.selectFrom("rights").select("id").where("space_id", "=", spaceId).where("siren", "=", siren).where(live(at)).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Whether the person holds a live right of this role on the SIREN (for this service, or any when undefined). */
export async function holdsRole(
  db: Executor,
  spaceId: string,
  siren: string,
  service: string | undefined,
  role: "administrator" | "deputy" | "delegate",
  at: Date,
): Promise<boolean> {
  let q = db.selectFrom("rights").select("id").where("space_id", "=", spaceId).where("siren", "=", siren);
  if (service !== undefined) q = q.where("service", "=", service);
  const row = await q.where("role", "=", role).where(live(at)).limit(1).executeTakeFirst();
  return row !== undefined;
}

/** Every right of a person on a company, whatever their state (the policy decides). */
export async function rightsOf(db: Executor, spaceId: string, siren: string) {
  return db
    .selectFrom("rights")
    .select(["id", "service", "role", "tax_scope", "state", "valid_from", "valid_until", "adhesion_id", "granted_by_space"])
    .where("space_id", "=", spaceId)
    .where("siren", "=", siren)
    .where("state", "<>", "revoked")
    .execute();
}

/** The gate's query: one indexed lookup, read fresh on every call. */
export async function liveRightFor(db: Executor, spaceId: string, siren: string, service: string, at: Date, tax?: string): Promise<boolean> {
  let q = db.selectFrom("rights").select("id").where("space_id", "=", spaceId).where("siren", "=", siren).where("service", "=", service).where(live(at));
  if (tax !== undefined) q = q.where((eb) => eb.or([eb("tax_scope", "is", null), sql<boolean>`tax_scope ? ${tax}`]));
  return (await q.limit(1).executeTakeFirst()) !== undefined;
}

/** The people holding the granter chain of a right (itself included): a grant to one of them would close a cycle. */
export async function chainSpaces(db: Executor, rightId: string): Promise<string[]> {
  const res = await sql<{ space_id: string }>`
    WITH RECURSIVE chain AS (
      SELECT id, space_id, granted_by_right, 1 AS depth FROM rights WHERE id = ${rightId}
      UNION ALL
      SELECT r.id, r.space_id, r.granted_by_right, c.depth + 1 FROM rights r JOIN chain c ON r.id = c.granted_by_right WHERE c.depth < 50
    ) SELECT space_id FROM chain`.execute(db);
  return res.rows.map((r) => r.space_id);
}

export async function insertOffer(db: Executor, row: NewRow<"delegation_offers">): Promise<void> {
  await db.insertInto("delegation_offers").values(row).execute();
}

export async function lockOffer(db: Executor, id: string) {
  return db.selectFrom("delegation_offers").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

export async function setOfferStatus(db: Executor, id: string, status: "accepted" | "declined" | "expired" | "cancelled" | "revoked", at: Date): Promise<void> {
  await db.updateTable("delegation_offers").set({ status, decided_at: at }).where("id", "=", id).execute();
}

/** Offers made to a person or by her, newest first, a page at a time (keyset on created_at, id). */
export async function offersOf(
  db: Executor,
  spaceId: string,
  o: { direction?: "received" | "given" | undefined; pending?: boolean | undefined; limit: number; after?: { at: Date; id: string } | undefined },
) {
  let q = db.selectFrom("delegation_offers").selectAll();
  if (o.direction === "received") q = q.where("to_space_id", "=", spaceId);
  else if (o.direction === "given") q = q.where("from_space_id", "=", spaceId);
  else q = q.where((eb) => eb.or([eb("to_space_id", "=", spaceId), eb("from_space_id", "=", spaceId)]));
  if (o.pending) q = q.where("status", "=", "offered");
  if (o.after) q = q.where(sql<boolean>`(created_at, id) < (${o.after.at}, ${o.after.id}::uuid)`);
  return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(o.limit).execute();
}

/** The rights created by accepted offers, in one query. */
export async function rightsOfOffers(db: Executor, offerIds: string[]) {
  if (offerIds.length === 0) return [];
  return db.selectFrom("rights").select(["offer_id", "state"]).where("offer_id", "in", offerIds).execute();
}

export async function rightsOfOffer(db: Executor, offerId: string) {
  return db.selectFrom("rights").select(["id", "state", "suspended_by", "granted_by_right"]).where("offer_id", "=", offerId).execute();
}

/** All live-or-suspended descendants of some rights (the rights granted from them, transitively). */
export async function descendantsOf(db: Executor, ids: string[]): Promise<{ id: string; state: string; suspended_by: string | null }[]> {
  if (ids.length === 0) return [];
  const res = await sql<{ id: string; state: string; suspended_by: string | null }>`
    WITH RECURSIVE d AS (
      SELECT id, state, suspended_by, 1 AS depth FROM rights WHERE granted_by_right = ANY(${ids}::uuid[]) AND state <> 'revoked'
      UNION ALL
      SELECT r.id, r.state, r.suspended_by, d.depth + 1 FROM rights r JOIN d ON r.granted_by_right = d.id WHERE r.state <> 'revoked' AND d.depth < 50
    ) SELECT DISTINCT id, state, suspended_by FROM d`.execute(db);
  return res.rows;
}

export async function revokeIds(db: Executor, ids: string[], at: Date): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await db
    .updateTable("rights")
    .set({ state: "revoked", revoked_at: at })
    .where("id", "in", ids)
    .where("state", "<>", "revoked")
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

export async function suspendIds(db: Executor, ids: string[], by: string | null): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable("rights")
    .set((eb) => ({ state: "suspended", suspended_by: by ?? eb.ref("id") }))
    .where("id", "in", ids)
    .where("state", "=", "active")
    .execute();
}

export async function reactivateIds(db: Executor, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable("rights").set({ state: "active", suspended_by: null }).where("id", "in", ids).where("state", "=", "suspended").execute();
}

export async function findRight(db: Executor, id: string) {
  return db.selectFrom("rights").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The right, its row locked until the transaction ends (state checks and changes happen under the lock). */
export async function lockRight(db: Executor, id: string) {
  return db.selectFrom("rights").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
}

/** Every person with a right on a company (who acts for it). */
export async function rightsOnCompany(db: Executor, siren: string) {
  return db
    .selectFrom("rights")
    .select([
      "id",
      "space_id",
      "service",
      "role",
      "tax_scope",
      "state",
      "valid_from",
      "valid_until",
      "granted_by_space",
      "granted_by_right",
      "created_at",
      "team_id",
    ])
    .where("siren", "=", siren)
    .where("state", "<>", "revoked")
    .orderBy("created_at")
    .execute();
}

export async function expireOffers(db: Executor, at: Date) {
  return db
    .updateTable("delegation_offers")
    .set({ status: "expired", decided_at: at })
    .where("status", "=", "offered")
    .where("expires_at", "<=", at)
    .returning(["id", "siren"])
    .execute();
}

/** Deletes the records of rights revoked before `before` (kept one year, product §7). */
export async function purgeRevoked(db: Executor, before: Date) {
  // Children are revoked with (or before) their parents, so they go in the same statement; the links from rights
  // still kept are cleared first.
  await db
    .updateTable("rights")
    .set({ granted_by_right: null })
    .where("granted_by_right", "in", db.selectFrom("rights").select("id").where("state", "=", "revoked").where("revoked_at", "<", before))
    .where((eb) => eb.or([eb("state", "<>", "revoked"), eb("revoked_at", ">=", before)]))
    .execute();
  return db.deleteFrom("rights").where("state", "=", "revoked").where("revoked_at", "<", before).returning(["id", "siren", "space_id"]).execute();
}

/** Live rights whose end date has passed (the expiry job journals them; the gate already ignores them). */
export async function newlyExpired(db: Executor, since: Date, at: Date) {
  return db
    .selectFrom("rights")
    .select(["id", "siren", "space_id", "service"])
    .where("valid_until", ">", since)
    .where("valid_until", "<=", at)
    .where("state", "=", "active")
    .execute();
}

export async function liveRightsIn(db: Executor, spaceId: string, at: Date, sirens: string[]) {
  return db
    .selectFrom("rights")
    .select(["siren", "service", "role", "tax_scope", "state", "valid_until"])
    .where("space_id", "=", spaceId)
    .where("siren", "in", sirens)
    .where(live(at))
    .execute();
}

/**
 * The visibility of requests (product §8) as a condition on an outer query over `requests`: the person holds a
 * live `messagerie` right on the request's company whose tax scope includes its tax (unscoped covers all). The person
 * and the time are values, or columns of the outer query (a batch of replies reads each one's from its own row).
 */
export function messagerieScope(spaceId: string | RawBuilder<string>, at: Date | RawBuilder<Date>) {
  return sql<boolean>`EXISTS (
    SELECT 1 FROM rights g
    WHERE ${liveMessagerieOf(spaceId, at)} AND g.siren = requests.siren AND (g.tax_scope IS NULL OR g.tax_scope ? requests.tax))`;
}

/** The rights `g` that are the person's live messagerie rights: what messagerieScope and messagerieCovers read. */
const liveMessagerieOf = (spaceId: string | RawBuilder<string>, at: Date | RawBuilder<Date>) =>
  sql<boolean>`g.space_id = ${spaceId} AND g.service = 'messagerie' AND ${liveRight("g", at)}`;

/**
 * messagerieScope for a walk over many requests: the same rule, read as two sets built once per statement (her
 * companies whose right covers every tax; her (company, tax) pairs of tax-scoped rights) and probed by hash for each
 * request passed, where the EXISTS would probe the rights once per request. Under an OR the planner keeps them
 * hashed SubPlans instead of joins (a join would sort the requests, losing the walk's order), and estimates them
 * loosely enough that a short serial walk wins over parallel workers.
 */
export function messagerieCovers(spaceId: string, at: Date) {
  const mine = liveMessagerieOf(spaceId, at);
  return sql<boolean>`(requests.siren IN (SELECT g.siren FROM rights g WHERE ${mine} AND g.tax_scope IS NULL)
    OR (requests.siren, requests.tax) IN (
      SELECT g.siren, t.tax FROM rights g CROSS JOIN LATERAL jsonb_array_elements_text(g.tax_scope) AS t(tax) WHERE ${mine} AND g.tax_scope IS NOT NULL))`;
}

/**
 * The (company, tax scope) pairs of a person's live messagerie rights, when she holds them on at most `max`
 * companies (undefined beyond); with, in the same round trip, how many companies her portfolio holds (rights of any
 * service, adhesions pending: an upper bound of her messagerie's), which tells a portfolio from a national reach.
 */
export async function messagerieReach(
  db: Executor,
  spaceId: string,
  at: Date,
  max: number,
): Promise<{ reach: { siren: string; taxScope: string[] | null }[] | undefined; portfolio: number }> {
  const rows = await db
    .selectFrom("rights")
    .select(["siren", "tax_scope", sql<number | null>`(SELECT c.entries FROM portfolio_counts c WHERE c.space_id = ${spaceId})`.as("portfolio")])
    .where("space_id", "=", spaceId)
    .where("service", "=", "messagerie")
    .where(live(at))
    .orderBy("siren")
    .limit(max * 4 + 1)
    .execute();
  const sirens = new Set(rows.map((r) => r.siren));
  const portfolio = rows[0]?.portfolio ?? 0;
  if (sirens.size > max || rows.length > max * 4) return { reach: undefined, portfolio };
  return { reach: rows.map((r) => ({ siren: r.siren, taxScope: r.tax_scope })), portfolio };
}

/** The people whose live messagerie right covers this company and tax (who should hear about its requests). */
export async function messagerieHolders(db: Executor, siren: string, tax: string, at: Date): Promise<string[]> {
  const rows = await db
    .selectFrom("rights")
    .select("space_id")
    .distinct()
    .where("siren", "=", siren)
    .where("service", "=", "messagerie")
    .where(live(at))
    .where((eb) => eb.or([eb("tax_scope", "is", null), sql<boolean>`tax_scope ? ${tax}`]))
    .execute();
  return rows.map((r) => r.space_id);
}
