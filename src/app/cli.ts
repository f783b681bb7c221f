import { Command, CommanderError } from "commander";
import { ConfigError, loadConfig } from "../platform/config.js";
import { DataDirLockedError } from "../platform/db/lock.js";
import { DomainError } from "../platform/errors.js";
import { createLogger } from "../platform/logger.js";
import { importEtablissements, importLegalRepresentatives, importTaxServices, importUnitesLegales } from "../modules/companies/index.js";
import { appendJournal, chainJournal, verifyJournal } from "../modules/journal/index.js";
import { markBatchPosted, markLetterReturned, writePrintBatch } from "../modules/letters/index.js";
import { createAgent, totpNow } from "../modules/backoffice/index.js";
import { createContext, type AppContext, correspondenceDepsOf } from "./context.js";
import { setLegalHold, verifyStoredFiles } from "../modules/requests/index.js";
import { startBackgroundWork } from "./worker.js";
import { addDataCommands } from "./cli.data.js";
import { timedImport } from "./cli.import.js";
import { disableSoftware, listSoftware, registerSoftware } from "../modules/software/index.js";
import { DEMO_AGENTS } from "./demo.js";
import { runCampaign } from "../modules/correspondence/index.js";

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** Opens the context for one command and always closes it. Operator commands log only warnings. */
async function withContext<T>(run: (ctx: AppContext) => T | Promise<T>): Promise<T> {
  const config = loadConfig();
  const ctx = await createContext(config, { logger: createLogger(process.env.LOG_LEVEL ?? "warn") });
  try {
    return await run(ctx);
  } finally {
    await ctx.close();
  }
}

