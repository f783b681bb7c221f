import cliProgress from "cli-progress";
import type { ImportReport } from "../modules/companies/index.js";

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** A progress bar on a terminal (nothing when the output is a file or a pipe). */
function progressBar(label: string) {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {rows} lignes | {eta_formatted}`, stream: process.stderr, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: (read: number, total: number, rows: number) => {
      if (!started) {
        bar.start(total, 0, { rows: 0 });
        started = true;
      }
      bar.update(read, { rows });
    },
    stop: () => started && bar.stop(),
  };
}

function printReport(report: ImportReport, seconds: number) {
  out(`${report.file} : ${report.imported} lignes importées, ${report.rejected} rejetées (${seconds.toFixed(1)} s).`);
  for (const r of report.rejections) out(`  ligne ${r.line} : ${r.reason}`);
  if (report.rejected > report.rejections.length) out(`  … et ${report.rejected - report.rejections.length} autres rejets.`);
}

/** Runs an import with its progress bar, then prints its report (lines imported, rejected, and why). */
export async function timedImport(label: string, run: (onProgress: (read: number, total: number, rows: number) => void) => Promise<ImportReport>) {
  const bar = progressBar(label);
  const t0 = performance.now();
  try {
    const report = await run(bar.update);
    bar.stop();
    printReport(report, (performance.now() - t0) / 1000);
    return report;
  } catch (error) {
    bar.stop();
    throw error;
  }
}
