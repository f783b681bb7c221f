import { request as httpRequest, type IncomingMessage } from "node:http";

export type SseEvent = { event: string; data: Record<string, unknown>; id?: string };
export type Stream = {
  events: SseEvent[];
  status: number;
  readonly ended: boolean;
  /** Everything received, as sent. */ readonly raw: string;
  /** Settles when the server ended the stream. */ finished: Promise<void>;
  close(): void;
};

/** Opens an event stream as a browser's EventSource would (optionally with `Last-Event-ID`), collecting events. */
export function openStream(base: string, cookie: string, path = "/api/v1/events", headers: Record<string, string> = {}): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    let ended = false;
    const req = httpRequest(`${base}${path}`, { headers: { cookie, accept: "text/event-stream", ...headers } }, (res: IncomingMessage) => {
      let buffer = "";
      let raw = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffer += chunk;
        raw += chunk;
        let at: number;
        while ((at = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const event = /^event: (.+)$/m.exec(block)?.[1];
          const data = /^data: (.+)$/m.exec(block)?.[1];
          const id = /^id: (.+)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown>, ...(id ? { id } : {}) });
        }
      });
      let settle: () => void = () => {};
      const finished = new Promise<void>((r) => (settle = r));
      res.on("end", () => ((ended = true), settle()));
      res.on("close", () => ((ended = true), settle()));
      resolve({
        events,
        status: res.statusCode ?? 0,
        get ended() {
          return ended;
        },
        get raw() {
          return raw;
        },
        finished,
        close: () => req.destroy(),
      });
    });
    req.on("error", reject);
    req.end();
  });
}

/** Waits for a condition on data arriving from elsewhere (a stream), polling, up to `ms`. */
export async function until(check: () => boolean, ms = 5_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return check();
}
