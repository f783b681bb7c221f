import { correspondenceDepsOf } from "../../src/app/context.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import pg from "pg";
import { seedReferenceData, startTestApp, type TestApp } from "../helpers/app.js";
import { AGENT_PASSWORD } from "../helpers/people.js";
import { loadCampaignTargets, makeActiveSpace, makeAgent } from "../../src/app/factories.js";
import { SEED } from "../../src/app/demo.js";
import { runCampaign, submitCampaign, type CorrespondenceDeps } from "../../src/modules/correspondence/index.js";

/**
 * A campaign to 1,000 companies of which 300 have no messagerie (product §16): 700 threads, 300 letters, exactly,
 * even when the worker dies in the middle of a chunk and another run takes over.
 */
let t: TestApp;
let deps: CorrespondenceDeps;
let sophie: { id: string; services: string[]; isSupervisor: boolean };
let sirens: string[];
const ROOT = new URL("../..", import.meta.url).pathname;

beforeAll(async () => {
  t = await startTestApp();
  await seedReferenceData(t.ctx);
  deps = correspondenceDepsOf(t.ctx);
  const { spaceId } = await makeActiveSpace(t.ctx, {
    email: "cabinet@campagne.test",
    password: "Vingt-Trois-Lapins-Bleus",
    firstName: "Anne",
    lastName: "Cabinet",
    siren: SEED.gestion.siren,
  });
  sirens = await loadCampaignTargets(t.ctx, {
    base: 40_000_000,
    count: 1_000,
    withMessagerie: 700,
    spaceId,
    communeCode: "75111",
    postalCode: "75011",
    communeName: "PARIS 11",
  });
  const agent = await makeAgent(t.ctx, {
    email: "superviseure.paris11@dgfip.test",
    name: "Sophie Superviseure",
    services: ["SIE-75111"],
    isSupervisor: true,
    password: AGENT_PASSWORD,
    totpSecret: "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U",
  });
  sophie = { id: agent.id, services: ["SIE-75111"], isSupervisor: true };
}, 120_000);
afterAll(async () => t?.close());

const submit = (subject: string) =>
  submitCampaign(deps, sophie, {
    tax: "TVA",
    nature: "information",
    subject,
    body: "Madame, Monsieur, l'entreprise {{raison_sociale}} (SIREN {{siren}}) est invitée à vérifier ses déclarations. Référence : {{reference}}.",
    acknowledgementRequired: true,
    repliesAllowed: true,
    fileName: "campagne.csv",
    // Shuffled on purpose: the companies without messagerie are spread over the file.
    csv: Buffer.from(`siren\n${[...sirens].sort((a, b) => a.slice(4).localeCompare(b.slice(4))).join("\n")}\n`),
  });

async function outcome(campaignId: string) {
  const threads = await t.ctx.db
    .selectFrom("requests")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("campaign_id", "=", campaignId)
    .executeTakeFirstOrThrow();
  const distinct = await t.ctx.db
    .selectFrom("requests")
    .select((eb) => eb.fn.count<string>("siren").distinct().as("n"))
    .where("campaign_id", "=", campaignId)
    .executeTakeFirstOrThrow();
  const letters = await t.ctx.db
    .selectFrom("letters")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("campaign_id", "=", campaignId)
    .executeTakeFirstOrThrow();
  const lines = await t.ctx.db
    .selectFrom("campaign_recipients")
    .select(["status", (eb) => eb.fn.countAll<string>().as("n")])
    .where("campaign_id", "=", campaignId)
    .groupBy("status")
    .execute();
  const messages = await t.ctx.db
    .selectFrom("messages")
    .innerJoin("requests", "requests.id", "messages.request_id")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("requests.campaign_id", "=", campaignId)
    .executeTakeFirstOrThrow();
  return {
    threads: Number(threads.n),
    companies: Number(distinct.n),
    messages: Number(messages.n),
    letters: Number(letters.n),
    lines: Object.fromEntries(lines.map((l) => [l.status, Number(l.n)])),
  };
}

// Every recipient has its own thread and reference, letter or not (a reply by post is recorded on it).
const EXACT = { threads: 1000, companies: 1000, messages: 1000, letters: 300, lines: { thread: 700, letter: 300 } };

