import { afterAll, describe, expect, it } from "vitest";
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { appendFileSync, chownSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { join } from "node:path";
import pg from "pg";
import { call, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { activeAdministrator } from "../helpers/people.js";
import { upload } from "../helpers/upload.js";
import { freePort, haCluster, ROOT } from "../helpers/processes.js";
import { tempDir } from "../helpers/temp.js";
import { SEED } from "../../src/app/demo.js";
import { openDatabase } from "../../src/platform/db/database.js";
import { chainJournal, verifyJournal } from "../../src/modules/journal/index.js";
import { verifyStoredFiles } from "../../src/modules/requests/index.js";
import { s3Client } from "../../src/platform/files.s3.js";
import { dropBucket, S3_ENDPOINT, useTestS3Credentials } from "../helpers/s3.js";

/**
 * The restore drill of the PostgreSQL server: the Patroni cluster of ops/ha/cluster.sh archiving its WAL with pgBackRest
 * from whichever node is the primary (ops/backup/pgbackrest.sh); people file requests and messages with
 * attachments; a full backup; the primary is killed and its standby promoted; writing goes on; a moment T; more
 * writing; then a mistake (the requests truncated by hand). The archive is restored to T on a new instance, and the application started on it finds every request and
 * message acknowledged before T byte for byte, nothing written after T, every attachment, an intact journal chain.
 *
 * With the object store of ops/object-store/start.sh (`.ci/run` starts it), the attachments are objects in a bucket
 * and pgBackRest's repository is in another, reached over TLS (pgBackRest speaks S3 over HTTPS only) through an
 * HAProxy terminating TLS in front of Swift's S3 API with a certificate made for the drill; without it, both are
 * local folders.
 */
const PG_BIN = "/usr/lib/postgresql/15/bin";
const asRoot = process.getuid?.() === 0;

function run(cmd: string, args: string[], env: Record<string, string> = {}, asPostgres = false): Promise<string> {
  const [file, argv] = asPostgres && asRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    execFile(file, argv, { env: { ...process.env, ...env }, timeout: 240_000, maxBuffer: 16 * 2 ** 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${cmd} ${args.join(" ")}: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

const base = tempDir("mp-pitr");
if (asRoot) chownSync(base, statSync("/var/lib/postgresql").uid, statSync("/var/lib/postgresql").gid);
const socket = join(base, "sock");
mkdirSync(socket);
if (asRoot) chownSync(socket, statSync(base).uid, statSync(base).gid);
useTestS3Credentials("restore drill (object store)");
/** The repository's settings: a bucket behind the TLS terminator when the object store is there. */
let repository: Record<string, string> = {};
type Instance = { data: string; port: number; socket: string };
const backupEnv = (pgInstance: Instance) => ({
  BACKUP_DIR: join(base, "backup"),
  PG_DATA: pgInstance.data,
  PG_PORT: String(pgInstance.port),
  PG_SOCKET: pgInstance.socket,
  STANZA: "drill",
  ...repository,
});
const backup = (pgInstance: Instance, ...args: string[]) => run(join(ROOT, "ops/backup/pgbackrest.sh"), args, backupEnv(pgInstance));
/** The Patroni pair's folder and port (ops/ha/cluster.sh), apart from those of the failover and cluster tests. */
const HA_DIR = join(base, "ha");
const HA_PORT = 5740;
const cluster = haCluster(HA_DIR, String(HA_PORT), { BACKUP_CONF: join(base, "backup", "pgbackrest.conf"), BACKUP_STANZA: "drill" });
/** The node Patroni made the primary, as pgBackRest reaches it. */
async function primaryNode(): Promise<Instance> {
  const node = await cluster("primary");
  return { data: join(HA_DIR, node, "data"), port: HA_PORT + Number(node.replace("pg", "")), socket: join(HA_DIR, node) };
}

const started: string[] = [];
/** Starts PostgreSQL on a restored data folder: its own port and socket, no archiving, no synchronous standby to wait for. */
async function startRestored(data: string, port: number) {
  appendFileSync(
    join(data, "postgresql.conf"),
    [
      "",
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${socket}'`,
      `hba_file = '${join(data, "pg_hba.conf")}'`,
      `ident_file = '${join(data, "pg_ident.conf")}'`,
      "archive_mode = off",
      "synchronous_standby_names = ''",
      "",
    ].join("\n"),
  );
  await run(`${PG_BIN}/pg_ctl`, ["-D", data, "-l", `${data}.log`, "-w", "-t", "120", "start"], {}, true);
  started.push(data);
}

/** HAProxy terminating TLS on `port` in front of the S3 API at `endpoint`, with a certificate made here for 127.0.0.1. */
async function tlsTerminator(endpoint: string, port: number): Promise<{ ca: string; child: ChildProcess }> {
  const dir = join(base, "tls");
  mkdirSync(dir);
  await run("openssl", [
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:127.0.0.1"],
    ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem")],
  ]);
  writeFileSync(join(dir, "both.pem"), readFileSync(join(dir, "cert.pem"), "utf8") + readFileSync(join(dir, "key.pem"), "utf8"));
  const target = new URL(endpoint);
  writeFileSync(
    join(dir, "haproxy.cfg"),
    [
      "defaults",
      "  mode tcp",
      "  timeout connect 5s",
      "  timeout client 120s",
      "  timeout server 120s",
      "frontend s3_tls",
      `  bind 127.0.0.1:${port} ssl crt ${join(dir, "both.pem")}`,
      "  default_backend s3",
      "backend s3",
      `  server swift ${target.hostname}:${target.port || 80}`,
      "",
    ].join("\n"),
  );
  const child = spawn("haproxy", ["-db", "-f", join(dir, "haproxy.cfg")], { stdio: "ignore" });
  // Ready when it accepts connections.
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1", () => {
        socket.end();
        resolve(true);
      }).on("error", () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null) throw new Error("haproxy (TLS in front of the object store) did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
  chmodForPostgres(join(dir, "cert.pem"));
  return { ca: join(dir, "cert.pem"), child };
}
function chmodForPostgres(file: string) {
  if (asRoot) chownSync(file, statSync("/var/lib/postgresql").uid, statSync("/var/lib/postgresql").gid);
}

let t: TestApp | undefined;
let restored: TestApp | undefined;
let terminator: ChildProcess | undefined;
const buckets: string[] = [];
const client = S3_ENDPOINT ? s3Client({ endpoint: S3_ENDPOINT, region: "us-east-1", forcePathStyle: true }) : undefined;
afterAll(async () => {
  await restored?.close();
  await t?.close();
  for (const data of started) await run(`${PG_BIN}/pg_ctl`, ["-D", data, "-m", "immediate", "stop"], {}, true).catch(() => undefined);
  await cluster("destroy").catch(() => undefined);
  terminator?.kill("SIGKILL");
  for (const bucket of buckets) await dropBucket(client!, bucket).catch(() => undefined);
});

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
type Written = { id: string; reference: string; bodies: string[]; file: { name: string; content: string } };

describe("restore drill on the PostgreSQL server (pgBackRest, point in time)", () => {
  it("restores to a moment T: everything acknowledged before is there byte for byte, nothing after, the application starts on it", async () => {
    // The application's files and the backups' repository: two buckets of the object store, or local folders.
    let appFiles: Record<string, string> = {};
    if (S3_ENDPOINT && client) {
      const [filesBucket, backupBucket] = [`mp-drill-files-${randomBytes(4).toString("hex")}`, `mp-drill-backup-${randomBytes(4).toString("hex")}`];
      await client.send(new CreateBucketCommand({ Bucket: backupBucket }));
      buckets.push(filesBucket, backupBucket);
      const tlsPort = await freePort();
      const tls = await tlsTerminator(S3_ENDPOINT, tlsPort);
      terminator = tls.child;
      repository = {
        S3_ENDPOINT: `https://127.0.0.1:${tlsPort}`,
        S3_BUCKET: backupBucket,
        S3_REGION: "us-east-1",
        S3_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID!,
        S3_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY!,
        S3_CA_FILE: tls.ca,
      };
      appFiles = { S3_ENDPOINT, S3_BUCKET: filesBucket, S3_STAGING_DIR: tempDir("mp-drill-staging") };
    }
    // The repository's configuration, then the Patroni pair archiving to it from whichever node is the primary.
    await backup({ data: join(HA_DIR, "pg1", "data"), port: HA_PORT + 1, socket: join(HA_DIR, "pg1") }, "configure");
    const url = /DATABASE_URL=(\S+)/.exec(await cluster("start"))![1]!;
    await cluster("wait-healthy", "90");
    let primary = await primaryNode();
    await backup(primary, "stanza-create");

    t = await startTestApp(appFiles, { database: { ...(await openDatabase({ url, poolSize: 5 })), url } });
    const dataDir = t.ctx.config.dataDir;
    await seedReferenceData(t.ctx);
    const robert = await activeAdministrator(t, SEED.martin.siren, { companyEmail: "contact@martin.example" });
    let app = t;

    async function write(batch: string, n: number): Promise<Written[]> {
      const out: Written[] = [];
      for (let i = 0; i < n; i++) {
        const file = { name: `releve-${batch}-${i}.csv`, content: `mois;montant\n${batch};${i},50\n`.repeat(50 + i) };
        const up = await upload(app.app, robert.jar, file.name, file.content, "text/csv");
        expect(up.status).toBe(201);
        const bodies = [`Lot ${batch}, demande ${i} : voici le relevé.`, `Lot ${batch}, demande ${i} : une précision — « TVA 20 % ».`];
        const filed = await call(app.app, "POST", "/api/v1/requests", {
          jar: robert.jar,
          body: { siren: SEED.martin.siren, tax: "TVA", nature: "question", subject: `Relevé ${batch} ${i}`, body: bodies[0], uploadIds: [up.body.uploadId] },
        });
        expect(filed.status).toBe(201);
        const msg = await call(app.app, "POST", `/api/v1/requests/${filed.body.id}/messages`, { jar: robert.jar, body: { body: bodies[1], uploadIds: [] } });
        expect(msg.status).toBe(201);
        out.push({ id: filed.body.id, reference: filed.body.reference, bodies, file });
      }
      return out;
    }

    const before = await write("A", 6);
    let t0 = performance.now();
    primary = await primaryNode();
    await backup(primary, "backup", "full");
    const backupMs = performance.now() - t0;
    // A failover before T: the primary killed, its synchronous standby promoted; the archive goes on from the new
    // primary, on a new timeline. The application restarts on the promoted node (same address: HAProxy).
    await t.close();
    t = undefined;
    await cluster("kill-primary");
    await cluster("wait-healthy", "90");
    const promoted = await primaryNode();
    expect(promoted.data).not.toBe(primary.data);
    primary = promoted;
    t = await startTestApp({ ...appFiles, DATA_DIR: dataDir }, { database: { ...(await openDatabase({ url, poolSize: 5 })), url } });
    app = t;
    before.push(...(await write("B", 6)));
    // The journal chained as the worker does, before T: the restored chain must verify to its last link.
    const chainedBeforeT = (await verifyJournal(t.ctx.db)).entries + (await chainJournal(t.ctx.db));
    expect(chainedBeforeT).toBeGreaterThan(0);
    const server = new pg.Client({ connectionString: url });
    await server.connect();
    // T on the server's own clock, after every acknowledgement of batch B and before any write of batch C.
    const T = (await server.query<{ t: string }>("SELECT clock_timestamp()::text AS t")).rows[0]!.t;
    const after = await write("C", 4);
    // The mistake, by hand: every request gone (their messages and attachments with them).
    await server.query("TRUNCATE requests CASCADE");
    expect((await server.query("SELECT count(*)::int AS n FROM requests")).rows[0].n).toBe(0);
    await server.end();
    // Archived up to now (the segment holding the truncation included), as archive_timeout does within a minute.
    primary = await primaryNode();
    await backup(primary, "check");
    const info = JSON.parse(await run(join(ROOT, "ops/backup/pgbackrest.sh"), ["info"], { ...backupEnv(primary), INFO_JSON: "1" })) as {
      backup: { info: { repository: { delta: number } }; label: string }[];
    }[];
    const full = info[0]!.backup.at(-1)!;
    const sizeBytes = full.info.repository.delta;
    await t.close();
    t = undefined;

    // Restore to T on a new instance.
    const copy = join(base, "restored");
    t0 = performance.now();
    // The backup named: pgBackRest would pick the newest that ended before T, to the second, and T comes within a
    // second of its end here.
    await run(join(ROOT, "ops/backup/pgbackrest.sh"), ["restore", copy, T], { ...backupEnv(primary), BACKUP_SET: full.label });
    const restorePort = await freePort();
    await startRestored(copy, restorePort);
    const restoredUrl = `postgres://postgres@127.0.0.1:${restorePort}/messagerie`;
    const probe = new pg.Client({ connectionString: restoredUrl });
    await probe.connect();
    while ((await probe.query<{ r: boolean }>("SELECT pg_is_in_recovery() AS r")).rows[0]!.r) await new Promise((r) => setTimeout(r, 100));
    await probe.end();
    const restoreMs = performance.now() - t0;

    restored = await startTestApp(
      { ...appFiles, DATA_DIR: dataDir },
      { database: { ...(await openDatabase({ url: restoredUrl, poolSize: 5 })), url: restoredUrl } },
    );
    expect((await call(restored.app, "GET", "/api/v1/health/ready")).status).toBe(200);
    let records = 0;
    for (const w of before) {
      const thread = await call(restored.app, "GET", `/api/v1/requests/${w.id}`, { jar: robert.jar });
      expect(thread.status).toBe(200);
      expect(thread.body.reference).toBe(w.reference);
      expect(thread.body.messages.map((m: { body: string }) => m.body)).toEqual(w.bodies);
      const attachment = thread.body.messages[0].attachments[0];
      expect(attachment.name).toBe(w.file.name);
      const download = await call(restored.app, "GET", `/api/v1/attachments/${attachment.id}`, { jar: robert.jar });
      expect(download.status).toBe(200);
      expect(sha256(download.raw.rawPayload)).toBe(sha256(w.file.content));
      records += 1 + w.bodies.length + 1;
    }
    for (const w of after) expect((await call(restored.app, "GET", `/api/v1/requests/${w.id}`, { jar: robert.jar })).status).toBe(404);
    const journal = await verifyJournal(restored.ctx.db);
    expect(journal).toMatchObject({ ok: true, entries: chainedBeforeT });
    // The entries written before T and not yet chained then are chained on the restored database, the chain intact.
    await chainJournal(restored.ctx.db);
    expect(await verifyJournal(restored.ctx.db)).toMatchObject({ ok: true, unchained: 0 });
    const files = await verifyStoredFiles(restored.ctx);
    expect(files.missing).toEqual([]);

    process.stdout.write(
      `restore drill (Patroni cluster, pgBackRest, repository ${S3_ENDPOINT ? "in the object store over TLS" : "in a local folder"}): full backup ${(sizeBytes / 2 ** 20).toFixed(1)} MiB in the repository, taken in ${(backupMs / 1000).toFixed(1)} s; ` +
        `restored to T and promoted in ${(restoreMs / 1000).toFixed(1)} s; ${records} records checked (${before.length} requests, their messages and attachments), ` +
        `${after.length} requests after T absent, journal ${journal.entries} entries chained, ${files.checked} stored files present\n`,
    );
  }, 600_000);
});
