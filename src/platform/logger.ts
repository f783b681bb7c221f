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
  "oppositionCode",
  "*.oppositionCode",
  "activationCode",
  "*.activationCode",
  "req.headers.cookie",
  "req.headers['x-csrf-token']",
  "res.headers['set-cookie']",
];

/** The application logger (JSON lines on stdout, or on `destination`). */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: "[masqué]" } };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
