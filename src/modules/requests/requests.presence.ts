import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import { notFound, notifyChange, type RequestsDeps } from "./requests.service.js";
import type { AgentScope } from "./requests.queue.js";

/** A presence not refreshed for this long is over (the page's heartbeat comes every 10 s). */
export const PRESENCE_TTL_MS = 30_000;

export type Presence = { agent: { id: string; displayName: string }; typing: boolean; since: Date };

async function requestOfAgent(db: Kysely<DB>, agent: AgentScope, id: string) {
  const r = await db.selectFrom("requests").select(["id", "service_code"]).where("id", "=", id).executeTakeFirst();
  if (!r || !agent.services.includes(r.service_code)) throw notFound();
  return r;
}

/** The other agents who have the request open (heartbeat within the last 30 s), and whether they are typing. */
export async function presenceOf(deps: Pick<RequestsDeps, "db" | "clock">, agent: AgentScope, id: string): Promise<Presence[]> {
  await requestOfAgent(deps.db, agent, id);
  const rows = await deps.db
    .selectFrom("request_presence as p")
    .innerJoin("agents as a", "a.id", "p.agent_id")
    .select(["a.id", "a.name", "p.typing", "p.seen_at"])
    .where("p.request_id", "=", id)
    .where("p.agent_id", "!=", agent.id)
    .where("p.seen_at", ">", new Date(deps.clock.now().getTime() - PRESENCE_TTL_MS))
    .orderBy("a.name")
    .execute();
  return rows.map((p) => ({ agent: { id: p.id, displayName: p.name }, typing: p.typing, since: p.seen_at }));
}

/**
 * The page's heartbeat: the agent has the request open (typing or not). The colleagues' pages hear of it by the
 * live stream (`presence.updated`, through PostgreSQL NOTIFY: every process) when it changes something they show
 * — an arrival, typing started or stopped —, not at every beat. Answers the colleagues present.
 */
export async function beat(deps: Pick<RequestsDeps, "db" | "clock">, agent: AgentScope, id: string, typing: boolean): Promise<Presence[]> {
  await requestOfAgent(deps.db, agent, id);
  const now = deps.clock.now();
  const before = await deps.db
    .selectFrom("request_presence")
    .select(["typing", "seen_at"])
    .where("request_id", "=", id)
    .where("agent_id", "=", agent.id)
    .executeTakeFirst();
  await deps.db
    .insertInto("request_presence")
    .values({ request_id: id, agent_id: agent.id, typing, seen_at: now })
    .onConflict((oc) => oc.columns(["request_id", "agent_id"]).doUpdateSet({ typing, seen_at: now }))
    .execute();
  const arrived = !before || now.getTime() - before.seen_at.getTime() > PRESENCE_TTL_MS;
  if (arrived || before.typing !== typing) notifyChange(deps.db, id, "presence.updated");
  return presenceOf(deps, agent, id);
}

/** The agent left the request's page. */
export async function leave(deps: Pick<RequestsDeps, "db" | "clock">, agent: AgentScope, id: string): Promise<void> {
  await requestOfAgent(deps.db, agent, id);
  const gone = await deps.db.deleteFrom("request_presence").where("request_id", "=", id).where("agent_id", "=", agent.id).executeTakeFirst();
  if (gone.numDeletedRows > 0n) notifyChange(deps.db, id, "presence.updated");
}

/** Forgets presences long over (run with the other periodic jobs; a stale row is harmless meanwhile). */
export async function prunePresence(deps: Pick<RequestsDeps, "db" | "clock">): Promise<number> {
  const gone = await deps.db
    .deleteFrom("request_presence")
    .where("seen_at", "<", new Date(deps.clock.now().getTime() - 10 * PRESENCE_TTL_MS))
    .executeTakeFirst();
  return Number(gone.numDeletedRows);
}