describe("a campaign to 1,000 companies, 300 without messagerie", () => {
  it.runIf(!!process.env.TEST_DATABASE_URL)(
    "the worker process is killed (SIGKILL) in the middle of a chunk; the next run ends with exactly 700 threads and 300 letters",
    async () => {
      const { campaignId } = await submit("Campagne interrompue");
      // A company in the middle of the file: its activity row is locked by another session, so the worker's chunk that
      // publishes its thread waits on it — a worker stuck mid-transaction, killed there.
      const order = [...sirens].sort((a, b) => a.slice(4).localeCompare(b.slice(4)));
      const stuckOn = order.slice(450).find((s) => sirens.indexOf(s) < 700)!;
      const locker = new pg.Client({ connectionString: t.databaseUrl });
      await locker.connect();
      await locker.query("INSERT INTO company_activity (siren, tax, unread, open_requests) VALUES ($1, 'TVA', 0, 0) ON CONFLICT DO NOTHING", [stuckOn]);
      await locker.query("BEGIN");
      await locker.query("SELECT 1 FROM company_activity WHERE siren = $1 AND tax = 'TVA' FOR UPDATE", [stuckOn]);
      const child = spawn(process.execPath, ["--import", "tsx", "src/app/cli.ts", "run-campaign", campaignId, "--chunk", "50"], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: t.databaseUrl!, DATA_DIR: t.ctx.config.dataDir, NODE_ENV: "test", LOG_LEVEL: "silent" },
        stdio: "ignore",
      });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code, signal) => resolve(signal ? -1 : code)));
      // Wait until the worker is blocked on the lock (its chunk's inserts done, not committed); asked from another
      // session, since a transaction sees one snapshot of pg_stat_activity.
      const watcher = new pg.Client({ connectionString: t.databaseUrl });
      await watcher.connect();
      for (;;) {
        const waiting = await watcher.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()");
        if (waiting.rows[0].n > 0) break;
        if (child.exitCode !== null) throw new Error(`the worker ended before it reached the locked company (exit ${child.exitCode})`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await watcher.end();
      const before = await outcome(campaignId);
      child.kill("SIGKILL");
      expect(await exited).toBe(-1);
      await locker.query("ROLLBACK");
      await locker.end();
      // Killed halfway: some lines done, the rest pending, nothing of the chunk in flight written.
      const atKill = await outcome(campaignId);
      expect(atKill).toEqual(before);
      expect(atKill.lines.pending).toBeGreaterThan(0);
      expect(atKill.threads + atKill.letters).toBeGreaterThan(0);
      expect(atKill.threads + atKill.letters + (atKill.lines.pending ?? 0)).toBe(1_000);

      await runCampaign(deps, campaignId);
      expect(await outcome(campaignId)).toEqual(EXACT);
      const c = await t.ctx.db.selectFrom("campaigns").select(["status"]).where("id", "=", campaignId).executeTakeFirstOrThrow();
      expect(c.status).toBe("done");
    },
    120_000,
  );

  it("a run stopped halfway, then two runners at once: still exactly 700 threads online and 300 letters, each recipient with its own reference", async () => {
    const { campaignId } = await submit("Campagne reprise");
    expect(await runCampaign(deps, campaignId, { chunk: 100, maxChunks: 5 })).toBe(500);
    const half = await outcome(campaignId);
    expect(half.lines.pending).toBe(500);
    const [a, b] = await Promise.all([runCampaign(deps, campaignId, { chunk: 50 }), runCampaign(deps, campaignId, { chunk: 50 })]);
    expect(a + b).toBe(500);
    expect(await outcome(campaignId)).toEqual(EXACT);
    const refs = await t.ctx.db.selectFrom("requests").select("reference").distinct().where("campaign_id", "=", campaignId).execute();
    expect(refs).toHaveLength(1000);
    // The message is personalised for each company.
    const one = await t.ctx.db
      .selectFrom("requests as r")
      .innerJoin("messages as m", "m.request_id", "r.id")
      .select(["r.siren", "r.reference", "m.body"])
      .where("r.campaign_id", "=", campaignId)
      .limit(1)
      .executeTakeFirstOrThrow();
    expect(one.body).toContain(`(SIREN ${one.siren})`);
    expect(one.body).toContain(`Référence : ${one.reference}.`);
  }, 120_000);
});
