/** The queue of a semaphore is full: the caller should answer « try again later » rather than wait. */
export class QueueFullError extends Error {
  constructor() {
    super("semaphore queue full");
  }
}

/**
 * Limits how many async tasks run at once (e.g. argon2 hashing, which costs 19 MiB and ~12 ms each), and how many
 * may wait for a slot: beyond `maxWaiting`, `run` rejects at once with QueueFullError, so that a flood of calls
 * cannot grow memory and latency without bound.
 */
export function createSemaphore(limit: number, maxWaiting = Infinity) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async function run<T>(task: () => Promise<T>): Promise<T> {
    // A released slot is handed straight to the next waiter, so `active` never exceeds the limit.
    if (active >= limit) {
      if (waiting.length >= maxWaiting) throw new QueueFullError();
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else active++;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}
