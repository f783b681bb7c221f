// Builds the web client (Vite) and the server (esbuild: TypeScript to JavaScript, file by file, into build/), each
// only when its inputs changed since its last build: a stamp beside each output holds the SHA-256 of its inputs.
// Type checking is not done here but in `npm test` (`npm run typecheck`).
//
//   node scripts/build.mjs                 all three, when changed (npm start, npm install's prepare): the web
//                                          client, the server, then the demo data folder (src/app/demo-snapshot.ts)
//   node scripts/build.mjs web|server|demo one of them, when changed
//   node scripts/build.mjs --force [...]   build even when nothing changed (npm run build, for a deployment)
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
const force = args.includes("--force");
const wanted = args.filter((a) => !a.startsWith("--"));

/** Every file under these paths (folders walked, the `skip` folders left out), sorted. */
function files(paths, skip = []) {
  const out = [];
  const walk = (path) => {
    for (const e of readdirSync(join(ROOT, path), { withFileTypes: true })) {
      const p = join(path, e.name);
      if (e.isDirectory()) {
        if (!skip.includes(e.name)) walk(p);
      } else out.push(p);
    }
  };
  for (const p of paths) {
    if (!existsSync(join(ROOT, p))) continue;
    if (statSync(join(ROOT, p)).isDirectory()) walk(p);
    else out.push(p);
  }
  return out.sort();
}

/** The SHA-256 of the inputs' names and contents. */
function digest(inputs) {
  const h = createHash("sha256");
  for (const f of inputs)
    h.update(`${f}\0`)
      .update(readFileSync(join(ROOT, f)))
      .update("\0");
  return h.digest("hex");
}

const npm = (script) => execFileSync("npm", ["run", "--silent", script], { cwd: ROOT, stdio: "inherit" });

const TARGETS = {
  web: {
    inputs: () => files(["web", "src/shared", "package-lock.json"], ["node_modules", "dist"]),
    stamp: join(ROOT, "dist/web/.build-stamp"),
    run: () => npm("build:web"),
  },
  server: {
    inputs: () => files(["src", "package-lock.json", "tsconfig.json"], ["node_modules"]),
    stamp: join(ROOT, "build/.build-stamp"),
    run: async () => {
      const { build } = await import("esbuild");
      const sources = files(["src"]).filter((f) => /\.ts$/.test(f) && !/\.test\.ts$/.test(f));
      rmSync(join(ROOT, "build"), { recursive: true, force: true });
      await build({
        absWorkingDir: ROOT,
        entryPoints: sources,
        outdir: "build",
        outbase: "src",
        format: "esm",
        platform: "node",
        target: "node20",
        sourcemap: true,
        logLevel: "warning",
      });
      // The files the server reads beside its code (word lists…), where the JavaScript looks for them.
      cpSync(join(ROOT, "src"), join(ROOT, "build"), { recursive: true, filter: (path) => !/\.tsx?$/.test(path) });
    },
  },
};

/**
 * The demo data folder, archived (src/app/demo-snapshot.ts): made again when the server was built again or when it is
 * older than a day (the demo's dates are relative to the day it was made).
 */
async function demo() {
  const { DEMO_SNAPSHOT } = await import("../build/app/demo-snapshot.js");
  const serverStamp = readFileSync(DEMO_SNAPSHOT.serverStamp, "utf8");
  const fresh =
    existsSync(DEMO_SNAPSHOT.archive) &&
    existsSync(DEMO_SNAPSHOT.stamp) &&
    readFileSync(DEMO_SNAPSHOT.stamp, "utf8") === serverStamp &&
    Date.now() - statSync(DEMO_SNAPSHOT.archive).mtimeMs < DEMO_SNAPSHOT.maxAgeMs / 2;
  if (fresh && !force) return;
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), "mp-demo-"));
  try {
    const { loadConfig } = await import("../build/platform/config.js");
    const { createContext } = await import("../build/app/context.js");
    const { loadDemoData } = await import("../build/app/demo.js");
    // The embedded default, whatever this shell's environment says.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DATABASE_URL|S3_|FILES_DIR)/.test(k)));
    const config = loadConfig({ ...env, NODE_ENV: "development", DATA_DIR: dir, LOG_LEVEL: "silent" });
    const ctx = await createContext(config);
    try {
      await loadDemoData({ ...ctx, publicUrl: config.publicUrl });
      // Settled as a running server leaves it: the mails sent to the test mailbox, the journal chained.
      const { chainJournal } = await import("../build/modules/journal/index.js");
      await ctx.worker.drain();
      await chainJournal(ctx.db);
    } finally {
      await ctx.close();
    }
    mkdirSync(dirname(DEMO_SNAPSHOT.archive), { recursive: true });
    execFileSync("tar", ["-czf", `${DEMO_SNAPSHOT.archive}.part`, "-C", dir, "."]);
    renameSync(`${DEMO_SNAPSHOT.archive}.part`, DEMO_SNAPSHOT.archive);
    writeFileSync(DEMO_SNAPSHOT.stamp, serverStamp);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`build: demo data prepared in ${((performance.now() - started) / 1000).toFixed(1)} s (dist/demo/data.tar.gz)\n`);
}

/** Builds one target when its inputs changed (or always with --force). */
async function buildTarget(name) {
  const target = TARGETS[name];
  const started = performance.now();
  const sum = digest(target.inputs());
  if (!force && existsSync(target.stamp) && readFileSync(target.stamp, "utf8") === sum) return;
  await target.run();
  writeFileSync(target.stamp, sum);
  process.stdout.write(`build: ${name} built in ${((performance.now() - started) / 1000).toFixed(1)} s (${relative(ROOT, target.stamp)})\n`);
}

for (const name of wanted.length ? wanted : ["web", "server", "demo"]) {
  if (name !== "demo" && !TARGETS[name]) {
    process.stderr.write(`build: cible inconnue « ${name} » (web, server ou demo)\n`);
    process.exit(2);
  }
  if (name === "demo") {
    // The demo is made by the compiled server: built first when its sources changed.
    if (wanted.length) await buildTarget("server");
    await demo();
  } else await buildTarget(name);
}
