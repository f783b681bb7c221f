import { createServer, connect, type Server, type Socket } from "node:net";

/**
 * A TCP proxy in front of a server (PostgreSQL), to cut the network under a running process: `cut()` drops every
 * connection and refuses new ones until `restore()` (`refuse()` the same, counting the attempts); `cutOn(pattern)` does the same the moment a client sends
 * bytes matching `pattern` (e.g. an INSERT in the middle of a transaction), before they reach the server.
 */
export async function tcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  let trigger: RegExp | null = null;
  let refusing = false;
  let refused = 0;

  const dropAll = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  const stopListening = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      if (!s) return resolve();
      s.close(() => resolve());
      dropAll();
    });

  const onConnection = (client: Socket) => {
    if (refusing) {
      refused++;
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on("data", (chunk: Buffer) => {
      if (trigger && trigger.test(chunk.toString("latin1"))) {
        trigger = null;
        void stopListening();
        return;
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk: Buffer) => client.write(chunk));
    for (const s of [client, upstream]) {
      s.on("close", end);
      s.on("error", end);
    }
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer(onConnection);
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });

  await listen();
  return {
    get port() {
      return port;
    },
    get isUp() {
      return server !== undefined && !refusing;
    },
    /** Drops every connection now and refuses new ones. */
    cut: stopListening,
    /** Drops every connection now, then accepts new ones only to close them at once, counting them. */
    refuse() {
      refusing = true;
      dropAll();
    },
    /** Connections refused so far (reconnection attempts seen). */
    get refused() {
      return refused;
    },
    /** Cuts when a client next sends bytes matching `pattern` (those bytes never reach the server). */
    cutOn(pattern: RegExp) {
      trigger = pattern;
    },
    async restore() {
      refusing = false;
      if (!server) await listen();
    },
    close: stopListening,
  };
}
