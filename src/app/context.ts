import { sql, type Kysely } from "kysely";
import type { Config } from "../platform/config.js";
import { createLogger, type Logger } from "../platform/logger.js";
import { openDatabase, type Database } from "../platform/db/database.js";
import { migrate } from "../platform/db/migrate.js";
import type { DB } from "../platform/db/schema.js";
import { systemClock, type Clock } from "../platform/clock.js";
import { createSealer, type Sealer } from "../platform/crypto.js";
import { createWorker, type Worker } from "../platform/outbox.js";
import { catcherTransport, mailOutboxHandler, MAIL_OUTBOX_KIND, smtpTransport, type MailTransport } from "../modules/mail/index.js";
import { createPasswordHasher, type PasswordHasher } from "../modules/spaces/index.js";
import { LETTER_RENDER_KIND, letterRenderHandler } from "../modules/letters/index.js";
import { ADHESION_BATCH_KIND, adhesionBatchHandler } from "../modules/adhesions/index.js";
import { adhesionRightsPort } from "../modules/rights/index.js";
import { EXPORT_BUILD_KIND, exportBuildHandler, fillMissingDeadlines, type ReceiptKeys } from "../modules/requests/index.js";
import { generateSigningIdentity, pemBlock, signingIdentityFromPem } from "../platform/signing.js";
import { CAMPAIGN_RUN_KIND, campaignRunHandler, THREAD_PUBLISH_KIND, threadPublishHandler } from "../modules/correspondence/index.js";
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { generateKeyPairSync } from "node:crypto";
import { localFileStore, type FileStore } from "../platform/files.js";
import { clamdAntivirus, type Antivirus } from "../platform/antivirus.js";

/** Everything the composition roots (server, worker, CLI) share. */
export type AppContext = {
  config: Config;
  logger: Logger;
  database: Database;
  db: Kysely<DB>;
  clock: Clock;
  hasher: PasswordHasher;
  sealer: Sealer;
  receiptKeys: ReceiptKeys;
  files: FileStore;
  antivirus: Antivirus | undefined;
  mailTransport: MailTransport;
  worker: Worker;
  close(): Promise<void>;
};

export type ContextOverrides = { clock?: Clock; logger?: Logger; mailTransport?: MailTransport; database?: Database; files?: FileStore };

/** Refuses a production database that could lose committed data (product §12). */
async function assertDurable(db: Kysely<DB>): Promise<void> {
  const fsync = (await sql<{ fsync: string }>`SHOW fsync`.execute(db)).rows[0]?.fsync;
  const syncCommit = (await sql<{ synchronous_commit: string }>`SHOW synchronous_commit`.execute(db)).rows[0]?.synchronous_commit;
  const problems: string[] = [];
  if (fsync !== "on") problems.push(`fsync = ${fsync}`);
  if (syncCommit === "off") problems.push(`synchronous_commit = ${syncCommit}`);
  if (problems.length > 0) {
    throw new Error(`PostgreSQL n'est pas durable (${problems.join(", ")}) : démarrage refusé en production.`);
  }
}

/**
 * The key and certificate that sign receipts and exports: from the files the configuration names
 * (RECEIPT_SIGNING_KEY_FILE, RECEIPT_CERTIFICATE_FILE), or (outside production) generated once, self-signed, and
 * kept in the data folder, so that receipts stay verifiable across restarts. Throws, in French, what is wrong.
 */
export function loadReceiptKeys(config: Config): ReceiptKeys {
  if (config.receiptSigning) {
    const read = (variable: string, file: string) => {
      try {
        return readFileSync(file, "utf8");
      } catch (error) {
        throw new Error(`${variable} : fichier illisible (${file} : ${(error as NodeJS.ErrnoException).code ?? "erreur"})`);
      }
    };
    const keyPem = read("RECEIPT_SIGNING_KEY_FILE", config.receiptSigning.keyFile);
    const certificatePem = read("RECEIPT_CERTIFICATE_FILE", config.receiptSigning.certificateFile);
    try {
      return signingIdentityFromPem(keyPem, certificatePem);
    } catch (error) {
      throw new Error(`RECEIPT_SIGNING_KEY_FILE, RECEIPT_CERTIFICATE_FILE : ${(error as Error).message}`);
    }
  }
  if (config.isProduction) throw new Error("RECEIPT_SIGNING_KEY_FILE et RECEIPT_CERTIFICATE_FILE sont obligatoires en production");
  // One file holds both (written at once, so that two processes starting together keep the same pair).
  const pem = keyInDataDir(config, "receipt-signing-identity.pem", () => {
    const generated = generateSigningIdentity();
    return `${generated.keyPem}${generated.certificatePem}`;
  });
  return signingIdentityFromPem(pemBlock(pem, "PRIVATE KEY") ?? "", pemBlock(pem, "CERTIFICATE") ?? "");
}

