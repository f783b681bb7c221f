/**
 * `npm run bench:data -- --companies 100000 --portfolio 5000 --requests 1000000`: a deterministic data set for the
 * benchmarks, written with COPY into the PostgreSQL server of DATABASE_URL (migrated first). One person (the
 * portfolio holder, « portefeuille@gestion.com ») holds messagerie on `portfolio` companies; requests spread over
 * all companies, each with its first message and, one time in four, an agent's unread answer.
 */

import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Command } from "commander";
import cliProgress from "cli-progress";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { openDatabase } from "../src/platform/db/database.js";
import { migrate } from "../src/platform/db/migrate.js";
import { withLuhnKey } from "../src/modules/companies/index.js";
import { createPasswordHasher } from "../src/modules/spaces/index.js";
import { deadlinesFor } from "../src/modules/requests/index.js";

export type DataSetOptions = { companies: number; portfolio: number; requests: number; seed?: number; quiet?: boolean };

export function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A deterministic UUID from a counter (so that the same options give the same data). */
export const uuidOf = (prefix: number, n: number) => `${prefix.toString(16).padStart(8, "0")}-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
export const esc = (s: string) => s.replace(/\\/g, "\\\\").replace(/\t/g, " ").replace(/\n/g, "\\n");

/**
 * COPY of generated lines in chunks of 5,000, moving a progress bar, or reporting every tenth of `progress.total`
 * rows (with the seconds elapsed) where no terminal shows a bar.
 */
export async function copy(
  client: pg.PoolClient,
  table: string,
  columns: string[],
  rows: Iterable<string>,
  bar?: cliProgress.SingleBar,
  progress?: { total: number; report: (rows: number, seconds: number) => void },
) {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN`));
  const t0 = performance.now();
  const step = progress ? Math.max(1, Math.floor(progress.total / 10)) : 0;
  function* lines() {
    let chunk = "";
    let n = 0;
    for (const row of rows) {
      chunk += row;
      if (++n % 5_000 === 0) {
        yield chunk;
        chunk = "";
        bar?.increment(5_000);
      }
      if (step && n % step === 0) progress!.report(n, (performance.now() - t0) / 1000);
    }
    yield chunk;
    bar?.increment(n % 5_000);
  }
  await pipeline(Readable.from(lines()), stream);
}

/**
 * Deadlines for generated requests. The French working-day calendar costs a walk for each: they are computed once
 * per nature and day of receipt, then shifted by the time of day (close enough for a data set to measure with).
 */
export function dayDeadlines() {
  const cache = new Map<string, { firstAnswer: number; legal: number | null }>();
  return (nature: string, received: number) => {
    const day = Math.floor(received / 86_400_000) * 86_400_000;
    const key = `${nature}|${day}`;
    let d = cache.get(key);
    if (!d) {
      const x = deadlinesFor(nature, new Date(day));
      d = { firstAnswer: x.firstAnswer.getTime(), legal: x.legal ? x.legal.getTime() : null };
      cache.set(key, d);
    }
    const shift = received - day;
    return { firstAnswer: d.firstAnswer + shift, legal: d.legal === null ? null : d.legal + shift };
  };
}

/** The columns of a generated request line (`requestLine`), for COPY. */
export const REQUEST_COLUMNS = [
  "id",
  "reference",
  "siren",
  "tax",
  "nature",
  "subject",
  "status",
  "service_code",
  "author_space_id",
  "received_at",
  "last_activity_at",
  "first_answer_at",
  "answered_at",
  "closed_at",
  "first_answer_due_at",
  "legal_due_at",
  "assignee_agent_id",
  "first_answer_agent_id",
];

