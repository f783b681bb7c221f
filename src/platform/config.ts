import { z } from "zod";

/** Boolean flags read from the environment: "1", "true", "yes" / "0", "false", "no". */
const flag = (fallback: boolean) =>
  z
    .enum(["1", "0", "true", "false", "yes", "no"])
    .optional()
    .transform((v) => (v === undefined ? fallback : v === "1" || v === "true" || v === "yes"));

const secret = z.string().min(32, "doit contenir au moins 32 caractères");

const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  HOST: z.string().min(1).default("127.0.0.1"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Public base URL, used in e-mails and letters. */
  PUBLIC_URL: z.url().optional(),
  /** Embedded PGlite data folder, used when DATABASE_URL is not set. */
  DATA_DIR: z.string().min(1).default("./data"),
  /** A real PostgreSQL server; required in production. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "doit être une URL postgres://")
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** SMTP server (smtp:// or smtps://); without it mails go to the built-in mail catcher. */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, "doit être une URL smtp:// ou smtps://")
    .optional(),
  MAIL_FROM: z.string().min(3).default("Messagerie Pro <ne-pas-repondre@messagerie-pro.localhost>"),
  /** Key (≥ 32 characters) that encrypts agents' TOTP secrets and letters at rest. */
  ENCRYPTION_KEY: secret.optional(),
  /** No longer read (an Ed25519 key): receipts and exports are signed with RECEIPT_SIGNING_KEY_FILE and RECEIPT_CERTIFICATE_FILE. */
  RECEIPT_SIGNING_KEY: z.string().optional(),
  /** File of the RSA private key (PEM) that signs receipts and exports; with RECEIPT_CERTIFICATE_FILE; generated in the data folder outside production. */
  RECEIPT_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** File of the X.509 certificate (PEM) of that key, published at /api/v1/receipts/certificate. */
  RECEIPT_CERTIFICATE_FILE: z.string().min(1).optional(),
  /** Key (≥ 32 characters) of the OAuth authorization server: its cookies, and the derivation of client secrets. */
  OAUTH_KEY: secret.optional(),
  /** EC P-256 private key (PEM, PKCS#8) the authorization server signs with; generated in the data folder outside production. */
  OAUTH_SIGNING_KEY: z.string().min(40).optional(),
  /** Token (≥ 32 characters) that a Prometheus scrape of /metrics presents; without it, /metrics exists only outside production. */
  METRICS_TOKEN: secret.optional(),
  /** Event-loop delay (ms) past which requests are refused with 503 (overload); 0: not checked. Default: 1000 in production, off elsewhere. */
  OVERLOAD_EVENT_LOOP_DELAY_MS: z.coerce.number().int().min(0).max(60_000).optional(),
  /** Queries waiting for a database connection past which requests are refused with 503 (overload). */
  OVERLOAD_POOL_WAITING: z.coerce.number().int().min(1).max(100_000).default(200),
  /** A request whose headers are not all in after this is answered 408 and its connection closed (slow clients). */
  HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** A request not received whole (headers and body) after this is answered 408 and its connection closed. */
  HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  /** An idle keep-alive connection closes after this: longer than a proxy's own 60 s, so the proxy closes first. */
  HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(70_000),
  /** How long a SIGTERM lets the requests in flight finish before the process exits anyway. */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  /** Calls per minute allowed to one software acting through one person (product §15). */
  SOFTWARE_RATE_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  /**
   * How long (hours) a stored file no row names is kept before the sweep removes it: at least the restore window
   * (the oldest backup kept, or the point-in-time window), so a database restored to any point of it finds every file
   * it names (docs/operations.md « Backups and restore »). Default: 15 days in production (the two weeks of
   * point-in-time recovery of ops/backup/pgbackrest.sh's weekly full backups kept twice, and a day), 1 hour otherwise.
   */
  FILES_SWEEP_GRACE_HOURS: z.coerce
    .number()
    .int()
    .min(1)
    .max(24 * 400)
    .optional(),
  /** Folder of the content-addressed file store (attachments); default `<DATA_DIR>/files`. */
  FILES_DIR: z.string().min(1).optional(),
  /** An S3 object store for the files (attachments, exports) instead of the local folder: its URL (absent: AWS). */
  S3_ENDPOINT: z.url().optional(),
  /** The bucket; setting it (or S3_ENDPOINT) moves the files to the object store. */
  S3_BUCKET: z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "doit être un nom de compartiment S3 (3 à 63 minuscules, chiffres, points, tirets)")
    .optional(),
  S3_REGION: z.string().min(1).default("us-east-1"),
  /** Path-style addressing (http://host/bucket/key); default: true when S3_ENDPOINT is set. */
  S3_FORCE_PATH_STYLE: z.enum(["1", "0", "true", "false", "yes", "no"]).optional(),
  /** Local folder where uploads stream in before they go to the object store; default: the system's temporary folder. */
  S3_STAGING_DIR: z.string().min(1).optional(),
  /** ClamAV daemon (tcp://host:3310); when set, every upload is scanned and refused if the scanner is down. */
  CLAMAV_URL: z
    .string()
    .regex(/^tcp:\/\/[^:/]+(:\d+)?\/?$/, "doit être de la forme tcp://hôte:3310")
    .optional(),
  /** Loads the demo data set on an empty database. */
  DEMO_DATA: flag(true),
  /** Runs the background worker inside the server process. */
  RUN_WORKER: flag(true),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** Number of argon2 hashes computed at once (bounded concurrency). */
  ARGON2_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** Sign-in attempts per IP address per minute. */
  SIGNIN_RATE_PER_MINUTE: z.coerce.number().int().min(1).default(20),
  /** General API requests per IP address per minute. */
  API_RATE_PER_MINUTE: z.coerce.number().int().min(1).default(1200),
  /**
   * The proxies in front (load balancer, reverse proxy) whose X-Forwarded-For is believed: a comma-separated list of
   * addresses or CIDR ranges (e.g. `10.0.0.0/8,127.0.0.1`). Unset, the client is the TCP peer (no proxy trusted).
   */
  TRUST_PROXY: z
    .string()
    .regex(/^[0-9a-fA-F.:/]+(,\s*[0-9a-fA-F.:/]+)*$/, "une liste d'adresses ou de plages CIDR séparées par des virgules")
    .optional(),
});

