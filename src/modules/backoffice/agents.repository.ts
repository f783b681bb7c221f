import type { Executor } from "../../platform/db/database.js";
import type { NewRow } from "../../platform/db/schema.js";

export async function findAgentByEmail(db: Executor, email: string) {
  return db.selectFrom("agents").selectAll().where("email", "=", email).executeTakeFirst();
}

export async function findAgentById(db: Executor, id: string) {
  return db.selectFrom("agents").selectAll().where("id", "=", id).executeTakeFirst();
}

export async function insertAgent(db: Executor, row: NewRow<"agents">, services: string[]): Promise<void> {
  await db.insertInto("agents").values(row).execute();
  await db
    .insertInto("agent_services")
    .values(services.map((s) => ({ agent_id: row.id, service_code: s })))
    .execute();
}

/** Records the TOTP step just used, only if it is newer (two concurrent sign-ins cannot both use one code). */
export async function advanceTotpStep(db: Executor, agentId: string, step: number): Promise<boolean> {
  const res = await db
    .updateTable("agents")
    .set({ last_totp_step: String(step) })
    .where("id", "=", agentId)
    .where("last_totp_step", "<", String(step))
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

export async function listAgentServices(db: Executor, agentId: string) {
  return db
    .selectFrom("agent_services as a")
    .innerJoin("tax_services as s", "s.code", "a.service_code")
    .select(["s.code", "s.name", "s.type"])
    .where("a.agent_id", "=", agentId)
    .orderBy("s.code")
    .execute();
}

export async function listAgents(db: Executor) {
  return db.selectFrom("agents").select(["id", "email", "name", "is_supervisor"]).orderBy("email").execute();
}

/** Names of agents (assignees, note authors). */
export async function agentNames(db: Executor, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom("agents").select(["id", "name"]).where("id", "in", ids).execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

export async function isMemberOf(db: Executor, agentId: string, serviceCode: string): Promise<boolean> {
  const row = await db
    .selectFrom("agent_services")
    .select("agent_id")
    .where("agent_id", "=", agentId)
    .where("service_code", "=", serviceCode)
    .executeTakeFirst();
  return row !== undefined;
}

/** The agents of some services (colleagues one may assign a request to). */
export async function agentsOfServices(db: Executor, services: string[]) {
  if (services.length === 0) return [];
  return db
    .selectFrom("agents as a")
    .innerJoin("agent_services as s", "s.agent_id", "a.id")
    .select(["a.id", "a.name", "s.service_code"])
    .where("s.service_code", "in", services)
    .orderBy("a.name")
    .execute();
}

/** The subjects of campaigns, for the letters they sent (the adhesion desk names a campaign letter by its subject). */
export async function campaignSubjects(db: Executor, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom("campaigns").select(["id", "subject"]).where("id", "in", ids).execute();
  return new Map(rows.map((r) => [r.id, r.subject]));
}

// Answer templates ---------------------------------------------------------------------------------------------------

export async function templatesOf(db: Executor, services: string[]) {
  if (services.length === 0) return [];
  return db.selectFrom("answer_templates").selectAll().where("service_code", "in", services).orderBy("service_code").orderBy("title").execute();
}

export async function insertTemplate(db: Executor, row: NewRow<"answer_templates">): Promise<void> {
  await db.insertInto("answer_templates").values(row).execute();
}

export async function findTemplate(db: Executor, id: string) {
  return db.selectFrom("answer_templates").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The template as now stored, or undefined when it is gone. */
export async function updateTemplate(db: Executor, id: string, values: { title: string; body: string }) {
  return db.updateTable("answer_templates").set(values).where("id", "=", id).returningAll().executeTakeFirst();
}

export async function deleteTemplate(db: Executor, id: string): Promise<void> {
  await db.deleteFrom("answer_templates").where("id", "=", id).execute();
}
