import { execFile, spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { tempDir } from "./temp.js";

/** The application and the scripts of `ops/`, run as an operator would: real processes on loopback ports. */
export const ROOT = new URL("../..", import.meta.url).pathname;

/** Runs `ops/ha/cluster.sh` (a Patroni cluster on loopback) with its folder and port, and answers its output. */
export function haCluster(dir: string, port: string, env: Record<string, string> = {}) {
  return (...args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(
        join(ROOT, "ops/ha/cluster.sh"),
        args,
        { env: { ...process.env, ...env, HA_DIR: dir, HA_PORT: port }, timeout: 180_000 },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`cluster.sh ${args.join(" ")}: ${error.message}\n${stderr}`));
          else resolve(stdout.trim());
        },
      );
    });
}

export type AppProcess = { child: ChildProcess; base: string; output: string[]; exited: Promise<number | null> };

/**
 * Starts the server as production does (its own process, worker included) on `databaseUrl`, on a free port, with
 * its own data folder and the extra settings of `env`; resolves once it says it is ready.
 */
export function startAppProcess(databaseUrl: string, name: string, env: Record<string, string> = {}): Promise<AppProcess> {
  const dataDir = tempDir(`mp-app-${name}`);
  const child = spawn(process.execPath, ["--import", "tsx", "src/app/main.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "development",
      DATABASE_URL: databaseUrl,
      HOST: "127.0.0.1",
      PORT: "0",
      DATA_DIR: dataDir,
      DEMO_DATA: "0",
      RUN_WORKER: "1",
      LOG_LEVEL: "warn",
      // Every client comes from 127.0.0.1: the per-address limits of a public deployment would throttle the test.
      API_RATE_PER_MINUTE: "1000000",
      SIGNIN_RATE_PER_MINUTE: "1000000",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output.join("")}`)), 60_000);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output.push(text);
      if (output.length > 400) output.splice(0, output.length - 400);
      const ready = /est prête : (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (ready) {
        clearTimeout(timer);
        resolve({ child, base: ready[1]!, output, exited });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}):\n${output.join("")}`));
    });
  });
}

/**
 * HAProxy in front of the application processes, with the configuration of docs/operations.md: health checks on
 * `/api/v1/health/ready`, a request whose process died before answering retried on the other one (the writes carry
 * an Idempotency-Key), event streams kept open, and the balancer's own errors answered as the application's 503.
 */
export async function startAppBalancer(backends: string[]): Promise<{ base: string; stop: () => void }> {
  const dir = tempDir("mp-app-balancer");
  const port = await freePort();
  const unavailable = JSON.stringify({
    error: { code: "service_unavailable", message: "Le service est momentanément indisponible. Réessayez dans quelques secondes." },
  });
  // HAProxy sends an error file as it is: a complete HTTP response.
  writeFileSync(
    join(dir, "503.http"),
    `HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\nRetry-After: 2\r\nCache-Control: no-store\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(unavailable)}\r\n\r\n${unavailable}`,
  );
  const config = [
    "global",
    "  maxconn 2000",
    "defaults",
    "  mode http",
    "  option http-buffer-request",
    "  timeout connect 2s",
    "  timeout client 60s",
    "  timeout server 60s",
    "  timeout http-request 30s",
    "  timeout tunnel 1h",
    "  retries 3",
    "  option redispatch 1",
    "  retry-on conn-failure empty-response response-timeout",
    "  option forwardfor",
    `  errorfile 502 ${join(dir, "503.http")}`,
    `  errorfile 503 ${join(dir, "503.http")}`,
    `  errorfile 504 ${join(dir, "503.http")}`,
    "frontend web",
    `  bind 127.0.0.1:${port}`,
    "  default_backend app",
    "backend app",
    "  balance roundrobin",
    "  option httpchk GET /api/v1/health/ready",
    "  http-check expect status 200",
    "  default-server inter 500ms fall 2 rise 2",
    ...backends.map((b, i) => `  server app${i + 1} ${new URL(b).host} check`),
    "",
  ].join("\n");
  writeFileSync(join(dir, "haproxy.cfg"), config);
  const child = spawn("haproxy", ["-db", "-f", join(dir, "haproxy.cfg")], { stdio: ["ignore", "pipe", "pipe"] });
  const output: string[] = [];
  child.stdout.on("data", (c: Buffer) => output.push(c.toString()));
  child.stderr.on("data", (c: Buffer) => output.push(c.toString()));
  const base = `http://127.0.0.1:${port}`;
  for (const end = Date.now() + 20_000; ; await new Promise((r) => setTimeout(r, 200))) {
    const ok = await fetch(`${base}/api/v1/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (Date.now() > end || child.exitCode !== null) throw new Error(`HAProxy did not start:\n${output.join("")}`);
  }
  return { base, stop: () => child.kill("SIGKILL") };
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}
