import pino, { type Logger } from "pino";

/**
 * Paths never written to the logs: secrets, codes and tokens, in bodies and headers.
 * Fastify logs requests through this logger, so the redaction covers them too.
 */
export const REDACTED_PATHS = [
  "password",
  "*.password",
  "code",
  "*.code",
  "totp",
  "*.totp",
  "token",
  "*.token",
  "req.headers.cookie",
  "req.headers['x-csrf-token']",
  "res.headers['set-cookie']",
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: "[masqué]" } });
}

export type { Logger };
