import type { Executor } from "../../platform/db/database.js";
import type { NewRow } from "../../platform/db/schema.js";

export async function insertRights(db: Executor, rows: NewRow<"rights">[]): Promise<void> {
  if (rows.length > 0) await db.insertInto("rights").values(rows).execute();
}

/** Revokes the live rights that came from an adhesion, and every right granted from them (cascade). */
export async function revokeFromAdhesion(db: Executor, adhesionId: string, at: Date): Promise<number> {
  const direct = await db
    .updateTable("rights")
    .set({ state: "revoked", revoked_at: at })
    .where("adhesion_id", "=", adhesionId)
    .where("state", "<>", "revoked")
    .returning("id")
    .execute();
  let frontier = direct.map((r) => r.id);
  let total = frontier.length;
  while (frontier.length > 0) {
    const next = await db
      .updateTable("rights")
      .set({ state: "revoked", revoked_at: at })
      .where("granted_by_right", "in", frontier)
      .where("state", "<>", "revoked")
      .returning("id")
      .execute();
    frontier = next.map((r) => r.id);
    total += frontier.length;
  }
  return total;
}

/** The live rights of a person (active, started, not expired), optionally on one SIREN. */
export async function liveRightsOf(db: Executor, spaceId: string, at: Date, siren?: string) {
  let q = db
    .selectFrom("rights")
    .select(["id", "siren", "service", "role", "tax_scope", "state", "valid_until"])
    .where("space_id", "=", spaceId)
    .where("state", "=", "active")
    .where("valid_from", "<=", at)
    .where((eb) => eb.or([eb("valid_until", "is", null), eb("valid_until", ">", at)]));
  if (siren) q = q.where("siren", "=", siren);
  return q.orderBy("siren").orderBy("service").execute();
}

export async function holdsAny(db: Executor, spaceId: string, siren: string, at: Date): Promise<boolean> {
  const row = await db
    .selectFrom("rights")
    .select("id")
    .where("space_id", "=", spaceId)
    .where("siren", "=", siren)
    .where("state", "=", "active")
    .where("valid_from", "<=", at)
    .where((eb) => eb.or([eb("valid_until", "is", null), eb("valid_until", ">", at)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function holdsRole(db: Executor, spaceId: string, siren: string, service: string, role: "administrator" | "deputy" | "delegate", at: Date): Promise<boolean> {
  const row = await db
    .selectFrom("rights")
    .select("id")
    .where("space_id", "=", spaceId)
    .where("siren", "=", siren)
    .where("service", "=", service)
    .where("role", "=", role)
    .where("state", "=", "active")
    .where("valid_from", "<=", at)
    .where((eb) => eb.or([eb("valid_until", "is", null), eb("valid_until", ">", at)]))
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
