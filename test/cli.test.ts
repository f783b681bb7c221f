import { tempDir } from "./helpers/temp.js";
import { cli as cliCommand } from "./helpers/cli.js";
import { describe, expect, it } from "vitest";

import { join } from "node:path";
import { acquireDataDirLock } from "../src/platform/db/lock.js";

const ROOT = new URL("..", import.meta.url).pathname;
const FIXTURES = join(ROOT, "test/fixtures");
const dataDir = tempDir("mp-cli");

/** The operator's commands, on one embedded database for the whole file. */
const run = (...args: string[]) => cliCommand(args, { dataDir });

// Each test starts the CLI up to three times, each a process of its own that opens the embedded database (up to a
// minute each on a loaded machine, the limit of `helpers/cli.ts`): the test's own limit covers three.
describe("cli", { timeout: 200_000 }, () => {
  it("prints help and refuses unknown commands", async () => {
    const help = await run("--help");
    expect(help.code).toBe(0);
    for (const c of ["import-sirene", "import-services", "create-agent", "journal", "migrate"]) expect(help.stdout).toContain(c);
    const unknown = await run("bogus");
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown command|inconnue/i);
  });

  it("imports reference data, reporting rejected lines, and exits 2 when rows were rejected", async () => {
    const services = await run("import-services", join(FIXTURES, "services.csv"));
    expect(services.code).toBe(2);
    expect(services.stdout).toMatch(/4 lignes importées, 2 rejetées/);
    expect(services.stdout).toMatch(/ligne 6 : type « XYZ » inconnu/);
    const sirene = await run(
      "import-sirene",
      "--unites",
      join(FIXTURES, "StockUniteLegale_utf8.csv"),
      "--etablissements",
      join(FIXTURES, "StockEtablissement_utf8.csv"),
    );
    expect(sirene.code).toBe(2);
    expect(sirene.stdout).toMatch(/ligne 6 : clé de contrôle du SIREN 812345677 invalide/);
    expect(sirene.stdout).toMatch(/4 lignes importées, 2 rejetées/);
    const missing = await run("import-sirene");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("--unites");
  });

  it("creates an agent, printing generated secrets once, and refuses a duplicate", async () => {
    const created = await run("create-agent", "--email", "nouvel.agent@dgfip.test", "--name", "Nouvel Agent", "--service", "SIE-75111", "--supervisor");
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Mot de passe : \S{20}/);
    expect(created.stdout).toMatch(/Secret TOTP : [A-Z2-7]{32}/);
    expect(created.stdout).toContain("otpauth://totp/");
    const again = await run("create-agent", "--email", "nouvel.agent@dgfip.test", "--name", "X", "--service", "SIE-75111");
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("existe déjà");
    const unknownService = await run("create-agent", "--email", "a@dgfip.test", "--name", "A", "--service", "NOPE");
    expect(unknownService.code).toBe(1);
    expect(unknownService.stderr).toContain("Service inconnu");
  });

  it("refuses a TOTP secret under 128 bits, which the agent could never use, and accepts one of 128", async () => {
    // 24 base-32 characters = 120 bits (RFC 4226 §4 requires 128).
    const short = await run(
      "create-agent",
      "--email",
      "court@dgfip.test",
      "--name",
      "Court",
      "--service",
      "SIE-75111",
      "--totp-secret",
      "JBSWY3DPEHPK3PXPJBSWY3DP",
    );
    expect(short.code).toBe(1);
    expect(short.stderr).toContain("Le secret TOTP est trop court : 120 bits, il en faut au moins 128");
    const garbled = await run(
      "create-agent",
      "--email",
      "court@dgfip.test",
      "--name",
      "Court",
      "--service",
      "SIE-75111",
      "--totp-secret",
      "JBSWY3DPEHPK3PXPJBSWY3DPEH",
    );
    expect(garbled.code).toBe(1);
    expect(garbled.stderr).toContain("base 32");
    const enough = await run(
      "create-agent",
      "--email",
      "court@dgfip.test",
      "--name",
      "Court",
      "--service",
      "SIE-75111",
      "--totp-secret",
      "JMCQ OAQW 4NXD GUWB PSVX EOLA NU",
      "--password",
      "Guichet-Fiscal-Solide-42",
    );
    expect(enough.code).toBe(0);
  });

  it("verifies the journal chain", async () => {
    const res = await run("journal", "verify");
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Journal intègre : \d+ entrées/);
  });

  it("verifies that every row naming a stored file finds it (exit 0 when none is missing)", async () => {
    const res = await run("files", "verify");
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/Aucun fichier manquant : \d+ ligne\(s\) vérifiée\(s\)\./);
  });

  it("refuses to open the embedded database while another process holds it", async () => {
    const lock = acquireDataDirLock(dataDir);
    try {
      const res = await run("journal", "verify");
      expect(res.code).toBe(1);
      expect(res.stderr).toContain("déjà ouverte par le processus");
    } finally {
      lock.release();
    }
  });
});
