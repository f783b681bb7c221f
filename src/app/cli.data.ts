import type { Command } from "commander";
import { existsSync, readFileSync } from "node:fs";
import { loadConfig } from "../platform/config.js";
import { DomainError } from "../platform/errors.js";
import { checkBackupTarget, requestDump, restoreBackup, writeBackup } from "../platform/backup.js";
import { openDatabase } from "../platform/db/database.js";
import { verifyExport, verifyReceipt } from "../modules/requests/index.js";
import { loadReceiptKeys } from "./context.js";

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/**
 * The commands on the data as a whole, read or written outside the server: the embedded mode's backup and restore,
 * and the checks of a signed receipt or export, which need no database.
 */
export function addDataCommands(program: Command): void {
  program
    .command("backup")
    .description("Sauvegarde la base embarquée et les fichiers en une archive (.tar.gz) avec un manifeste SHA-256, serveur en marche ou non")
    .requiredOption("--to <fichier>", "archive à écrire (.tar.gz)")
    .action(async (opts: { to: string }) => {
      const config = loadConfig();
      if (config.databaseUrl)
        throw new DomainError(
          "invalid",
          "server_mode",
          "Cette commande sauvegarde la base embarquée ; avec un serveur PostgreSQL (DATABASE_URL), sauvegardez-le avec ses propres outils (docs/operations.md).",
        );
      if (config.s3)
        throw new DomainError(
          "invalid",
          "object_store",
          "Les fichiers sont dans un stockage objet (S3) : cette commande ne sauvegarde que le dossier de fichiers local (docs/operations.md).",
        );
      checkBackupTarget(opts.to);
      const startedAt = performance.now();
      // The process holding the database (the server) dumps it; when none does, the command opens it itself.
      let dump = await requestDump(config.dataDir);
      if (!dump) {
        const database = await openDatabase({ dataDir: config.dataDir });
        try {
          dump = await database.dumpDataDir!();
        } finally {
          await database.close();
        }
      }
      const report = await writeBackup({ to: opts.to, dataDir: config.dataDir, filesDir: config.filesDir, dump, now: new Date(), startedAt });
      out(
        `Sauvegarde écrite : ${report.archive} (${(report.bytes / 1e6).toFixed(1)} Mo, ${report.entries} entrées vérifiables, ${(report.ms / 1000).toFixed(1)} s).`,
      );
    });

  program
    .command("restore")
    .description("Restaure une sauvegarde dans un dossier de données vide, après avoir vérifié chaque empreinte SHA-256")
    .requiredOption("--from <fichier>", "archive écrite par la commande backup")
    .action(async (opts: { from: string }) => {
      const config = loadConfig();
      if (config.databaseUrl)
        throw new DomainError("invalid", "server_mode", "Cette commande restaure la base embarquée : retirez DATABASE_URL de la configuration.");
      if (config.s3)
        throw new DomainError(
          "invalid",
          "object_store",
          "Les fichiers sont configurés dans un stockage objet (S3) : cette commande restaure un dossier local.",
        );
      const report = await restoreBackup({ from: opts.from, dataDir: config.dataDir, filesDir: config.filesDir });
      out(
        `Sauvegarde restaurée dans ${config.dataDir} : ${report.entries} entrées vérifiées (${(report.bytes / 1e6).toFixed(1)} Mo), ${(report.ms / 1000).toFixed(1)} s. ` +
          "Lancez ensuite « journal verify » et « files verify ».",
      );
    });

  program
    .command("verify-receipt")
    .description(
      "Vérifie un accusé de réception signé (signature PDF PAdES), sans base de données : le fichier et le certificat de la plateforme suffisent (pdfsig ou tout lecteur de PDF le vérifient aussi)",
    )
    .argument("<fichier>", "accusé de réception (PDF)")
    .option(
      "--certificate <fichier.pem>",
      "certificat de la plateforme (GET /api/v1/receipts/certificate), ou sa clé publique (GET /api/v1/receipts/public-key) ; sinon celui de la configuration locale",
    )
    .option("--public-key <fichier.pem>", "synonyme de --certificate")
    .action(async (file: string, opts: { certificate?: string; publicKey?: string }) => {
      let pdf: Buffer;
      try {
        pdf = readFileSync(file);
      } catch {
        throw new DomainError("invalid", "file_not_found", `Fichier illisible : ${file}`);
      }
      const trustedFile = opts.certificate ?? opts.publicKey;
      if (trustedFile && !existsSync(trustedFile)) throw new DomainError("invalid", "file_not_found", `Certificat illisible : ${trustedFile}`);
      const trusted = trustedFile ? readFileSync(trustedFile, "utf8") : loadReceiptKeys(loadConfig()).certificatePem;
      const verdict = await verifyReceipt(pdf, trusted);
      if (verdict.valid) {
        const p = verdict.payload;
        out(`VALIDE : accusé de réception ${p.reference}, reçu le ${p.receivedAt} par ${p.service.name} (${p.service.code}).`);
        out(`  ${p.company.name} (SIREN ${p.company.siren}) — ${p.author.name} <${p.author.connectionEmail}>`);
        out(`  message SHA-256 ${p.bodySha256}${p.attachments.length ? `, ${p.attachments.length} pièce(s) jointe(s)` : ""}`);
        out(`  signé par ${verdict.signer}`);
      } else {
        out(`INVALIDE : ${verdict.reason}.`);
        process.exitCode = 1;
      }
    });

  program
    .command("verify-export")
    .description("Vérifie un export signé (ZIP), sans base de données : signature CMS du manifeste (manifest.p7s), puis chaque fichier")
    .argument("<fichier>", "export (ZIP)")
    .option("--certificate <fichier.pem>", "certificat de la plateforme, téléchargé à GET /api/v1/receipts/certificate (obligatoire)")
    .option("--public-key <fichier.pem>", "ou sa clé publique, téléchargée à GET /api/v1/receipts/public-key")
    .action(async (file: string, opts: { certificate?: string; publicKey?: string }) => {
      if (!existsSync(file)) throw new DomainError("invalid", "file_not_found", `Fichier illisible : ${file}`);
      // The certificate is the platform's, never a local one: an export checked with the wrong one would read INVALIDE.
      const trusted = opts.certificate ?? opts.publicKey;
      if (!trusted)
        throw new DomainError(
          "invalid",
          "certificate_required",
          "Indiquez le certificat de la plateforme qui a signé l'export : téléchargez-le à l'adresse /api/v1/receipts/certificate du site, puis passez-le avec --certificate FICHIER.",
        );
      if (!existsSync(trusted)) throw new DomainError("invalid", "file_not_found", `Certificat illisible : ${trusted}`);
      const verdict = await verifyExport(file, readFileSync(trusted, "utf8"));
      if (verdict.valid) {
        const m = verdict.manifest;
        out(`VALIDE : export du ${m.createdAt} pour ${m.person.name} <${m.person.connectionEmail}>, ${m.requests} demande(s), ${m.files.length} fichier(s).`);
        if (m.keyFingerprint) out(`Signé par la clé d'empreinte SHA-256 ${m.keyFingerprint}.`);
      } else {
        out(`INVALIDE : ${verdict.file ? `${verdict.file} — ` : ""}${verdict.reason}.`);
        process.exitCode = 1;
      }
    });
}
