import { sql } from "kysely";
import type { Executor, Tx } from "../../platform/db/database.js";
import type { NewRow } from "../../platform/db/schema.js";

export async function insertTeam(tx: Tx, row: NewRow<"teams">): Promise<void> {
  await tx.insertInto("teams").values(row).execute();
}

/** An open team (a closed one reads as gone). */
export async function findTeam(db: Executor | Tx, id: string) {
  return db.selectFrom("teams").selectAll().where("id", "=", id).where("closed_at", "is", null).executeTakeFirst();
}

/** The open team, its row locked until the transaction ends: changes of one team (members, companies) happen one at a time. */
export async function lockTeam(tx: Tx, id: string) {
  return tx.selectFrom("teams").selectAll().where("id", "=", id).where("closed_at", "is", null).forUpdate().executeTakeFirst();
}

export async function renameTeam(tx: Tx, id: string, name: string): Promise<void> {
  await tx.updateTable("teams").set({ name }).where("id", "=", id).execute();
}

/** Closes the team: its members and companies go, its row stays for the history of the rights it gave. */
export async function closeTeam(tx: Tx, id: string, at: Date): Promise<void> {
  await tx.deleteFrom("team_members").where("team_id", "=", id).execute();
  await tx.deleteFrom("team_companies").where("team_id", "=", id).execute();
  await tx.updateTable("teams").set({ closed_at: at }).where("id", "=", id).execute();
}

/** Whether another open team of the entity has this name (case ignored); `except`: the team being renamed. */
export async function teamNameTaken(db: Executor | Tx, entitySiren: string, name: string, except?: string): Promise<boolean> {
  let q = db
    .selectFrom("teams")
    .select("id")
    .where("entity_siren", "=", entitySiren)
    .where("closed_at", "is", null)
    .where(sql<boolean>`lower(name) = lower(${name})`);
  if (except) q = q.where("id", "<>", except);
  const row = await q.executeTakeFirst();
  return row !== undefined;
}

/**
 * The teams of an entity a person sees, newest first, a page at a time (keyset on created_at, id): all of them for
 * an administrator of the entity, else those she belongs to (invited or active). `q`: words of the name.
 */
export async function teamsOf(
  db: Executor,
  p: { entitySiren: string; spaceId: string; all: boolean; q?: string | undefined; limit: number; after?: { at: Date; id: string } | undefined },
) {
  let q = db.selectFrom("teams").selectAll().where("entity_siren", "=", p.entitySiren).where("closed_at", "is", null);
  if (!p.all) {
    q = q.where((eb) =>
      eb.or([
        eb("owner_space_id", "=", p.spaceId),
        eb.exists(eb.selectFrom("team_members as m").select("m.team_id").whereRef("m.team_id", "=", "teams.id").where("m.space_id", "=", p.spaceId)),
      ]),
    );
  }
  for (const word of (p.q ?? "").split(/\s+/).filter(Boolean)) {
    q = q.where(sql<boolean>`strpos(lower(name), lower(${word})) > 0`);
  }
  if (p.after) q = q.where(sql<boolean>`(created_at, id) < (${p.after.at}, ${p.after.id}::uuid)`);
  return q.orderBy("created_at", "desc").orderBy("id", "desc").limit(p.limit).execute();
}

/** Per team: its active members, its invited ones and its companies, in two grouped queries. */
export async function teamCounts(db: Executor, teamIds: string[]) {
  const out = new Map(teamIds.map((id) => [id, { active: 0, invited: 0, companies: 0 }]));
  if (teamIds.length === 0) return out;
  const members = await db
    .selectFrom("team_members")
    .select(["team_id", "state", (eb) => eb.fn.countAll<string>().as("n")])
    .where("team_id", "in", teamIds)
    .groupBy(["team_id", "state"])
    .execute();
  for (const m of members) out.get(m.team_id)![m.state] = Number(m.n);
  const companies = await db
    .selectFrom("team_companies")
    .select(["team_id", (eb) => eb.fn.countAll<string>().as("n")])
    .where("team_id", "in", teamIds)
    .groupBy("team_id")
    .execute();
  for (const c of companies) out.get(c.team_id)!.companies = Number(c.n);
  return out;
}

