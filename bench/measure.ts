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
