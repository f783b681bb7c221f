import { correspondenceDepsOf } from "../src/app/context.js";
/**
 * Campaigns (product §16): a campaign to 100,000 companies (70 % with messagerie, 30 % by letter) run by a worker
 * process of its own (`run-campaign`), as in production. Measured: threads published per second, the worker's peak
 * RSS, and the p95 of an agent's queue and of a company inbox while it runs, against the same p95 measured just
 * before on the same data (the ratio is what counts on a shared machine).
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { generate } from "otplib";
import { startTestApp } from "../test/helpers/app.js";
import type { Database } from "../src/platform/db/database.js";
import { loadCampaignTargets, makeActiveSpace, makeAgent, makeCompany, makePortfolio, makeTaxService, readQueuedCode } from "../src/app/factories.js";
import { DEMO_SERVICES, SEED } from "../src/app/demo.js";
import { signIn, verifyDevice } from "../src/modules/spaces/index.js";
import { fileRequest } from "../src/modules/requests/index.js";
import { submitCampaign } from "../src/modules/correspondence/index.js";

const ROOT = new URL("..", import.meta.url).pathname;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const summary = (times: number[]) => {
  const s = [...times].sort((a, b) => a - b);
  return { count: s.length, p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99) };
};

/**
 * GETs at a steady pace (as people browsing do: `perSecond` calls a second over `connections` loops, a call
 * starting late when the previous one was slow) until `stop()` answers true; the latency of each.
 */
async function measure(url: string, headers: Record<string, string>, connections: number, stop: () => boolean, perSecond = 20): Promise<number[]> {
  const times: number[] = [];
  const every = (1000 * connections) / perSecond;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (!stop()) {
        const t0 = performance.now();
        const res = await fetch(url, { headers });
        await res.arrayBuffer();
        if (!res.ok) throw new Error(`${url} answered ${res.status}`);
        const took = performance.now() - t0;
        times.push(took);
        if (took < every) await new Promise((r) => setTimeout(r, every - took));
      }
    }),
  );
  return times;
}