/** One request as a COPY line of REQUEST_COLUMNS: answered (and closed) at `answeredAt` when its status says so. */
export function requestLine(r: {
  id: string;
  reference: string;
  siren: string;
  tax: string;
  nature: string;
  subject: string;
  status: string;
  service: string;
  author: string;
  received: number;
  answeredAt: number | null;
  deadlines: { firstAnswer: number; legal: number | null };
  assignee: string | null;
}): string {
  const iso = (t: number) => new Date(t).toISOString();
  return (
    [
      r.id,
      r.reference,
      r.siren,
      r.tax,
      r.nature,
      esc(r.subject),
      r.status,
      r.service,
      r.author,
      iso(r.received),
      iso(r.answeredAt ?? r.received),
      r.answeredAt ? iso(r.answeredAt) : "\\N",
      r.answeredAt && (r.status === "answered" || r.status === "closed") ? iso(r.answeredAt) : "\\N",
      r.answeredAt && r.status === "closed" ? iso(r.answeredAt) : "\\N",
      iso(r.deadlines.firstAnswer),
      r.deadlines.legal ? iso(r.deadlines.legal) : "\\N",
      r.assignee ?? "\\N",
      // The assignee wrote the first answer.
      r.answeredAt ? (r.assignee ?? "\\N") : "\\N",
    ].join("\t") + "\n"
  );
}

/** Builds the data set; returns the portfolio holder's space id. */
/**
 * The triggers that keep companies' activity and portfolio entries row by row: off while COPY loads millions of
 * rows, then `portfolio_rebuild()` computes the same figures in a few set-based statements.
 */
export async function activityTriggers(client: pg.PoolClient, action: "DISABLE" | "ENABLE") {
  for (const [table, trigger] of [
    ["rights", "portfolio_follow_rights_insert"],
    ["rights", "portfolio_follow_rights_update"],
    ["rights", "portfolio_follow_rights_delete"],
    ["requests", "company_activity_follow_inserted_requests"],
    ["messages", "company_activity_follow_inserted_messages"],
  ]) {
    await client.query(`ALTER TABLE ${table} ${action} TRIGGER ${trigger}`);
  }
}

