import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./temp.js";
import { generateSigningIdentity } from "../../src/platform/signing.js";
import type { FastifyInstance, LightMyRequestResponse } from "fastify";

import { loadConfig } from "../../src/platform/config.js";
import { manualClock } from "../../src/platform/clock.js";
import { createLogger } from "../../src/platform/logger.js";
import { createContext, type AppContext } from "../../src/app/context.js";
import { buildHttpApp } from "../../src/app/http.js";
import { DEMO_SERVICES, SEED } from "../../src/app/demo.js";
import { makeCompany, makeTaxService } from "../../src/app/factories.js";
import { openTestDatabase } from "./db.js";
import { openDatabase } from "../../src/platform/db/database.js";
import { assertNoContractViolations, recordContractViolations } from "./contract.js";
import { assertOpenCountsKept } from "./open-counts.js";

export type TestApp = {
  ctx: AppContext;
  /** The database's URL when it is a server (another process can join it). */
  databaseUrl?: string | undefined;
  app: FastifyInstance;
  clock: ReturnType<typeof manualClock>;
  /** The answers that broke the OpenAPI document's contract (test/helpers/contract.ts); `close()` fails on any. */
  contractViolations: string[];
  /**
   * Fails on any answer that broke the contract, and on open counts kept for the dashboard that differ from the
   * requests (test/helpers/open-counts.ts).
   */
  close(): Promise<void>;
};

let signingFiles: { RECEIPT_SIGNING_KEY_FILE: string; RECEIPT_CERTIFICATE_FILE: string } | undefined;

/**
 * The files of a signing key and its self-signed certificate, made once for the test file when first asked (an RSA
 * 3072 key takes half a second to make): every test app signs with them unless its environment names others.
 */
export function testSigningFiles(): { RECEIPT_SIGNING_KEY_FILE: string; RECEIPT_CERTIFICATE_FILE: string } {
  if (signingFiles) return signingFiles;
  const dir = tempDir("mp-signing");
  const { keyPem, certificatePem } = generateSigningIdentity();
  writeFileSync(join(dir, "key.pem"), keyPem, { mode: 0o600 });
  writeFileSync(join(dir, "certificate.pem"), certificatePem);
  signingFiles = { RECEIPT_SIGNING_KEY_FILE: join(dir, "key.pem"), RECEIPT_CERTIFICATE_FILE: join(dir, "certificate.pem") };
  return signingFiles;
}

/** Silent by default; `TEST_LOG_LEVEL=error` prints what the test apps log (an unexpected error's stack). */
const TEST_LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? "silent";

/**
 * The real application on a fresh database with a manual clock. Rate limits are raised (many sign-ins come from
 * one address in tests); the tests of the limits lower them explicitly.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: { webDir?: string; clock?: ReturnType<typeof manualClock>; database?: Awaited<ReturnType<typeof openTestDatabase>> } = {},
): Promise<TestApp> {
  const clock = options.clock ?? manualClock(new Date("2026-11-28T09:00:00.000Z"));
  const database = options.database ?? (await openTestDatabase());
  const dataDir = tempDir("mp-test");
  const config = loadConfig({
    NODE_ENV: "test",
    LOG_LEVEL: TEST_LOG_LEVEL,
    SIGNIN_RATE_PER_MINUTE: "10000",
    API_RATE_PER_MINUTE: "100000",
    DATA_DIR: dataDir,
    ...testSigningFiles(),
    ...env,
  });
  const ctx = await createContext(config, { clock, database, logger: createLogger(TEST_LOG_LEVEL) });
  const app = await buildHttpApp(ctx, { webDir: options.webDir ?? "/nonexistent" });
  const contractViolations: string[] = [];
  recordContractViolations(app, contractViolations);
  await app.ready();
  return {
    ctx,
    databaseUrl: database.url,
    app,
    clock,
    contractViolations,
    async close() {
      await app.close();
      try {
        await assertOpenCountsKept(ctx.db);
      } finally {
        await ctx.close();
      }
      assertNoContractViolations(contractViolations);
    },
  };
}

/**
 * A second application process on the database of `t`, as another server process would run: its own pool and
 * LISTEN connection on a PostgreSQL server, the same embedded database otherwise (one process holds PGlite); the
 * same clock and data folder (keys, files). Closing it leaves the database to `t`.
 */
export async function startSecondApp(t: TestApp, env: Record<string, string> = {}): Promise<TestApp> {
  const database = t.databaseUrl
    ? { ...(await openDatabase({ url: t.databaseUrl, poolSize: 4 })), url: t.databaseUrl }
    : { ...t.ctx.database, close: async () => {} };
  return startTestApp({ DATA_DIR: t.ctx.config.dataDir, ...env }, { clock: t.clock, database });
}