/** A process's resident set now (VmRSS) or at its peak (VmHWM), in MiB; undefined once it is gone. */
function rssMiB(pid: number, which: "VmRSS" | "VmHWM"): number | undefined {
  try {
    const m = new RegExp(`${which}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export async function benchCampaign(database: Database & { url?: string }, companies = 100_000, baselineSeconds = 5) {
  if (!database.url) throw new Error("the campaign benchmark needs a PostgreSQL server (its worker is another process)");
  const t = await startTestApp({ API_RATE_PER_MINUTE: "100000000", SIGNIN_RATE_PER_MINUTE: "100000000" }, { database });
  try {
    for (const s of DEMO_SERVICES) await makeTaxService(t.ctx, s);
    await makeCompany(t.ctx, {
      ...SEED.martin,
      streetNumber: "24",
      streetType: "RUE",
      streetName: "DE LA ROQUETTE",
      postalCode: "75011",
      communeName: "PARIS 11",
      communeCode: "75111",
    });
    await makeCompany(t.ctx, {
      ...SEED.gestion,
      streetNumber: "8",
      streetType: "PL",
      streetName: "BELLECOUR",
      postalCode: "69002",
      communeName: "LYON 2E",
      communeCode: "69382",
    });
    const loader = await makeActiveSpace(t.ctx, {
      email: "chargement@gestion.com",
      password: "Vingt-Trois-Lapins-Bleus",
      firstName: "Jeu",
      lastName: "Données",
      siren: SEED.gestion.siren,
    });
    const loadStart = performance.now();
    const sirens = await loadCampaignTargets(t.ctx, {
      base: 50_000_000,
      count: companies,
      withMessagerie: Math.round(companies * 0.7),
      spaceId: loader.spaceId,
      communeCode: "75111",
      postalCode: "75011",
      communeName: "PARIS 11",
    });
    const loadS = (performance.now() - loadStart) / 1000;

    // A person of a company in the campaign (and of Martin distribution, with 300 requests): her inbox is measured.
    const email = "robert.banc@martindistribution.com";
    const password = "Vingt-Trois-Lapins-Bleus";
    const { spaceId } = await makeActiveSpace(t.ctx, { email, password, firstName: "Robert", lastName: "Banc", siren: SEED.martin.siren });
    await makePortfolio(
      { ...t.ctx, publicUrl: "http://localhost" },
      { spaceId, sirens: [SEED.martin.siren, sirens[0]!], services: ["messagerie"], companyEmail: () => "contact@martin.example" },
    );
    for (let i = 0; i < 300; i++)
      await fileRequest(t.ctx, spaceId, {
        siren: SEED.martin.siren,
        tax: "TVA",
        nature: "question",
        subject: `Question ${i}`,
        body: "Bonjour, une question.",
        uploadIds: [],
      });
    await signIn(t.ctx, { email, password, ip: "127.0.0.1" });
    const session = await verifyDevice(t.ctx, { email, code: await readQueuedCode(t.ctx.db, email, /Code de connexion : (\d{6})/), ip: "127.0.0.1" });
    const secret = "MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U";
    const agent = await makeAgent(t.ctx, {
      email: "superviseure.banc@dgfip.test",
      name: "Sophie Banc",
      services: ["SIE-75111"],
      isSupervisor: true,
      password: "Guichet-Fiscal-Solide-42",
      totpSecret: secret,
    });
    const signedIn = await t.app.inject({
      method: "POST",
      url: "/api/v1/backoffice/session",
      payload: {
        email: "superviseure.banc@dgfip.test",
        password: "Guichet-Fiscal-Solide-42",
        totp: await generate({ secret, epoch: Math.floor(t.clock.now().getTime() / 1000) }),
      },
    });
    const agentCookie = signedIn.cookies.map((c) => `${c.name}=${c.value}`).join("; ");
    await t.app.listen({ host: "127.0.0.1", port: 0 });
    const base = `http://127.0.0.1:${(t.app.server.address() as { port: number }).port}`;
    const queueUrl = `${base}/api/v1/backoffice/requests?limit=50`;
    const inboxUrl = `${base}/api/v1/requests?limit=50`;
    const personHeaders = { cookie: `mp_session=${session.token}` };
    const agentHeaders = { cookie: agentCookie };

    // Warm-up (connections, caches, the JIT), then before: the same two lists for a few seconds.
    let until = performance.now() + 2_000;
    await Promise.all([
      measure(queueUrl, agentHeaders, 2, () => performance.now() > until),
      measure(inboxUrl, personHeaders, 2, () => performance.now() > until),
    ]);
    until = performance.now() + baselineSeconds * 1000;
    const [queueBefore, inboxBefore] = await Promise.all([
      measure(queueUrl, agentHeaders, 2, () => performance.now() > until),
      measure(inboxUrl, personHeaders, 2, () => performance.now() > until),
    ]);

    const csv = Buffer.from(`siren\n${sirens.join("\n")}\n`);
    const submitStart = performance.now();
    const { campaignId } = await submitCampaign(
      correspondenceDepsOf(t.ctx),
      { id: agent.id, services: ["SIE-75111"], isSupervisor: true },
      {
        tax: "TVA",
        nature: "information",
        subject: "Campagne de vérification de la TVA — {{siren}}",
        body: "Madame, Monsieur,\nL'entreprise {{raison_sociale}} (SIREN {{siren}}) est invitée à vérifier ses déclarations de TVA du trimestre.\nRéférence : {{reference}}.",
        acknowledgementRequired: true,
        repliesAllowed: true,
        fileName: "campagne.csv",
        csv,
      },
    );
    const submitS = (performance.now() - submitStart) / 1000;

    // The worker: a process of its own, as in production, run while the two lists are read.
    const child = spawn(process.execPath, ["--import", "tsx", "src/app/cli.ts", "run-campaign", campaignId], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: database.url, DATA_DIR: t.ctx.config.dataDir, NODE_ENV: "test", LOG_LEVEL: "silent" },
      stdio: ["ignore", "ignore", "inherit"],
    });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMiB(child.pid!, "VmHWM") ?? peak)), 100);
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    let done = false;
    void exited.then(() => (done = true));
    // Only the time the campaign itself runs (the worker's start is another figure: issue of compiled start-up).
    for (;;) {
      const c = await t.ctx.db.selectFrom("campaigns").select("started_at").where("id", "=", campaignId).executeTakeFirstOrThrow();
      if (c.started_at || done) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    // What the worker holds once started, before the campaign weighs on it.
    const startedRss = rssMiB(child.pid!, "VmRSS") ?? NaN;
    const [queueDuring, inboxDuring] = await Promise.all([measure(queueUrl, agentHeaders, 2, () => done), measure(inboxUrl, personHeaders, 2, () => done)]);
    const code = await exited;
    clearInterval(sampler);
    if (code !== 0) throw new Error(`the worker ended with code ${code}`);
    const c = await t.ctx.db.selectFrom("campaigns").select(["started_at", "finished_at", "status"]).where("id", "=", campaignId).executeTakeFirstOrThrow();
    const threads = Number(
      (
        await t.ctx.db
          .selectFrom("requests")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .where("campaign_id", "=", campaignId)
          .executeTakeFirstOrThrow()
      ).n,
    );
    const letters = Number(
      (
        await t.ctx.db
          .selectFrom("letters")
          .select((eb) => eb.fn.countAll<string>().as("n"))
          .where("campaign_id", "=", campaignId)
          .executeTakeFirstOrThrow()
      ).n,
    );
    const runS = (c.finished_at!.getTime() - c.started_at!.getTime()) / 1000;
    // Afterwards, on the grown data (100,000 more requests and messages), the same lists again.
    until = performance.now() + baselineSeconds * 1000;
    const [queueAfter, inboxAfter] = await Promise.all([
      measure(queueUrl, agentHeaders, 2, () => performance.now() > until),
      measure(inboxUrl, personHeaders, 2, () => performance.now() > until),
    ]);
    return {
      companies,
      loadS,
      submitS,
      status: c.status,
      threads,
      letters,
      runS,
      threadsPerSecond: threads / runS,
      linesPerSecond: companies / runS,
      workerPeakRssMiB: peak,
      workerRssAtStartMiB: startedRss,
      queue: { before: summary(queueBefore), during: summary(queueDuring), after: summary(queueAfter) },
      inbox: { before: summary(inboxBefore), during: summary(inboxDuring), after: summary(inboxAfter) },
    };
  } finally {
    await t.close();
  }
}
