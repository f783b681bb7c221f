import type { FastifyReply, FastifyRequest } from "fastify";
import type { Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Clock } from "../../platform/clock.js";
import type { Logger } from "../../platform/logger.js";
import { messagerieHolders } from "../rights/index.js";
import { EVENTS_CHANNEL } from "./requests.service.js";

/** A connected person (by space), or an agent (by the services whose queue he watches). */
export type EventClient = ({ spaceId: string } | { agentServices: string[] }) & { send(event: string, data: unknown): void };

/**
 * Fans out request events to the people connected to this process (server-sent events). Events come from
 * PostgreSQL NOTIFY, so a change made through any process reaches the clients of every process.
 */
export function createEventHub(deps: { db: Kysely<DB>; clock: Clock; logger: Logger; listen(channel: string, on: (payload: string) => void): Promise<() => Promise<void>> }) {
  const clients = new Set<EventClient>();
  let unlisten: (() => Promise<void>) | undefined;

  async function dispatch(payload: string) {
    if (clients.size === 0) return;
    let event: { id: string; event: string };
    try {
      event = JSON.parse(payload) as { id: string; event: string };
    } catch {
      return;
    }
    const r = await deps.db.selectFrom("requests").select(["id", "reference", "siren", "tax", "status", "last_activity_at", "service_code"]).where("id", "=", event.id).executeTakeFirst();
    if (!r) return;
    // Visibility is read fresh for every event, like every request: a revoked person hears nothing more.
    const people = [...clients].some((c) => "spaceId" in c);
    const holders = new Set(people ? await messagerieHolders(deps.db, r.siren, r.tax, deps.clock.now()) : []);
    const data = { id: r.id, reference: r.reference, status: r.status, lastActivityAt: r.last_activity_at.toISOString() };
    for (const c of clients) {
      if ("spaceId" in c ? holders.has(c.spaceId) : c.agentServices.includes(r.service_code)) c.send(event.event, { ...data, ...("spaceId" in c ? {} : { serviceCode: r.service_code }) });
    }
  }

  return {
    async start() {
      unlisten = await deps.listen(EVENTS_CHANNEL, (payload) => {
        dispatch(payload).catch((error: unknown) => deps.logger.warn({ err: error instanceof Error ? error.message : String(error) }, "event dispatch failed"));
      });
    },
    add(client: EventClient): () => void {
      clients.add(client);
      return () => clients.delete(client);
    },
    get size() {
      return clients.size;
    },
    async stop() {
      clients.clear();
      await unlisten?.();
    },
  };
}
export type EventHub = ReturnType<typeof createEventHub>;

/** Answers a request with a server-sent event stream of the hub's events for `who`, until the client leaves. */
export function serveEventStream(req: FastifyRequest, reply: FastifyReply, hub: EventHub, who: { spaceId: string } | { agentServices: string[] }): void {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    Connection: "keep-alive",
    "X-Accel-Buffering": "no",
    "X-Request-Id": req.id,
  });
  res.write("retry: 5000\n\n");
  const remove = hub.add({ ...who, send: (event, data) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`) });
  // A comment every 25 s keeps proxies from closing an idle stream.
  const ping = setInterval(() => res.write(": ping\n\n"), 25_000);
  req.raw.on("close", () => {
    clearInterval(ping);
    remove();
  });
}