export function buildCli(): Command {
  const program = new Command().name("npm run cli --").description("Commandes d'exploitation de Messagerie Pro").showHelpAfterError().exitOverride();

  program
    .command("migrate")
    .description("Applique les migrations de la base de données")
    .action(() => withContext(() => out("Base de données à jour.")));

  program
    .command("import-sirene")
    .description("Importe les fichiers stock SIRENE de l'INSEE (StockUniteLegale, StockEtablissement)")
    .option("--unites <fichier>", "fichier StockUniteLegale_utf8.csv")
    .option("--etablissements <fichier>", "fichier StockEtablissement_utf8.csv")
    .action((opts: { unites?: string; etablissements?: string }) =>
      withContext(async (ctx) => {
        if (!opts.unites && !opts.etablissements) throw new DomainError("invalid", "missing_file", "Indiquez --unites FICHIER et/ou --etablissements FICHIER.");
        let rejected = 0;
        if (opts.unites) rejected += (await timedImport("Unités légales", (p) => importUnitesLegales(ctx.db, opts.unites!, ctx.clock.now(), p))).rejected;
        if (opts.etablissements)
          rejected += (await timedImport("Établissements", (p) => importEtablissements(ctx.db, opts.etablissements!, ctx.clock.now(), p))).rejected;
        if (rejected > 0) process.exitCode = 2;
      }),
    );

  program
    .command("import-services")
    .description("Importe les services des impôts et leur compétence (code,type,name,address,postalCode,city,competence)")
    .argument("<fichier>", "fichier CSV")
    .action((file: string) =>
      withContext(async (ctx) => {
        const report = await timedImport("Services", () => importTaxServices(ctx.db, file, ctx.clock.now()));
        if (report.rejected > 0) process.exitCode = 2;
      }),
    );

  program
    .command("import-representatives")
    .description("Importe les noms des représentants légaux (siren,firstName,lastName)")
    .argument("<fichier>", "fichier CSV")
    .action((file: string) =>
      withContext(async (ctx) => {
        const report = await timedImport("Représentants", () => importLegalRepresentatives(ctx.db, file));
        if (report.rejected > 0) process.exitCode = 2;
      }),
    );

  program
    .command("create-agent")
    .description("Crée un agent ; le mot de passe et le secret TOTP sont générés et affichés s'ils ne sont pas fournis")
    .requiredOption("--email <courriel>", "adresse électronique de l'agent")
    .requiredOption("--name <nom>", "nom complet")
    .requiredOption("--service <code...>", "code(s) du ou des services de l'agent")
    .option("--supervisor", "l'agent est superviseur de ses services", false)
    .option("--password <mot de passe>", "mot de passe (sinon généré)")
    .option("--totp-secret <base32>", "secret TOTP (sinon généré)")
    .action((opts: { email: string; name: string; service: string[]; supervisor: boolean; password?: string; totpSecret?: string }) =>
      withContext(async (ctx) => {
        const agent = await createAgent(ctx, {
          email: opts.email,
          name: opts.name,
          services: opts.service,
          isSupervisor: opts.supervisor,
          password: opts.password,
          totpSecret: opts.totpSecret,
        });
        out(`Agent créé : ${agent.email} (${agent.id})`);
        if (!opts.password) out(`Mot de passe : ${agent.password}`);
        if (!opts.totpSecret) {
          out(`Secret TOTP : ${agent.totpSecret}`);
          out(`URI otpauth : ${agent.otpauthUri}`);
        }
        if (!opts.password || !opts.totpSecret) out("Transmettez-les à l'agent par un canal sûr : ils ne seront plus affichés.");
      }),
    );

  program
    .command("register-software")
    .description("Enregistre un logiciel (client OAuth 2.0) ; affiche son client_id et, s'il est confidentiel, son secret (une seule fois)")
    .requiredOption("--name <nom>", "nom du logiciel, montré à la personne qui l'autorise")
    .requiredOption("--redirect-uri <uri...>", "adresse(s) de retour exactes (https, ou http sur la machine locale)")
    .option("--public", "client public (logiciel installé, sans secret) : PKCE seul", false)
    .action((opts: { name: string; redirectUri: string[]; public: boolean }) =>
      withContext(async (ctx) => {
        const software = await registerSoftware(
          { db: ctx.db, clock: ctx.clock, oauthKey: ctx.config.oauthKey },
          { name: opts.name, redirectUris: opts.redirectUri, public: opts.public },
        );
        out(`Logiciel enregistré : ${software.name}`);
        out(`client_id : ${software.clientId}`);
        if (software.clientSecret) {
          out(`client_secret : ${software.clientSecret}`);
          out("Transmettez le secret à l'éditeur par un canal sûr : il ne sera plus affiché.");
        }
        for (const uri of software.redirectUris) out(`adresse de retour : ${uri}`);
      }),
    );

  program
    .command("list-software")
    .description("Liste les logiciels enregistrés")
    .action(() =>
      withContext(async (ctx) => {
        const list = await listSoftware(ctx.db);
        if (list.length === 0) out("Aucun logiciel enregistré.");
        for (const s of list) {
          const state = s.disabledAt ? `désactivé le ${s.disabledAt.toISOString()}` : `actif, ${s.liveGrants} autorisation(s) en cours`;
          out(`${s.clientId}  ${s.name}  (${s.public ? "public" : "confidentiel"}, ${state})  ${s.redirectUris.join(" ")}`);
        }
      }),
    );

  program
    .command("disable-software")
    .description("Désactive un logiciel : ses jetons cessent de fonctionner à l'appel suivant")
    .argument("<client_id>", "identifiant du logiciel")
    .action((clientId: string) =>
      withContext(async (ctx) => {
        const done = await disableSoftware(ctx, clientId);
        out(`Logiciel ${done.clientId} désactivé ; ${done.revokedGrants} autorisation(s) révoquée(s).`);
      }),
    );

  program
    .command("run-campaign")
    .description("Reprend une campagne là où elle s'est arrêtée (les lignes déjà traitées ne le sont jamais deux fois)")
    .argument("<campaign_id>", "identifiant de la campagne")
    .option("--chunk <lignes>", "lignes par transaction", "500")
    .action((campaignId: string, opts: { chunk: string }) =>
      withContext(async (ctx) => {
        const chunk = Number(opts.chunk);
        if (!Number.isInteger(chunk) || chunk < 1 || chunk > 5_000)
          throw new DomainError("invalid", "invalid_chunk", "--chunk : un nombre de lignes entre 1 et 5 000.");
        const handled = await runCampaign(correspondenceDepsOf(ctx), campaignId, { chunk });
        out(`${handled} ligne(s) traitée(s).`);
      }),
    );

  const letters = program.command("letters").description("Courriers : lots d'impression, envoi, retours");
  letters
    .command("batch")
    .description("Écrit le lot d'impression des courriers édités jusqu'à la date (un PDF et un manifeste CSV) et les marque imprimés")
    .requiredOption("--date <AAAA-MM-JJ>", "dernier jour d'édition des courriers du lot (calendrier de Paris)")
    .option("--out <dossier>", "dossier où écrire le lot", "./lots")
    .action((opts: { date: string; out: string }) =>
      withContext(async (ctx) => {
        const batch = await writePrintBatch(ctx, opts.date, opts.out);
        await ctx.db.transaction().execute((tx) =>
          appendJournal(tx, ctx.clock.now(), {
            actor: { kind: "operator" },
            action: "letters.batch_printed",
            subject: { type: "print_batch", id: batch.batchId },
            data: { date: opts.date, letters: batch.letters },
          }),
        );
        out(`Lot ${batch.batchId} : ${batch.letters} courrier(s).`);
        out(`  PDF       : ${batch.pdfPath}`);
        out(`  manifeste : ${batch.manifestPath}`);
        out(`Après l'envoi : npm run cli -- letters posted ${batch.batchId}`);
      }),
    );
  letters
    .command("posted")
    .description("Marque un lot comme posté : seule une copie aux codes masqués est conservée")
    .argument("<lot>", "identifiant du lot")
    .action((batchId: string) =>
      withContext(async (ctx) => {
        if (!/^[0-9a-f-]{36}$/.test(batchId)) throw new DomainError("invalid", "invalid_batch", `Identifiant de lot invalide : ${batchId}`);
        const n = await ctx.db.transaction().execute(async (tx) => {
          const count = await markBatchPosted(ctx, batchId, tx);
          await appendJournal(tx, ctx.clock.now(), {
            actor: { kind: "operator" },
            action: "letters.batch_posted",
            subject: { type: "print_batch", id: batchId },
            data: { letters: count },
          });
          return count;
        });
        out(`Lot ${batchId} posté : ${n} courrier(s) ; les codes ne sont plus conservés en clair.`);
      }),
    );
  letters
    .command("returned")
    .description("Enregistre le retour d'un courrier non distribué (NPAI)")
    .argument("<courrier>", "identifiant du courrier")
    .action((letterId: string) =>
      withContext(async (ctx) => {
        if (!/^[0-9a-f-]{36}$/.test(letterId)) throw new DomainError("invalid", "invalid_letter", `Identifiant de courrier invalide : ${letterId}`);
        const row = await ctx.db.transaction().execute(async (tx) => {
          const r = await markLetterReturned(ctx, letterId, tx);
          await appendJournal(tx, ctx.clock.now(), {
            actor: { kind: "operator" },
            action: "letter.returned",
            subject: { type: "letter", id: letterId },
            data: { siren: r.siren, adhesionId: r.adhesion_id },
          });
          return r;
        });
        out(`Courrier ${letterId} (SIREN ${row.siren}) enregistré comme retourné (NPAI).`);
      }),
    );

  const journal = program.command("journal").description("Journal d'audit");
  journal
    .command("verify")
    .description("Vérifie la chaîne d'empreintes du journal et nomme le premier maillon rompu")
    .action(() =>
      withContext(async (ctx) => {
        const chained = await chainJournal(ctx.db);
        if (chained > 0) out(`${chained} entrée(s) récentes chaînées.`);
        const verdict = await verifyJournal(ctx.db);
        if (verdict.ok) {
          out(
            `Journal intègre : ${verdict.entries} entrées, dernière empreinte ${verdict.lastHash}.${verdict.unchained ? ` (${verdict.unchained} entrée(s) en cours d'écriture, pas encore chaînées.)` : ""}`,
          );
        } else {
          out(`Journal ROMPU à l'entrée ${verdict.brokenSeq} : ${verdict.reason} (${verdict.entries} entrées valides avant).`);
          process.exitCode = 1;
        }
      }),
    );

  const files = program.command("files").description("Fichiers stockés (pièces jointes, exports)");
  files
    .command("verify")
    .description("Vérifie que chaque ligne qui nomme un fichier le trouve dans le stockage (à lancer après une restauration)")
    .action(() =>
      withContext(async (ctx) => {
        const { checked, missing } = await verifyStoredFiles(ctx);
        for (const m of missing) out(`MANQUANT : ${m.table} ${m.id} (« ${m.name} ») — fichier ${m.key}`);
        if (missing.length === 0) out(`Aucun fichier manquant : ${checked} ligne(s) vérifiée(s).`);
        else {
          out(`${missing.length} fichier(s) manquant(s) sur ${checked} ligne(s) vérifiée(s).`);
          process.exitCode = 1;
        }
      }),
    );

  addDataCommands(program);

  program
    .command("legal-hold")
    .description("Suspend (ou lève) la purge des demandes d'une entreprise (conservation pour contentieux)")
    .requiredOption("--siren <siren>", "SIREN de l'entreprise")
    .option("--reason <texte>", "motif", "contentieux")
    .option("--off", "lever la conservation", false)
    .action((opts: { siren: string; reason: string; off: boolean }) =>
      withContext(async (ctx) => {
        await setLegalHold(ctx, opts.siren, !opts.off, opts.reason);
        out(opts.off ? `Conservation levée pour ${opts.siren}.` : `Conservation posée pour ${opts.siren} : ses demandes ne seront pas purgées.`);
      }),
    );

  program
    .command("worker")
    .description("Lance seul le travail de fond (envoi des courriels, nettoyage), pour un déploiement à plusieurs processus")
    .action(async () => {
      const config = loadConfig();
      const ctx = await createContext(config);
      const stop = startBackgroundWork(ctx);
      out("Worker démarré (Ctrl+C pour arrêter).");
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await stop();
      await ctx.close();
    });

  program
    .command("demo-totp")
    .description("Affiche le code TOTP du moment d'un agent de démonstration (hors production)")
    .argument("<courriel>", "adresse d'un agent de démonstration")
    .action(async (email: string) => {
      const config = loadConfig();
      if (config.isProduction) throw new DomainError("forbidden", "not_in_production", "Commande indisponible en production.");
      const agent = DEMO_AGENTS.find((a) => a.email === email.toLowerCase());
      if (!agent)
        throw new DomainError(
          "not_found",
          "unknown_demo_agent",
          `Agent de démonstration inconnu : ${email}. Agents : ${DEMO_AGENTS.map((a) => a.email).join(", ")}`,
        );
      out(await totpNow(agent.totpSecret, new Date()));
    });

  return program;
}

async function run() {
  try {
    await buildCli().parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode;
      return;
    }
    if (error instanceof ConfigError || error instanceof DataDirLockedError || error instanceof DomainError) {
      process.stderr.write(`Erreur : ${error.message}\n`);
    } else {
      process.stderr.write(`Erreur inattendue : ${error instanceof Error ? error.message : String(error)}\n`);
    }
    process.exitCode = 1;
  }
}

await run();