export async function membersOf(db: Executor | Tx, teamId: string) {
  return db.selectFrom("team_members").selectAll().where("team_id", "=", teamId).orderBy("invited_at").orderBy("space_id").execute();
}

/** A person's place in teams, in one query. */
export async function membershipsOf(db: Executor, spaceId: string, teamIds: string[]) {
  if (teamIds.length === 0) return [];
  return db.selectFrom("team_members").select(["team_id", "state"]).where("space_id", "=", spaceId).where("team_id", "in", teamIds).execute();
}

export async function findMember(db: Executor | Tx, teamId: string, spaceId: string) {
  return db.selectFrom("team_members").selectAll().where("team_id", "=", teamId).where("space_id", "=", spaceId).executeTakeFirst();
}

export async function insertMember(tx: Tx, row: NewRow<"team_members">): Promise<void> {
  await tx.insertInto("team_members").values(row).execute();
}

export async function activateMember(tx: Tx, teamId: string, spaceId: string, at: Date): Promise<void> {
  await tx.updateTable("team_members").set({ state: "active", joined_at: at }).where("team_id", "=", teamId).where("space_id", "=", spaceId).execute();
}

export async function deleteMember(tx: Tx, teamId: string, spaceId: string): Promise<void> {
  await tx.deleteFrom("team_members").where("team_id", "=", teamId).where("space_id", "=", spaceId).execute();
}

export async function activeMemberIds(tx: Tx, teamId: string): Promise<string[]> {
  const rows = await tx.selectFrom("team_members").select("space_id").where("team_id", "=", teamId).where("state", "=", "active").execute();
  return rows.map((r) => r.space_id);
}

/** Every company of the team (for a member who joins: her rights on all of them). */
export async function sirensOf(tx: Tx, teamId: string): Promise<string[]> {
  const rows = await tx.selectFrom("team_companies").select("siren").where("team_id", "=", teamId).orderBy("siren").execute();
  return rows.map((r) => r.siren);
}

/** Which of these companies the team already has. */
export async function sirensIn(tx: Tx, teamId: string, sirens: string[]): Promise<Set<string>> {
  if (sirens.length === 0) return new Set();
  const rows = await tx.selectFrom("team_companies").select("siren").where("team_id", "=", teamId).where("siren", "in", sirens).execute();
  return new Set(rows.map((r) => r.siren));
}

export async function insertCompanies(tx: Tx, teamId: string, sirens: string[], at: Date): Promise<void> {
  if (sirens.length === 0) return;
  await tx
    .insertInto("team_companies")
    .values(sirens.map((siren) => ({ team_id: teamId, siren, added_at: at })))
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export async function deleteCompany(tx: Tx, teamId: string, siren: string): Promise<boolean> {
  const res = await tx.deleteFrom("team_companies").where("team_id", "=", teamId).where("siren", "=", siren).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

/** The team's companies by SIREN, a page at a time (keyset on the SIREN); `prefix`: the start of a SIREN. */
export async function pageCompanies(db: Executor, teamId: string, p: { prefix?: string | undefined; after?: string | undefined; limit: number }) {
  let q = db.selectFrom("team_companies").select(["siren", "added_at"]).where("team_id", "=", teamId);
  if (p.prefix) q = q.where("siren", "like", `${p.prefix}%`);
  if (p.after) q = q.where("siren", ">", p.after);
  return q.orderBy("siren").limit(p.limit).execute();
}

export async function teamsByIds(db: Executor, ids: string[]) {
  if (ids.length === 0) return [];
  return db.selectFrom("teams").select(["id", "name", "entity_siren"]).where("id", "in", ids).execute();
}