export type Config = {
  env: "development" | "production" | "test";
  isProduction: boolean;
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  databasePoolSize: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  encryptionKey: string;
  /** The files of the key and certificate that sign receipts and exports; absent: generated in the data folder (never in production). */
  receiptSigning: { keyFile: string; certificateFile: string } | undefined;
  oauthKey: string;
  oauthSigningKey: string | undefined;
  softwareRatePerMinute: number;
  /** Proxies whose X-Forwarded-For gives the client's address (TRUST_PROXY). */
  trustProxy: string[];
  filesDir: string;
  /** The sweep's grace for a stored file no row names (FILES_SWEEP_GRACE_HOURS), in ms. */
  filesSweepGraceMs: number;
  /** The object store of the files; absent: the local folder `filesDir`. */
  s3: { endpoint: string | undefined; bucket: string; region: string; forcePathStyle: boolean; stagingDir: string | undefined } | undefined;
  clamavUrl: string | undefined;
  demoData: boolean;
  runWorker: boolean;
  logLevel: string;
  argon2Concurrency: number;
  signInRatePerMinute: number;
  apiRatePerMinute: number;
  /** The token /metrics requires (production exposes /metrics only with one). */
  metricsToken: string | undefined;
  shutdownGraceMs: number;
  overloadEventLoopDelayMs: number;
  overloadPoolWaiting: number;
  /** Slow clients: headers, whole request, idle keep-alive (ms). */
  httpTimeouts: { headersMs: number; requestMs: number; keepAliveMs: number };
};

/** A configuration problem, worded for the operator who starts the server. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration invalide :\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Development-only key: it protects nothing, so production refuses to run without a real one. */
const DEVELOPMENT_ENCRYPTION_KEY = "development-only-key-not-secret-0123456789";
const DEVELOPMENT_OAUTH_KEY = "development-only-oauth-key-not-secret-0123456789";

