import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";

/**
 * Slow clients (a slowloris attack) on a real listening server with raw sockets: trickled headers and trickled bodies
 * are answered 408 and cut; an idle keep-alive connection is closed. The figures are lowered for the test (the
 * defaults are 30 s, 60 s and 70 s, docs/operations.md).
 */
const HEADERS_MS = 1_000;
const REQUEST_MS = 2_000;
const KEEP_ALIVE_MS = 3_000;

let t: TestApp;
let port: number;
beforeAll(async () => {
  t = await startTestApp({
    HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_MS),
    HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_MS),
    HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_MS),
  });
  await t.app.listen({ port: 0, host: "127.0.0.1" });
  port = (t.app.server.address() as { port: number }).port;
});
afterAll(async () => t?.close());

/** A raw connection: what it received, and when the server closed it (ms after opening). */
function open(): Promise<{ socket: Socket; received: () => string; closedAfter: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let data = "";
    const socket = connect(port, "127.0.0.1");
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (data += chunk));
    const closedAfter = new Promise<number>((done) => socket.on("close", () => done(Date.now() - started)));
    socket.once("error", () => {});
    socket.once("connect", () => resolve({ socket, received: () => data, closedAfter }));
    socket.once("error", reject);
  });
}

/** Writes `pieces` one by one, `everyMs` apart, until the socket closes or the pieces run out. */
function trickle(socket: Socket, pieces: string[], everyMs: number): () => void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= pieces.length) return clearInterval(timer);
    socket.write(pieces[i++]!);
  }, everyMs);
  return () => clearInterval(timer);
}

describe("slow clients are timed out", () => {
  it("headers that trickle in are answered 408 and the connection is closed", async () => {
    const c = await open();
    c.socket.write("GET /api/v1/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    const stop = trickle(
      c.socket,
      Array.from({ length: 200 }, (_, i) => `X-Lent-${i}: ${"a".repeat(10)}\r\n`),
      200,
    );
    const closedAfter = await c.closedAfter;
    stop();
    expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfter).toBeGreaterThanOrEqual(HEADERS_MS - 100);
    expect(closedAfter).toBeLessThan(HEADERS_MS + 2_000);
  });

  it("a body that trickles in is answered 408 and the connection is closed", async () => {
    const c = await open();
    c.socket.write("POST /api/v1/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n\r\n");
    const stop = trickle(
      c.socket,
      Array.from({ length: 400 }, () => "          "),
      200,
    );
    const closedAfter = await c.closedAfter;
    stop();
    expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
    expect(closedAfter).toBeGreaterThanOrEqual(REQUEST_MS - 100);
    expect(closedAfter).toBeLessThan(REQUEST_MS + 2_000);
  });

  it("an idle keep-alive connection is closed after its figure, and is served until then", async () => {
    const c = await open();
    const request = "GET /api/v1/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n";
    c.socket.write(request);
    await new Promise((r) => setTimeout(r, HEADERS_MS * 1.5));
    // Idle longer than the headers' figure: the connection still serves a new request at once.
    c.socket.write(request);
    await new Promise((r) => setTimeout(r, 300));
    expect(c.received().match(/HTTP\/1\.1 200/g)).toHaveLength(2);
    const closedAfter = await c.closedAfter;
    expect(closedAfter).toBeGreaterThanOrEqual(HEADERS_MS * 1.5 + KEEP_ALIVE_MS - 200);
    expect(closedAfter).toBeLessThan(HEADERS_MS * 1.5 + KEEP_ALIVE_MS + 3_000);
  });
});
