import { execFile } from "node:child_process";
import { join } from "node:path";
import { tempDir } from "./temp.js";

const ROOT = new URL("../..", import.meta.url).pathname;

/** Runs `npm run cli -- …` as an operator would (same entry point), on an embedded database of its own. */
export function cli(args: string[], options: { dataDir?: string } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", join(ROOT, "src/app/cli.ts"), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, DATA_DIR: options.dataDir ?? tempDir("mp-cli"), DATABASE_URL: "", NODE_ENV: "development", LOG_LEVEL: "silent" },
        timeout: 60_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}
