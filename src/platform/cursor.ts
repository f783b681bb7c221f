import { DomainError } from "./errors.js";

/**
 * The opaque cursor of a list ordered by (instant, uuid): base64url of a JSON pair. Decoded and checked fully, so
 * that a crafted cursor is refused (400) and never reaches the database as it came. A list whose instant may be
 * missing (a request without deadline, sorted last) writes `"infinity"` in its place.
 */
export function encodeKeyset(at: Date | null, id: string): string {
  return Buffer.from(JSON.stringify([at ? at.toISOString() : "infinity", id])).toString("base64url");
}

export const invalidCursor = () => new DomainError("invalid", "invalid_cursor", "Curseur de pagination invalide : reprenez la liste depuis sa première page.");

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO_INSTANT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function decode(cursor: string, allowLast: boolean): { at: Date | null; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalidCursor();
  const [at, id] = parsed as [unknown, unknown];
  if (typeof at !== "string" || typeof id !== "string" || !UUID.test(id)) throw invalidCursor();
  if (allowLast && at === "infinity") return { at: null, id };
  if (!ISO_INSTANT.test(at) || Number.isNaN(Date.parse(at))) throw invalidCursor();
  return { at: new Date(at), id };
}

export function decodeKeyset(cursor: string): { at: Date; id: string } {
  return decode(cursor, false) as { at: Date; id: string };
}

/** The same, where a missing instant (`null`: sorted after every instant) is allowed. */
export function decodeKeysetOrLast(cursor: string): { at: Date | null; id: string } {
  return decode(cursor, true);
}

/** The opaque cursor of a list ordered by one key (a SIREN, a line number): base64url of a JSON array of it. */
export function encodeKey(key: string): string {
  return Buffer.from(JSON.stringify([key])).toString("base64url");
}

/** Decodes a one-key cursor and checks the key against the pattern of its list (400 `invalid_cursor` otherwise). */
export function decodeKey(cursor: string, pattern: RegExp): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 1 || typeof parsed[0] !== "string" || !pattern.test(parsed[0])) throw invalidCursor();
  return parsed[0];
}
