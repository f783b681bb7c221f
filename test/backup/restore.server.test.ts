import { afterAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, chownSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { call, seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { activeAdministrator } from "../helpers/people.js";
import { upload } from "../helpers/upload.js";
import { freePort, ROOT } from "../helpers/processes.js";
import { tempDir } from "../helpers/temp.js";
import { SEED } from "../../src/app/demo.js";
import { openDatabase } from "../../src/platform/db/database.js";
import { chainJournal, verifyJournal } from "../../src/modules/journal/index.js";
import { verifyStoredFiles } from "../../src/modules/requests/index.js";

/**
 * The restore drill of the PostgreSQL server (issue « Backups that restore »): an instance archiving its WAL with
 * pgBackRest (ops/backup/pgbackrest.sh, repository in a local folder); people file requests and messages with
 * attachments; a full backup; writing goes on; a moment T; more writing; then a mistake (the requests truncated by
 * hand). The archive is restored to T on a new instance, and the application started on it finds every request and
 * message acknowledged before T byte for byte, nothing written after T, every attachment, an intact journal chain.
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
const backupEnv = (data: string, port: number) => ({
  BACKUP_DIR: join(base, "backup"),
  PG_DATA: data,
  PG_PORT: String(port),
  PG_SOCKET: socket,
  STANZA: "drill",
});
const backup = (data: string, port: number, ...args: string[]) => run(join(ROOT, "ops/backup/pgbackrest.sh"), args, backupEnv(data, port));

const started: string[] = [];
async function startInstance(data: string, port: number, extra: string) {
  appendFileSync(data + "/postgresql.conf", `\nport = ${port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '${socket}'\n${extra}`);
  await run(`${PG_BIN}/pg_ctl`, ["-D", data, "-l", `${data}.log`, "-w", "-t", "120", "start"], {}, true);
  started.push(data);
}

let t: TestApp | undefined;
let restored: TestApp | undefined;
afterAll(async () => {
  await restored?.close();
  await t?.close();
  for (const data of started) await run(`${PG_BIN}/pg_ctl`, ["-D", data, "-m", "immediate", "stop"], {}, true).catch(() => undefined);
});

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
type Written = { id: string; reference: string; bodies: string[]; file: { name: string; content: string } };

describe("restore drill on the PostgreSQL server (pgBackRest, point in time)", () => {
  it("restores to a moment T: everything acknowledged before is there byte for byte, nothing after, the application starts on it", async () => {
    const primary = join(base, "primary");
    const port = await freePort();
    await run(`${PG_BIN}/initdb`, ["-D", primary, "-A", "trust", "-U", "postgres", "--no-sync"], {}, true);
    const settings = await backup(primary, port, "configure");
    expect(settings).toContain("archive_command = 'pgbackrest");
    await startInstance(primary, port, settings);
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
    await admin.connect();
    await admin.query("CREATE DATABASE messagerie");
    await admin.end();
    await backup(primary, port, "stanza-create");

    const url = `postgres://postgres@127.0.0.1:${port}/messagerie`;
    t = await startTestApp({}, { database: { ...(await openDatabase({ url, poolSize: 5 })), url } });
    const dataDir = t.ctx.config.dataDir;
    await seedReferenceData(t.ctx);
    const robert = await activeAdministrator(t, SEED.martin.siren, { companyEmail: "contact@martin.example" });
    const app = t;

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
    await backup(primary, port, "backup", "full");
    const backupMs = performance.now() - t0;
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
    await backup(primary, port, "check");
    const info = JSON.parse(await run(join(ROOT, "ops/backup/pgbackrest.sh"), ["info"], { ...backupEnv(primary, port), INFO_JSON: "1" })) as {
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
    await run(join(ROOT, "ops/backup/pgbackrest.sh"), ["restore", copy, T], { ...backupEnv(primary, port), BACKUP_SET: full.label });
    const restorePort = await freePort();
    await startInstance(copy, restorePort, "archive_mode = off\n");
    const restoredUrl = `postgres://postgres@127.0.0.1:${restorePort}/messagerie`;
    const probe = new pg.Client({ connectionString: restoredUrl });
    await probe.connect();
    while ((await probe.query<{ r: boolean }>("SELECT pg_is_in_recovery() AS r")).rows[0]!.r) await new Promise((r) => setTimeout(r, 100));
    await probe.end();
    const restoreMs = performance.now() - t0;

    restored = await startTestApp({ DATA_DIR: dataDir }, { database: { ...(await openDatabase({ url: restoredUrl, poolSize: 5 })), url: restoredUrl } });
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
      `restore drill (PostgreSQL server, pgBackRest): full backup ${(sizeBytes / 2 ** 20).toFixed(1)} MiB in the repository, taken in ${(backupMs / 1000).toFixed(1)} s; ` +
        `restored to T and promoted in ${(restoreMs / 1000).toFixed(1)} s; ${records} records checked (${before.length} requests, their messages and attachments), ` +
        `${after.length} requests after T absent, journal ${journal.entries} entries chained, ${files.checked} stored files present\n`,
    );
  }, 600_000);
});
