import { purgeExpiredSessions } from "../platform/sessions.js";
import { purgeRateLimits } from "../platform/limits.js";
import { purgeExpiredArtifacts } from "../modules/software/index.js";
import { chainJournal } from "../modules/journal/index.js";
import { purgeRecovery, purgeUnverifiedSpaces } from "../modules/spaces/index.js";
import { expireAdhesions } from "../modules/adhesions/index.js";
import { runRightsHousekeeping } from "../modules/rights/index.js";
import {
  applyRetention,
  autoCloseAnswered,
  expireUploads,
  foldOpenCounts,
  prunePresence,
  purgeExports,
  purgeStaleStreams,
  sendDigests,
  sendReminders,
  sweepFiles,
} from "../modules/requests/index.js";
import type { AppContext } from "./context.js";

const HOUSEKEEPING_EVERY_MS = 10 * 60_000;
const FIRST_HOUSEKEEPING_AFTER_MS = 30_000;
/** The file store is walked whole by its sweep: once a day is enough (a lost file row is rare). */
const FILE_SWEEP_EVERY_MS = 24 * 3_600_000;

/** Logs a background step's failure (its message only) and answers null in place of its result. */
const logFailure = (ctx: AppContext, what: string) => (error: unknown) => {
  ctx.logger.error({ err: error instanceof Error ? error.message : String(error) }, what);
  return null;
};

/**
 * Periodic clean-up: adhesions whose code or link ran out, delegation offers past 14 days, rights past their end
 * date, rights records a year after revocation, unverified spaces after 7 days, expired sessions; with `sweepFiles`,
 * the stored files no row refers to; the presences on request pages long over; the rate-limit counters whose window
 * is over, the event streams of processes that died; first of all, the dashboard's open counts folded (one row per
 * key). Safe to run in several processes.
 */
export async function runHousekeeping(ctx: AppContext, options: { sweepFiles?: boolean } = {}) {
  // First, and on its own: a step failing below (the object store out of reach, say) must not leave the dashboard's
  // counts unfolded, its reading growing, for as long as it lasts.
  const openCounts = await foldOpenCounts(ctx).catch(logFailure(ctx, "open counts not folded"));
  const adhesions = await expireAdhesions(ctx);
  const rights = await runRightsHousekeeping(ctx);
  const closed = await autoCloseAnswered(ctx);
  const digests = await sendDigests(ctx);
  const reminders = await sendReminders(ctx);
  const uploads = await expireUploads(ctx);
  const retention = await applyRetention(ctx);
  const spaces = await purgeUnverifiedSpaces(ctx);
  const sessions = await purgeExpiredSessions(ctx.db, ctx.clock.now());
  await purgeRecovery(ctx);
  const oauth = await purgeExpiredArtifacts(ctx.db);
  const files = options.sweepFiles ? await sweepFiles(ctx, { graceMs: ctx.config.filesSweepGraceMs }) : undefined;
  const exports = await purgeExports(ctx);
  const presence = await prunePresence(ctx);
  const rateLimits = await purgeRateLimits(ctx.db, ctx.clock.now());
  const streams = await purgeStaleStreams(ctx);
  return {
    adhesions,
    rights,
    closed,
    digests,
    reminders,
    uploads,
    retention,
    spaces,
    sessions,
    oauth,
    files,
    exports,
    presence,
    rateLimits,
    streams,
    openCounts,
  };
}

/** Starts the outbox worker and the housekeeping timer; returns a function that stops both. */
export function startBackgroundWork(ctx: AppContext): () => Promise<void> {
  ctx.worker.start();
  // The journal's chainer: entries written by requests are linked into the chain within a second.
  let chaining = false;
  const chainer = setInterval(() => {
    if (chaining) return;
    chaining = true;
    chainJournal(ctx.db)
      .catch(logFailure(ctx, "journal chaining failed"))
      .finally(() => (chaining = false));
  }, 1_000);
  chainer.unref();
  let lastSweep = 0;
  const tick = () => {
    const sweep = Date.now() - lastSweep >= FILE_SWEEP_EVERY_MS;
    if (sweep) lastSweep = Date.now();
    return runHousekeeping(ctx, { sweepFiles: sweep }).catch(logFailure(ctx, "housekeeping failed"));
  };
  const timer = setInterval(() => void tick(), HOUSEKEEPING_EVERY_MS);
  timer.unref();
  // The first round a little after the start rather than at once: on the embedded database (one connection) it
  // would hold the server's first requests behind a day's catching up.
  const first = setTimeout(() => void tick(), FIRST_HOUSEKEEPING_AFTER_MS);
  first.unref();
  return async () => {
    clearTimeout(first);
    clearInterval(timer);
    clearInterval(chainer);
    await chainJournal(ctx.db).catch(() => 0);
    await ctx.worker.stop();
  };
}
