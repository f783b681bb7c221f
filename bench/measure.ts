import { readdirSync, readFileSync } from "node:fs";

/** Percentiles of a list of durations (ms). */
export function percentiles(times: number[]) {
  const s = [...times].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/** Runs `run` `n` times after a warm-up, one at a time, and answers the percentiles of the durations. */
export async function timeEach(n: number, run: (i: number) => Promise<unknown>, warmUp = Math.min(20, n)) {
  for (let i = 0; i < warmUp; i++) await run(i);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run(i);
    times.push(performance.now() - t0);
  }
  return percentiles(times);
}

/**
 * CPU time (ms) used so far by the PostgreSQL server processes of this machine (every `postgres` process), read from
 * /proc, where the kernel counts it in ticks of 1/100 s; null where /proc does not show them (another system, a
 * server on another machine). A figure per request divides the difference over a run by its requests.
 */
export function postgresCpuMs(): number | null {
  let ticks = 0;
  let seen = false;
  let pids: string[];
  try {
    pids = readdirSync("/proc").filter((p) => /^\d+$/.test(p));
  } catch {
    return null;
  }
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "postgres") continue;
      // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
      seen = true;
    } catch {
      // A process that ended between the listing and the read.
    }
  }
  return seen ? ticks * 10 : null;
}
