/**
 * `npm run bench -- soak`: the product as `npm start` runs it (the embedded PGlite in the server's own process, demo
 * data, the worker), driven for SOAK_MINUTES (10 by default) through the usual journeys over HTTP: a person signs in,
 * reads her inbox and her companies, files a request with an attachment, reads it, searches, holds an event stream;
 * an agent reads the queue, opens the request and answers. The server process's memory is sampled from
 * /proc/<pid>/status: resident set at start (after a warm-up) and at the end, and the growth (goal ≤ 20 %).
 */
import { spawn } from "node:child_process";
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generate } from "otplib";

const ROOT = new URL("..", import.meta.url).pathname;
const MIB = 1024 * 1024;

export type SoakResult = {
  minutes: number;
  journeys: number;
  requests: number;
  failures: number;
  rssStartMiB: number;
  rssEndMiB: number;
  rssPeakMiB: number;
  growth: number;
  samples: { atS: number; rssMiB: number }[];
};

/** The resident set of a process, in MiB (VmRSS of /proc/<pid>/status). */
function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1] ?? NaN);
  return (kb * 1024) / MIB;
}

/** A small HTTP client with a cookie jar and the CSRF token of its session. */
function client(base: string) {
  const cookies = new Map<string, string>();
  let csrf: string | undefined;
  let requests = 0;
  let failures = 0;
  async function send(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, form?: FormData) {
    const h: Record<string, string> = { ...headers, cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") };
    if (csrf && method !== "GET") h["x-csrf-token"] = csrf;
    if (body !== undefined) h["content-type"] = "application/json";
    const res = await fetch(`${base}${path}`, { method, headers: h, body: form ?? (body === undefined ? undefined : JSON.stringify(body)) });
    requests++;
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const at = pair!.indexOf("=");
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    const text = await res.text();
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      /* a CSV or a PDF */
    }
    if (typeof json.csrfToken === "string") csrf = json.csrfToken;
    if (res.status >= 400) failures++;
    return { status: res.status, body: json };
  }
  return { send, counts: () => ({ requests, failures }), cookieHeader: () => [...cookies].map(([k, v]) => `${k}=${v}`).join("; ") };
}