/**
 * Reads and validates the configuration from environment variables.
 * Throws a ConfigError listing every problem at once.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable (`DATABASE_URL=`) means "not set", as in most shells' habits.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")} : ${i.message}`));
  }
  const e = parsed.data;
  const isProduction = e.NODE_ENV === "production";
  const problems: string[] = [];
  if (isProduction) {
    if (!e.DATABASE_URL) problems.push("DATABASE_URL est obligatoire en production");
    if (!e.SMTP_URL) problems.push("SMTP_URL est obligatoire en production");
    if (!e.ENCRYPTION_KEY) problems.push("ENCRYPTION_KEY est obligatoire en production");
    if (!e.PUBLIC_URL) problems.push("PUBLIC_URL est obligatoire en production");
    if (!e.RECEIPT_SIGNING_KEY_FILE)
      problems.push(
        "RECEIPT_SIGNING_KEY_FILE (fichier de la clé privée RSA, PEM, qui signe les accusés de réception et les exports) est obligatoire en production",
      );
    if (!e.RECEIPT_CERTIFICATE_FILE) problems.push("RECEIPT_CERTIFICATE_FILE (fichier du certificat X.509 de cette clé, PEM) est obligatoire en production");
    if (!e.OAUTH_KEY) problems.push("OAUTH_KEY est obligatoire en production");
    if (!e.OAUTH_SIGNING_KEY) problems.push("OAUTH_SIGNING_KEY est obligatoire en production");
  }
  if (!isProduction && !e.RECEIPT_SIGNING_KEY_FILE !== !e.RECEIPT_CERTIFICATE_FILE)
    problems.push("RECEIPT_SIGNING_KEY_FILE et RECEIPT_CERTIFICATE_FILE vont ensemble : indiquez les deux fichiers, ou aucun");
  if (e.RECEIPT_SIGNING_KEY)
    problems.push(
      "RECEIPT_SIGNING_KEY n'est plus lu : les accusés de réception et les exports sont signés avec une clé RSA et son certificat X.509, indiqués par RECEIPT_SIGNING_KEY_FILE et RECEIPT_CERTIFICATE_FILE",
    );
  if (e.S3_ENDPOINT && !e.S3_BUCKET) problems.push("S3_BUCKET est obligatoire avec S3_ENDPOINT");
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    env: e.NODE_ENV,
    isProduction,
    host: e.HOST,
    port: e.PORT,
    publicUrl: (e.PUBLIC_URL ?? `http://${e.HOST === "0.0.0.0" ? "localhost" : e.HOST}:${e.PORT}`).replace(/\/$/, ""),
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    databasePoolSize: e.DATABASE_POOL_SIZE,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    encryptionKey: e.ENCRYPTION_KEY ?? DEVELOPMENT_ENCRYPTION_KEY,
    receiptSigning:
      e.RECEIPT_SIGNING_KEY_FILE && e.RECEIPT_CERTIFICATE_FILE
        ? { keyFile: e.RECEIPT_SIGNING_KEY_FILE, certificateFile: e.RECEIPT_CERTIFICATE_FILE }
        : undefined,
    oauthKey: e.OAUTH_KEY ?? DEVELOPMENT_OAUTH_KEY,
    oauthSigningKey: e.OAUTH_SIGNING_KEY?.replace(/\\n/g, "\n"),
    softwareRatePerMinute: e.SOFTWARE_RATE_PER_MINUTE,
    trustProxy: (e.TRUST_PROXY ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean),
    metricsToken: e.METRICS_TOKEN,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    overloadEventLoopDelayMs: e.OVERLOAD_EVENT_LOOP_DELAY_MS ?? (isProduction ? 1_000 : 0),
    overloadPoolWaiting: e.OVERLOAD_POOL_WAITING,
    httpTimeouts: {
      headersMs: Math.min(e.HTTP_HEADERS_TIMEOUT_MS, e.HTTP_REQUEST_TIMEOUT_MS),
      requestMs: e.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    },
    filesDir: e.FILES_DIR ?? `${e.DATA_DIR.replace(/\/$/, "")}/files`,
    filesSweepGraceMs: (e.FILES_SWEEP_GRACE_HOURS ?? (isProduction ? 15 * 24 : 1)) * 3_600_000,
    s3: e.S3_BUCKET
      ? {
          endpoint: e.S3_ENDPOINT,
          bucket: e.S3_BUCKET,
          region: e.S3_REGION,
          forcePathStyle: e.S3_FORCE_PATH_STYLE === undefined ? e.S3_ENDPOINT !== undefined : ["1", "true", "yes"].includes(e.S3_FORCE_PATH_STYLE),
          stagingDir: e.S3_STAGING_DIR,
        }
      : undefined,
    clamavUrl: e.CLAMAV_URL,
    demoData: isProduction ? false : e.DEMO_DATA,
    runWorker: e.RUN_WORKER,
    logLevel: e.LOG_LEVEL,
    argon2Concurrency: e.ARGON2_CONCURRENCY,
    signInRatePerMinute: e.SIGNIN_RATE_PER_MINUTE,
    apiRatePerMinute: e.API_RATE_PER_MINUTE,
  };
}
