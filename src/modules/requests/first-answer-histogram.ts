/**
 * Percentiles of first-answer times read from the monthly histogram (migration 20261205T2100): bucket 0 holds the
 * first minute, bucket b ≥ 1 the times in [60 × 1.05^(b-1), 60 × 1.05^b) seconds, as `first_answer_bucket` computes it.
 */

const RATIO = 1.05;

/** The seconds a bucket spans, [from, to). */
export function bucketSpan(bucket: number): [number, number] {
  return bucket <= 0 ? [0, 60] : [60 * RATIO ** (bucket - 1), 60 * RATIO ** bucket];
}

/** The bucket of a time in seconds, as `first_answer_bucket` computes it in the database. */
export function bucketOf(seconds: number): number {
  return seconds < 60 ? 0 : 1 + Math.floor(Math.log(seconds / 60) / Math.log(RATIO));
}

/** A histogram's cells: bucket → number of first answers. */
export type Histogram = Map<number, number>;

/**
 * `percentile_cont(p)` of the times a histogram counts, each bucket's answers spread evenly across its span: the
 * answer of rank r (0-based, in time order) is placed at the middle of its share of its bucket, and a position between
 * two ranks is interpolated as PostgreSQL does. Within 5 % of the exact percentile (the width of a bucket); null for an empty histogram.
 */
export function histogramPercentiles(histogram: Histogram, ps: readonly number[]): (number | null)[] {
  const cells = [...histogram].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = cells.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return ps.map(() => null);
  const at = (rank: number) => {
    let before = 0;
    for (const [bucket, n] of cells) {
      if (rank < before + n) {
        const [from, to] = bucketSpan(bucket);
        return from + ((rank - before + 0.5) * (to - from)) / n;
      }
      before += n;
    }
    return bucketSpan(cells[cells.length - 1]![0])[1];
  };
  return ps.map((p) => {
    const position = p * (total - 1);
    const below = Math.floor(position);
    const low = at(below);
    return position === below ? low : low + (position - below) * (at(below + 1) - low);
  });
}
