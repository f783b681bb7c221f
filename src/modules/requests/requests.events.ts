import type { FastifyReply, FastifyRequest } from "fastify";
import { sql, type Kysely } from "kysely";
import type { DB } from "../../platform/db/schema.js";
import type { Clock } from "../../platform/clock.js";
import type { Logger } from "../../platform/logger.js";
import { messagerieHolders, messagerieScope } from "../rights/index.js";
import { EVENTS_CHANNEL } from "./requests.service.js";
import { forgetStreams, refreshStreams, registerStream, STREAM_REFRESH_MS, STREAMS_CHANNEL } from "./requests.streams.js";

/** A connected person (by space), or an agent (by the services whose queue he watches). */
export type EventAudience = { spaceId: string } | { agentServices: string[] };
export type EventClient = EventAudience & {
  /** The session the stream belongs to: at most MAX_STREAMS_PER_SESSION streams each, across all processes. */
  session: string;
  send(event: string, data: unknown, id: string): void;
  /** Ends the stream, telling the browser not to reopen it. */
  evict(): void;
  /** Ends the stream with a retry hint: the browser reopens it (to another process) and catches up. */
  release(): void;
};

/**
 * How far back a reconnecting client (or the hub after an outage) catches up, at most; and by how much a catch-up
 * reaches before the last event it saw. An event's id is the time its write began, and writes commit in another
 * order than they began (two processes, a slow transaction, a commit waiting for the synchronous standby): a write
 * that began before the last event seen may commit after it. Replaying `overlapMs` more sends some events twice
 * (harmless: an event only says « this request changed ») and loses none that committed within that delay.
 */
export const CATCH_UP = { maxAgeMs: 24 * 3600_000, maxEvents: 200, hubMaxEvents: 1000, overlapMs: 10_000 };
const overlapped = (since: Date) => new Date(since.getTime() - CATCH_UP.overlapMs);

type RequestEventRow = { id: string; reference: string; siren: string; tax: string; status: string; last_activity_at: Date; service_code: string };
const EVENT_COLUMNS = ["id", "reference", "siren", "tax", "status", "last_activity_at", "service_code"] as const;

/** The id of an event: the request's last activity, so that a client reconnecting says how far it got. */
const eventId = (r: RequestEventRow) => r.last_activity_at.toISOString();

/** A client's `Last-Event-ID`, when it is one of ours and recent enough to catch up from. */
export function parseLastEventId(value: unknown, now: Date): Date | null {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(value)) return null;
  const at = new Date(value);
  if (Number.isNaN(at.getTime()) || at.getTime() > now.getTime() + 60_000 || now.getTime() - at.getTime() > CATCH_UP.maxAgeMs) return null;
  return at;
}

/**
 * Fans out request events to the people connected to this process (server-sent events). Events come from
 * PostgreSQL NOTIFY, so a change made through any process reaches the clients of every process. When the LISTEN
 * connection comes back after an outage, the hub replays the requests that changed meanwhile. The streams are counted
 * in the database (`requests.streams.ts`): a session holds at most MAX_STREAMS_PER_SESSION across all processes.
 */
