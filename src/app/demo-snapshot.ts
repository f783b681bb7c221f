/**
 * The demo data folder prepared at install (product §1's example, made by the same use cases as `loadDemoData`):
 * `npm install`'s `prepare` (scripts/build.mjs) starts the compiled server's context on an empty folder, loads the
 * demo, stops, and archives the folder (database, signing keys, files) as `dist/demo/data.tar.gz`. A first
 * `npm start` on an empty data folder unpacks it instead of loading the demo again (half a minute).
 *
 * The archive is used only when it is fresh: made from this very build of the server (the build's stamp), less
 * than a day ago (the demo's dates — deadlines, « reçu il y a 2 jours » — are relative to the day it was made),
 * and only into an empty data folder of the embedded database. Otherwise the demo is loaded as before.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DEMO_SNAPSHOT = {
  archive: join(ROOT, "dist/demo/data.tar.gz"),
  /** The stamp of the server build the archive was made with. */
  stamp: join(ROOT, "dist/demo/.build-stamp"),
  serverStamp: join(ROOT, "build/.build-stamp"),
  maxAgeMs: 24 * 3600_000,
};

/** Why the archive cannot serve this start, or null when it can. */
export function demoSnapshotRefusal(dataDir: string, now: Date): string | null {
  if (!fileURLToPath(import.meta.url).includes(`${join(ROOT, "build")}`)) return "the server runs from its sources";
  if (!existsSync(DEMO_SNAPSHOT.archive) || !existsSync(DEMO_SNAPSHOT.stamp) || !existsSync(DEMO_SNAPSHOT.serverStamp)) return "no archive";
  if (readFileSync(DEMO_SNAPSHOT.stamp, "utf8") !== readFileSync(DEMO_SNAPSHOT.serverStamp, "utf8")) return "made by another build";
  if (now.getTime() - statSync(DEMO_SNAPSHOT.archive).mtimeMs > DEMO_SNAPSHOT.maxAgeMs) return "older than a day";
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0) return "the data folder is not empty";
  return null;
}

/** Unpacks the prepared demo into an empty data folder; answers whether it did. */
export function restoreDemoSnapshot(dataDir: string, now: Date): boolean {
  if (demoSnapshotRefusal(dataDir, now) !== null) return false;
  mkdirSync(dataDir, { recursive: true });
  execFileSync("tar", ["-xzf", DEMO_SNAPSHOT.archive, "-C", dataDir]);
  return true;
}
