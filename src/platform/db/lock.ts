import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";

export type DataDirLock = { release(): void };

/** Raised when another process already holds the embedded database. */
export class DataDirLockedError extends Error {
  constructor(readonly dir: string, readonly pid: number) {
    super(
      `La base embarquée ${dir} est déjà ouverte par le processus ${pid} (le serveur ?). ` +
        "Arrêtez-le avant de lancer cette commande, ou utilisez un serveur PostgreSQL (DATABASE_URL).",
    );
    this.name = "DataDirLockedError";
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes an exclusive lock on a PGlite data folder with an O_EXCL lock file holding our PID.
 * A lock left by a dead process is taken over.
 */
export function acquireDataDirLock(dir: string): DataDirLock {
  const path = join(dir, "messagerie-pro.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
      process.once("exit", release);
      return { release };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const pid = Number.parseInt(readFileSync(path, "utf8"), 10);
      if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) throw new DataDirLockedError(dir, pid);
      unlinkSync(path);
    }
  }
  throw new Error(`cannot lock ${dir}`);
}