export function createEventHub(deps: {
  db: Kysely<DB>;
  clock: Clock;
  logger: Logger;
  listen(channel: string, on: (payload: string) => void, onReconnect?: () => void): Promise<() => Promise<void>>;
}) {
  /** The streams this process holds, by their id in `event_streams`. */
  const clients = new Map<string, EventClient>();
  const unlisten: (() => Promise<void>)[] = [];
  let refresher: NodeJS.Timeout | undefined;
  /** The latest activity this hub has fanned out: after an outage it replays what came later. */
  let watermark = deps.clock.now();

  async function fanOut(rows: RequestEventRow[], event: string) {
    // Presence (who of the agents has the request open) and internal notes are the back office's own: never sent
    // to the company side.
    const agentsOnly = event === "presence.updated" || event === "note.added";
    const people = !agentsOnly && [...clients.values()].some((c) => "spaceId" in c);
    for (const r of rows) {
      if (r.last_activity_at > watermark) watermark = r.last_activity_at;
      // Visibility is read fresh for every event, like every request: a revoked person hears nothing more.
      const holders = new Set(people ? await messagerieHolders(deps.db, r.siren, r.tax, deps.clock.now()) : []);
      const data = { id: r.id, reference: r.reference, status: r.status, lastActivityAt: eventId(r) };
      for (const c of clients.values()) {
        if ("spaceId" in c ? !agentsOnly && holders.has(c.spaceId) : c.agentServices.includes(r.service_code))
          c.send(event, { ...data, ...("spaceId" in c ? {} : { serviceCode: r.service_code }) }, eventId(r));
      }
    }
  }

  async function dispatch(payload: string) {
    if (clients.size === 0) return;
    let event: { id: string; event: string };
    try {
      event = JSON.parse(payload) as { id: string; event: string };
    } catch {
      return;
    }
    const r = await deps.db.selectFrom("requests").select(EVENT_COLUMNS).where("id", "=", event.id).executeTakeFirst();
    if (r) await fanOut([r], event.event);
  }

  /** After LISTEN came back: what changed while it was down reaches the clients connected meanwhile. */
  async function replayMissed() {
    if (clients.size === 0) return;
    const rows = await deps.db
      .selectFrom("requests")
      .select(EVENT_COLUMNS)
      // From before the last one fanned out (CATCH_UP.overlapMs): a write that began earlier may have committed later.
      .where("last_activity_at", ">=", overlapped(watermark))
      .orderBy("last_activity_at")
      .limit(CATCH_UP.hubMaxEvents)
      .execute();
    await fanOut(rows, "request.updated");
  }

  const report = (what: string) => (error: unknown) => deps.logger.warn({ err: error instanceof Error ? error.message : String(error) }, what);

  /** Ends the streams of `ids` this process holds (evicted by a newer stream of their session) and forgets them. */
  function evictHere(ids: string[]) {
    const ended = ids.filter((id) => clients.has(id));
    for (const id of ended) {
      const client = clients.get(id)!;
      clients.delete(id);
      client.evict();
    }
    if (ended.length > 0) void forgetStreams(deps.db, ended).catch(report("stream rows not forgotten"));
  }

  /** Refreshes this process's streams in the database and closes those another process evicted meanwhile. */
  async function refresh() {
    const held = [...clients].map(([id, c]) => ({ id, session: c.session }));
    evictHere(await refreshStreams(deps.db, held, deps.clock.now()));
  }

  return {
    async start() {
      unlisten.push(
        await deps.listen(
          EVENTS_CHANNEL,
          (payload) => void dispatch(payload).catch(report("event dispatch failed")),
          () => {
            deps.logger.info("live updates: LISTEN connection back, replaying missed events");
            void replayMissed().catch(report("event replay failed"));
          },
        ),
      );
      // Another process evicted streams beyond a session's cap: those held here end. Should this word be missed
      // (the LISTEN connection down), the next refresh finds them marked.
      unlisten.push(
        await deps.listen(STREAMS_CHANNEL, (payload) => {
          try {
            const ids = JSON.parse(payload) as unknown;
            if (Array.isArray(ids)) evictHere(ids.filter((id): id is string => typeof id === "string"));
          } catch {
            // not ours
          }
        }),
      );
      refresher = setInterval(() => void refresh().catch(report("event streams not refreshed")), STREAM_REFRESH_MS);
      refresher.unref();
    },
    /**
     * Counts a new stream of `session` before it opens (across all processes) and ends the oldest streams beyond
     * the cap, here or in other processes; returns the stream's id, for `add`.
     */
    async open(session: string): Promise<string> {
      const { id, evicted } = await registerStream(deps.db, session, deps.clock.now());
      const elsewhere = evicted.filter((e) => !clients.has(e));
      evictHere(evicted);
      if (elsewhere.length > 0) await sql`SELECT pg_notify(${STREAMS_CHANNEL}, ${JSON.stringify(elsewhere)})`.execute(deps.db);
      return id;
    },
    /** Adds the stream `open` counted; returns the function that removes it (the client left). */
    add(id: string, client: EventClient): () => void {
      clients.set(id, client);
      return () => {
        if (clients.get(id) !== client) return;
        clients.delete(id);
        void forgetStreams(deps.db, [id]).catch(report("stream row not forgotten"));
      };
    },
    refresh,
    /** The requests `who` may see that changed after `since` (a reconnecting client's `Last-Event-ID`). */
    async catchUp(who: EventAudience, since: Date): Promise<RequestEventRow[]> {
      let q = deps.db.selectFrom("requests").select(EVENT_COLUMNS).where("last_activity_at", ">", overlapped(since));
      q =
        "spaceId" in who
          ? q.where(messagerieScope(who.spaceId, deps.clock.now()))
          : q.where("service_code", "in", who.agentServices.length ? who.agentServices : [""]);
      return q.orderBy("last_activity_at").limit(CATCH_UP.maxEvents).execute();
    },
    get size() {
      return clients.size;
    },
    /** Ends every stream with a retry hint (a process shutting down): browsers reconnect and catch up. */
    async releaseAll() {
      const ids = [...clients.keys()];
      for (const c of clients.values()) c.release();
      clients.clear();
      // Their rows go too, so that the reconnected streams do not count twice (a row left here would be the
      // session's oldest, the first evicted: it costs no live stream anything either way).
      await forgetStreams(deps.db, ids).catch(report("stream rows not forgotten"));
    },
    async stop() {
      clearInterval(refresher);
      await this.releaseAll();
      for (const stop of unlisten.splice(0)) await stop();
    },
  };
}
export type EventHub = ReturnType<typeof createEventHub>;