export async function generateDataSet(url: string, o: DataSetOptions): Promise<{ spaceId: string; sirens: string[] }> {
  const database = await openDatabase({ url, poolSize: 2 });
  await migrate(database.db);
  await database.close();
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  const client = await pool.connect();
  const random = prng(o.seed ?? 20261128);
  const now = Date.parse("2026-11-28T09:00:00Z");
  const bars =
    o.quiet || !process.stderr.isTTY
      ? undefined
      : new cliProgress.MultiBar({ format: "{table} [{bar}] {value}/{total}", stream: process.stderr }, cliProgress.Presets.shades_classic);
  try {
    await client.query("BEGIN");
    await client.query(
      `INSERT INTO tax_services (code, type, name, address, postal_code, city) VALUES ('SIE-75111', 'SIE', 'SIE Paris 11e', '12 rue Godefroy Cavaignac', '75011', 'PARIS') ON CONFLICT DO NOTHING`,
    );
    const sirens = Array.from({ length: o.companies }, (_, i) => withLuhnKey(String(30_000_000 + i * 17).slice(-8)));
    await copy(
      client,
      "companies",
      ["siren", "name", "is_active", "diffusion", "updated_at"],
      (function* () {
        for (let i = 0; i < sirens.length; i++) yield `${sirens[i]}\tSOCIETE ${i}\tt\tO\t2026-11-28T09:00:00Z\n`;
      })(),
      bars?.create(o.companies, 0, { table: "companies" }),
    );

    const spaceId = uuidOf(1, 1);
    const hash = await createPasswordHasher(1).hash("Vingt-Trois-Lapins-Bleus");
    await client.query(
      `INSERT INTO spaces (id, subscriber_number, mode, connection_email, password_hash, first_name, last_name, phone, entity_siren, status, created_at, verified_at)
       VALUES ($1, '10000000000009', 'expert', 'portefeuille@gestion.com', $2, 'Porte', 'Feuille', '0100000000', $3, 'active', now(), now())`,
      [spaceId, hash, sirens[0]],
    );
    await activityTriggers(client, "DISABLE");
    const portfolio = sirens.filter((_, i) => i % Math.max(1, Math.floor(o.companies / o.portfolio)) === 0).slice(0, o.portfolio);
    await copy(
      client,
      "rights",
      ["id", "space_id", "siren", "service", "role", "state", "valid_from", "created_at"],
      (function* () {
        for (let i = 0; i < portfolio.length; i++)
          yield `${uuidOf(2, i)}\t${spaceId}\t${portfolio[i]}\tmessagerie\tdelegate\tactive\t2026-01-01T00:00:00Z\t2026-01-01T00:00:00Z\n`;
      })(),
      bars?.create(portfolio.length, 0, { table: "rights" }),
    );

    const taxes = ["TVA", "IS", "CFE-CVAE", "TS", "PAS", "TF", "AUTRE"];
    const words = [
      "remboursement",
      "crédit",
      "TVA",
      "délai",
      "paiement",
      "attestation",
      "régularisation",
      "acompte",
      "déclaration",
      "pénalités",
      "échéancier",
      "dégrèvement",
    ];
    const sentence = () => Array.from({ length: 6 }, () => words[Math.floor(random() * words.length)]).join(" ");
    const messageRows: string[] = [];
    const statuses = ["received", "in_progress", "awaiting_user", "answered", "closed"];
    await copy(
      client,
      "requests",
      ["id", "reference", "siren", "tax", "nature", "subject", "status", "service_code", "author_space_id", "received_at", "last_activity_at"],
      (function* () {
        for (let i = 0; i < o.requests; i++) {
          const id = uuidOf(3, i);
          const siren = sirens[Math.floor(random() * sirens.length)]!;
          const at = new Date(now - Math.floor(random() * 365 * 86_400_000)).toISOString();
          const status = statuses[Math.floor(random() * statuses.length)]!;
          const subject = sentence();
          messageRows.push(`${uuidOf(4, i)}\t${id}\tperson\t${spaceId}\t${esc(`Bonjour, ${sentence()}. ${sentence()}.`)}\t${"0".repeat(64)}\t${at}\t${at}\n`);
          if (i % 4 === 0) messageRows.push(`${uuidOf(5, i)}\t${id}\tagent\t\\N\t${esc(`Réponse : ${sentence()}.`)}\t${"0".repeat(64)}\t${at}\t\\N\n`);
          yield `${id}\t2026-SIE-75111-${String(i + 1).padStart(7, "0")}\t${siren}\t${taxes[i % taxes.length]}\tquestion\t${esc(subject)}\t${status}\tSIE-75111\t${spaceId}\t${at}\t${at}\n`;
        }
      })(),
      bars?.create(o.requests, 0, { table: "requests" }),
    );
    await copy(
      client,
      "messages",
      ["id", "request_id", "author_kind", "author_space_id", "body", "body_sha256", "created_at", "read_by_company_at"],
      messageRows,
      bars?.create(messageRows.length, 0, { table: "messages" }),
    );
    await activityTriggers(client, "ENABLE");
    await client.query("SELECT portfolio_rebuild()");
    await client.query("COMMIT");
    await client.query("ANALYZE");
    return { spaceId, sirens: portfolio };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    bars?.stop();
    client.release();
    await pool.end();
  }
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!);
if (isMain) {
  const program = new Command()
    .name("npm run bench:data --")
    .description("Génère un jeu de données de mesure (COPY, déterministe) dans la base PostgreSQL de DATABASE_URL")
    .option("--companies <n>", "entreprises", "100000")
    .option("--portfolio <n>", "entreprises du portefeuille de la personne mesurée", "5000")
    .option("--requests <n>", "demandes", "1000000")
    .option("--seed <n>", "graine", "20261128")
    .parse();
  const opts = program.opts<{ companies: string; portfolio: string; requests: string; seed: string }>();
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write("DATABASE_URL est nécessaire : le jeu de données s'écrit par COPY dans un serveur PostgreSQL (base vide de préférence).\n");
    process.exit(1);
  }
  const t0 = performance.now();
  const r = await generateDataSet(url, {
    companies: Number(opts.companies),
    portfolio: Number(opts.portfolio),
    requests: Number(opts.requests),
    seed: Number(opts.seed),
  });
  process.stdout.write(
    `Jeu de données prêt en ${((performance.now() - t0) / 1000).toFixed(1)} s : personne ${r.spaceId}, ${r.sirens.length} entreprises en portefeuille.\n`,
  );
}
