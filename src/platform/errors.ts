/**
 * Kinds of domain failure. Services throw DomainError with one of these kinds;
 * the HTTP layer maps a kind to a status code in one place (http/errors.ts).
 */
export type ErrorKind =
  | "invalid" // 400: malformed input
  | "unauthenticated" // 401
  | "forbidden" // 403: signed in, not allowed, and the resource is not secret
  | "not_found" // 404: absent or not visible
  | "conflict" // 409
  | "gone" // 410: expired or voided code/link
  | "too_large" // 413
  | "unsupported_type" // 415
  | "refused" // 422: well-formed but refused by a rule
  | "rate_limited" // 429
  | "unavailable"; // 503

/** A coded, user-presentable failure raised by a use case. */
export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    /** Stable snake_case code that clients can rely on. */
    readonly code: string,
    /** Readable French sentence for the user. */
    message: string,
    readonly details?: Record<string, unknown>,
    /** Seconds the client should wait (rate limits, unavailability). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "DomainError";
  }
}

export const notFound = (what = "ressource") => new DomainError("not_found", "not_found", `${what[0]?.toUpperCase()}${what.slice(1)} introuvable.`);