/** The code of the newest mail to an address, once the worker has delivered it (polled for up to 20 s). */
async function lastCode(base: string, to: string, pattern: RegExp): Promise<string> {
  for (let tries = 0; tries < 100; tries++) {
    const res = await fetch(`${base}/api/v1/dev/mails?to=${encodeURIComponent(to)}`);
    const mail = ((await res.json()) as { items: { text: string }[] }).items[0];
    const code = mail && pattern.exec(mail.text)?.[1];
    if (code) return code;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no code in the last mail to ${to}`);
}

/** Starts `src/app/main.ts` on a fresh data folder; answers its URL and pid once it listens. */
async function startServer(dataDir: string): Promise<{ url: string; pid: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "src/app/main.ts")], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "development",
      DATA_DIR: dataDir,
      PORT: "0",
      HOST: "127.0.0.1",
      DATABASE_URL: "",
      LOG_LEVEL: "warn",
      SIGNIN_RATE_PER_MINUTE: "100000",
      API_RATE_PER_MINUTE: "1000000",
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const m = /prête : (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`the server stopped (${code}) before it listened`)));
  });
  child.stdout.resume();
  return {
    url,
    pid: child.pid!,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export async function benchSoak(minutes = Number(process.env.SOAK_MINUTES ?? 10)): Promise<SoakResult> {
  const dataDir = mkdtempSync(join(tmpdir(), "mp-soak-"));
  const server = await startServer(dataDir);
  try {
    const base = server.url;
    const person = client(base);
    const email = "cabinet.comptable@gestion.com";
    const password = "Messagerie-Demo-2026";
    const signIn = await person.send("POST", "/api/v1/session", { email, password });
    if (signIn.body.status === "device_verification_required") {
      await person.send("POST", "/api/v1/session/device", { email, code: await lastCode(base, email, /Code de connexion : (\d{6})/) });
    }
    const agent = client(base);
    const agentSignIn = async () => {
      const totp = await generate({ secret: "KRSXG5CTMVRXEZLUKN2XAZLSONUW4Z3B" });
      const res = await agent.send("POST", "/api/v1/backoffice/session", { email: "agent.paris11@dgfip.demo", password: "Demo-Guichet-Fiscal-2026", totp });
      if (res.status !== 200) throw new Error(`agent sign-in: ${res.status}`);
    };
    await agentSignIn();
    const companies = (await person.send("GET", "/api/v1/companies?limit=50")).body.items as { siren: string; name: string }[];
    const parisCompany = companies.find((c) => c.siren === "812345676") ?? companies[0]!;

    // The event stream a page holds open, re-opened now and then as a browser does on navigation.
    let stream: AbortController | undefined;
    const reopenStream = () => {
      stream?.abort();
      stream = new AbortController();
      // Read until aborted, as a page does: the server keeps a subscriber for it meanwhile.
      void fetch(`${base}/api/v1/events`, { headers: { cookie: person.cookieHeader() }, signal: stream.signal })
        .then(async (r) => {
          for await (const _chunk of r.body ?? []) void _chunk;
        })
        .catch(() => {});
    };

    const journey = async (i: number) => {
      await person.send("GET", "/api/v1/requests?limit=50");
      await person.send("GET", `/api/v1/companies?limit=50&q=${encodeURIComponent(["SARL", "SAS", "BOULANGERIE", "MARTIN"][i % 4]!)}`);
      const form = new FormData();
      form.append("file", new Blob([`Relevé ${i}\n${"ligne de compte 0123456789\n".repeat(200)}`], { type: "text/plain" }), `releve-${i}.txt`);
      const uploaded = await person.send("POST", "/api/v1/uploads", undefined, {}, form);
      const filed = await person.send("POST", "/api/v1/requests", {
        siren: parisCompany.siren,
        tax: "TVA",
        nature: "question",
        subject: `Question ${i} sur la TVA`,
        body: `Bonjour,\nNotre question numéro ${i} porte sur le taux applicable.\nCordialement.`,
        uploadIds: uploaded.body.uploadId ? [uploaded.body.uploadId] : [],
      });
      if (typeof filed.body.id === "string") await person.send("GET", `/api/v1/requests/${filed.body.id}`);
      await person.send("GET", `/api/v1/requests?q=${encodeURIComponent("taux")}`);
      const queue = await agent.send("GET", "/api/v1/backoffice/requests?limit=50");
      if (queue.status === 401) await agentSignIn();
      const first = (queue.body.items as { id: string }[] | undefined)?.[0];
      if (first) {
        const opened = await agent.send("GET", `/api/v1/backoffice/requests/${first.id}`);
        if (opened.body.version !== undefined && i % 3 === 0) {
          await agent.send("POST", `/api/v1/backoffice/requests/${first.id}/messages`, {
            body: `Réponse ${i} : le taux normal s'applique.`,
            status: "answered",
            version: opened.body.version,
          });
        }
      }
      await agent.send("GET", `/api/v1/backoffice/search?q=${encodeURIComponent("TVA")}`);
      if (i % 10 === 0) reopenStream();
    };

    // Warm-up: caches, JIT, the database's buffers fill; then the first sample.
    for (let i = 0; i < 30; i++) await journey(i);
    const startedAt = Date.now();
    const rssStartMiB = rssOf(server.pid);
    const samples = [{ atS: 0, rssMiB: rssStartMiB }];
    let rssPeakMiB = rssStartMiB;
    let journeys = 0;
    let nextSample = startedAt + 30_000;
    while (Date.now() - startedAt < minutes * 60_000) {
      await journey(30 + journeys++);
      if (Date.now() >= nextSample) {
        const rss = rssOf(server.pid);
        rssPeakMiB = Math.max(rssPeakMiB, rss);
        samples.push({ atS: Math.round((Date.now() - startedAt) / 1000), rssMiB: Math.round(rss) });
        process.stdout.write(`soak: ${samples.at(-1)!.atS} s, ${journeys} journeys, RSS ${rss.toFixed(0)} MiB\n`);
        nextSample += 30_000;
      }
    }
    stream?.abort();
    const rssEndMiB = rssOf(server.pid);
    const counts = [person.counts(), agent.counts()];
    return {
      minutes,
      journeys,
      requests: counts.reduce((n, c) => n + c.requests, 0),
      failures: counts.reduce((n, c) => n + c.failures, 0),
      rssStartMiB,
      rssEndMiB,
      rssPeakMiB: Math.max(rssPeakMiB, rssEndMiB),
      growth: rssEndMiB / rssStartMiB - 1,
      samples,
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