/** A complete production configuration (keys generated for the run), for tests of production behaviour. */
export const PRODUCTION_ENV = {
  // The signing files are made when the configuration is read (spread or read), not when this module loads.
  get RECEIPT_SIGNING_KEY_FILE() {
    return testSigningFiles().RECEIPT_SIGNING_KEY_FILE;
  },
  get RECEIPT_CERTIFICATE_FILE() {
    return testSigningFiles().RECEIPT_CERTIFICATE_FILE;
  },
  NODE_ENV: "production",
  DATABASE_URL: "postgres://unused@127.0.0.1/unused",
  SMTP_URL: "smtp://127.0.0.1:2525",
  ENCRYPTION_KEY: "production-key-for-the-test-0123456789",
  PUBLIC_URL: "https://messagerie.example",
  OAUTH_KEY: "production-oauth-key-for-the-test-0123456789",
  OAUTH_SIGNING_KEY: generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
};

/** The seed's reference data: the three demo services and the three seed companies. */
export async function seedReferenceData(ctx: AppContext): Promise<void> {
  for (const s of DEMO_SERVICES) await makeTaxService(ctx, s);
  await makeCompany(ctx, {
    ...SEED.martin,
    streetNumber: "24",
    streetType: "RUE",
    streetName: "DE LA ROQUETTE",
    postalCode: "75011",
    communeName: "PARIS 11",
    communeCode: "75111",
  });
  await makeCompany(ctx, {
    ...SEED.gestion,
    streetNumber: "8",
    streetType: "PL",
    streetName: "BELLECOUR",
    postalCode: "69002",
    communeName: "LYON 2E",
    communeCode: "69382",
  });
  await makeCompany(ctx, {
    ...SEED.concurrence,
    streetNumber: "3",
    streetType: "BD",
    streetName: "VOLTAIRE",
    postalCode: "75011",
    communeName: "PARIS 11",
    communeCode: "75111",
  });
}

/** A minimal cookie jar over `inject` responses. */
export class CookieJar {
  private cookies = new Map<string, string>();
  csrf: string | undefined;
  store(res: LightMyRequestResponse) {
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      if (c.value === "" || (c.expires && c.expires.getTime() <= Date.now() && c.maxAge === undefined)) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    const body = safeJson(res.body) as { csrfToken?: string } | undefined;
    if (body?.csrfToken) this.csrf = body.csrfToken;
  }
  /** Holds a session opened outside a browser (a service call), with its CSRF token. */
  set(name: string, value: string, csrf?: string) {
    this.cookies.set(name, value);
    if (csrf) this.csrf = csrf;
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
  get(name: string) {
    return this.cookies.get(name);
  }
  delete(name: string) {
    this.cookies.delete(name);
  }
}

/**
 * A JSON answer as the tests read it: untyped on purpose. They check what the server sends on the wire, not our
 * types, and walk into it freely (eslint.config.js turns the no-unsafe-* rules off for them); typing it `unknown`
 * would mean narrowing every one of some 300 reads. This is the one place where the tests name `any`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the untyped wire JSON the tests read (see above)
export type WireJson = any;

export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Sends a JSON request with the jar's cookies and CSRF token, and stores what comes back. */
export async function call(
  app: FastifyInstance,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  url: string,
  options: { body?: unknown; jar?: CookieJar; csrf?: string | false; rawBody?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.jar) headers.cookie = options.jar.header();
  const csrf = options.csrf === false ? undefined : (options.csrf ?? options.jar?.csrf);
  if (csrf && method !== "GET") headers["x-csrf-token"] = csrf;
  let payload: string | undefined;
  if (options.rawBody !== undefined) {
    payload = options.rawBody;
    headers["content-type"] ??= "application/json";
  } else if (options.body !== undefined) {
    payload = JSON.stringify(options.body);
    headers["content-type"] = "application/json";
  }
  const res = await app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
  options.jar?.store(res);
  return { status: res.statusCode, body: safeJson(res.body) as Record<string, WireJson>, headers: res.headers, raw: res };
}

/** Delivers the queued mails and returns the latest one to an address. */
export async function lastMailTo(t: TestApp, to: string): Promise<{ subject: string; text: string }> {
  await t.ctx.worker.drain();
  const res = await call(t.app, "GET", `/api/v1/dev/mails?to=${encodeURIComponent(to)}`);
  const mail = res.body.items[0];
  if (!mail) throw new Error(`no mail to ${to}`);
  return mail;
}

/** Counts rows of a table (to check that a refused request wrote nothing). */
export async function countRows(
  t: TestApp,
  table: "spaces" | "journal" | "outbox" | "sessions" | "devices" | "agents" | "messages" | "requests",
): Promise<number> {
  const r = await t.ctx.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