/**
 * Answers a request with a server-sent event stream of the hub's events for `who`, until the client leaves.
 * Every event carries an id; a browser reconnecting sends the last one (`Last-Event-ID`) and first receives what
 * it missed.
 */
export async function serveEventStream(req: FastifyRequest, reply: FastifyReply, hub: EventHub, who: EventAudience, session: string, now: Date): Promise<void> {
  const since = parseLastEventId(req.headers["last-event-id"], now);
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-store",
    Connection: "keep-alive",
    "X-Accel-Buffering": "no",
    "X-Request-Id": req.id,
  });
  // A connection that breaks is the client's leaving ('close' below), never an 'error' event that ends the process.
  res.on("error", (error) => req.log.debug({ err: error.message }, "event stream connection error"));
  let streamId: string;
  try {
    // Counted across all processes before anything is sent (the headers leave with the first write): the streams
    // of the session beyond the cap end, wherever they are.
    streamId = await hub.open(session);
  } catch (error) {
    // The database is briefly away: the browser reopens the stream after the hint (a 503 would stop it for good).
    req.log.warn({ err: error instanceof Error ? error.message : String(error) }, "event stream not counted");
    res.end("retry: 2000\n\n");
    return;
  }
  res.write("retry: 5000\n\n");
  /** Writes to the stream while it is open (an event may be fanned out after its end, before its 'close'). */
  const send = (text: string) => {
    if (!res.writableEnded && !res.destroyed) res.write(text);
  };
  const write = (event: string, data: unknown, id: string) => send(`id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  // The stream joins the hub before it reads what the client missed, so that nothing committed in between is lost;
  // the live events that arrive during that read wait, and those the read already gave are not sent twice.
  let held: { event: string; data: unknown; id: string }[] | undefined = [];
  // What the catch-up sent (a request at a state): the same change arriving live, during the read or after it (a
  // NOTIFY comes a moment after its commit), is not sent again.
  const replayed = new Set<string>();
  const fresh = (event: string, data: unknown, id: string) => !(event === "request.updated" && replayed.has(`${(data as { id: string }).id}@${id}`));
  // A comment every 25 s keeps proxies from closing an idle stream.
  const ping = setInterval(() => send(": ping\n\n"), 25_000);
  const end = (last: string) => {
    clearInterval(ping);
    if (!res.writableEnded && !res.destroyed) res.end(last);
  };
  const remove = hub.add(streamId, {
    ...who,
    session,
    send: (event, data, id) => (held ? held.push({ event, data, id }) : fresh(event, data, id) && write(event, data, id)),
    // The browser would reopen a stream that merely ends: this event tells our client to stop.
    evict: () => end(`event: stream.closed\ndata: ${JSON.stringify({ reason: "too_many_streams" })}\n\n`),
    // The browser's EventSource reopens after `retry` ms, sending Last-Event-ID: it misses nothing.
    release: () => end("retry: 2000\n\n"),
  });
  const leave = () => {
    clearInterval(ping);
    remove();
  };
  req.raw.on("close", leave);
  // The client may have left while the stream was being counted.
  if (res.destroyed || req.raw.socket.destroyed) leave();
  try {
    for (const r of since ? await hub.catchUp(who, since) : []) {
      const data = { id: r.id, reference: r.reference, status: r.status, lastActivityAt: eventId(r) };
      write("request.updated", "spaceId" in who ? data : { ...data, serviceCode: r.service_code }, eventId(r));
      replayed.add(`${r.id}@${eventId(r)}`);
    }
  } catch (error) {
    // The database is briefly away: the browser reconnects with its Last-Event-ID and catches up then.
    req.log.warn({ err: error instanceof Error ? error.message : String(error) }, "event stream catch-up failed");
    remove();
    end("retry: 2000\n\n");
    return;
  }
  const waiting = held;
  held = undefined;
  for (const e of waiting) if (fresh(e.event, e.data, e.id)) write(e.event, e.data, e.id);
}
