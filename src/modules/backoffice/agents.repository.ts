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
  await db.insertInto("agent_services").values(services.map((s) => ({ agent_id: row.id, service_code: s }))).execute();
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