/** The authorization server's signing key (EC P-256): from the configuration, or kept in the data folder outside production. */
export function loadOauthSigningKey(config: Config): string {
  if (config.oauthSigningKey) return config.oauthSigningKey;
  if (config.isProduction) throw new Error("OAUTH_SIGNING_KEY est obligatoire en production");
  return keyInDataDir(config, "oauth-signing-key.pem", () =>
    generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  );
}

/** A private key (PEM) generated once and kept in the data folder (mode 0600); the first process to write it wins. */
function keyInDataDir(config: Config, name: string, generate: () => string): string {
  const dir = resolve(config.dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const pem = generate();
  try {
    const fd = openSync(file, "wx", 0o600);
    writeSync(fd, pem);
    closeSync(fd);
    return pem;
  } catch (error) {
    // Another process wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return readFileSync(file, "utf8");
    throw error;
  }
}

/**
 * The file store of the configuration: the S3 bucket when one is configured (the data folder then holds no file
 * content), else the local folder (the embedded default).
 */
export async function fileStoreOf(config: Config): Promise<FileStore> {
  if (!config.s3) return localFileStore(config.filesDir);
  // The AWS SDK is loaded only when a bucket is configured: a second less at every start of the embedded default.
  const { s3FileStore } = await import("../platform/files.s3.js");
  return s3FileStore({ ...config.s3, stagingDir: config.s3.stagingDir ?? join(tmpdir(), "messagerie-pro-staging") });
}

/** Opens the database, applies migrations and builds the shared services. */
export async function createContext(config: Config, overrides: ContextOverrides = {}): Promise<AppContext> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const files = overrides.files ?? (await fileStoreOf(config));
  // The store answers before anything starts (outside production, a missing bucket is created).
  await files.check({ create: !config.isProduction });
  const database =
    overrides.database ??
    (await openDatabase({
      url: config.databaseUrl,
      dataDir: config.dataDir,
      poolSize: config.databasePoolSize,
      onConnectionError: (error) => logger.warn({ err: error.message }, "database connection lost"),
    }));
  try {
    await migrate(database.db);
    // Requests filed before their deadlines were stored get them now (computed with the French holidays).
    await fillMissingDeadlines(database.db);
    if (config.isProduction) await assertDurable(database.db);
  } catch (error) {
    await database.close();
    throw error;
  }
  const db = database.db;
  const mailTransport = overrides.mailTransport ?? (config.smtpUrl ? smtpTransport(config.smtpUrl, config.mailFrom) : catcherTransport(db, clock));
  const sealer = createSealer(config.encryptionKey);
  const hasher = createPasswordHasher(config.argon2Concurrency);
  const receiptKeys = loadReceiptKeys(config);
  const exportDeps = { db, clock, files, receiptKeys };
  const correspondenceDeps = correspondenceDepsOf({ db, clock, sealer, receiptKeys });
  const worker = createWorker({
    db,
    clock,
    logger,
    handlers: {
      [MAIL_OUTBOX_KIND]: mailOutboxHandler(mailTransport),
      [LETTER_RENDER_KIND]: letterRenderHandler({ db, clock, sealer }),
      [ADHESION_BATCH_KIND]: adhesionBatchHandler({ db, clock, hasher, sealer, publicUrl: config.publicUrl, rights: adhesionRightsPort }),
      [EXPORT_BUILD_KIND]: exportBuildHandler(exportDeps),
      [THREAD_PUBLISH_KIND]: threadPublishHandler(correspondenceDeps),
      [CAMPAIGN_RUN_KIND]: campaignRunHandler(correspondenceDeps),
    },
  });
  return {
    config,
    logger,
    database,
    db,
    clock,
    hasher,
    sealer,
    receiptKeys,
    files,
    antivirus: config.clamavUrl ? clamdAntivirus(config.clamavUrl) : undefined,
    mailTransport,
    worker,
    async close() {
      await worker.stop();
      mailTransport.close();
      await database.close();
    },
  };
}

/** What the administration's correspondence (threads, campaigns) needs of the context. */
export function correspondenceDepsOf(ctx: Pick<AppContext, "db" | "clock" | "sealer" | "receiptKeys">) {
  return { db: ctx.db, clock: ctx.clock, sealer: ctx.sealer, requests: { db: ctx.db, clock: ctx.clock, receiptKeys: ctx.receiptKeys } };
}
