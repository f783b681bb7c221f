import { describe, expect, it } from "vitest";
import { bucketOf, bucketSpan, histogramPercentiles } from "./first-answer-histogram.js";

/** PostgreSQL's percentile_cont over sorted values. */
function exact(sorted: number[], p: number) {
  const position = p * (sorted.length - 1);
  const below = Math.floor(position);
  return below === position ? sorted[below]! : sorted[below]! + (position - below) * (sorted[below + 1]! - sorted[below]!);
}

/** Deterministic draws in [0, 1) (the same cases on every run). */
function draws(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1_664_525) + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("first-answer percentiles from the histogram", () => {
  it("places each time in the bucket whose span holds it", () => {
    const next = draws(7);
    for (let i = 0; i < 5_000; i++) {
      // From a second to five years, spread on a log scale; and the exact edges of buckets.
      const seconds = i % 10 === 0 ? bucketSpan(i / 10)[0] : Math.exp(next() * Math.log(5 * 365 * 86_400));
      const [from, to] = bucketSpan(bucketOf(seconds));
      expect(seconds).toBeGreaterThanOrEqual(from * (1 - 1e-12));
      expect(seconds).toBeLessThan(to * (1 + 1e-12));
    }
  });

  it("answers the median and the 90th percentile within 5 % of the exact ones (a minute in the first minute)", () => {
    const next = draws(20261205);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(next() * 400);
      // Times from a few seconds to thirty days, most of them within two days, as first answers go.
      const times = Array.from({ length: n }, () => (next() < 0.8 ? next() * 2 * 86_400 : next() * 30 * 86_400));
      const histogram = new Map<number, number>();
      for (const t of times) histogram.set(bucketOf(t), (histogram.get(bucketOf(t)) ?? 0) + 1);
      const sorted = [...times].sort((a, b) => a - b);
      const approx = histogramPercentiles(histogram, [0.5, 0.9]);
      for (const [i, p] of [0.5, 0.9].entries()) {
        const e = exact(sorted, p);
        expect(Math.abs(approx[i]! - e), `${n} times, p${p * 100}`).toBeLessThanOrEqual(Math.max(e * 0.05, 60));
      }
    }
  });

  it("answers null for an empty period", () => {
    expect(histogramPercentiles(new Map(), [0.5, 0.9])).toEqual([null, null]);
    expect(histogramPercentiles(new Map([[12, 0]]), [0.5])).toEqual([null]);
  });
});
