import { DomainError } from "./errors.js";

/**
 * The opaque cursor of a list ordered by (instant, uuid): base64url of a JSON pair. Decoded and checked fully, so
 * that a crafted cursor is refused (400) and never reaches the database as it came.
 */
export function encodeKeyset(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString("base64url");
}

export const invalidCursor = () => new DomainError("invalid", "invalid_cursor", "Curseur de pagination invalide : reprenez la liste depuis sa première page.");

export function decodeKeyset(cursor: string): { at: Date; id: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalidCursor();
  const [at, id] = parsed as [unknown, unknown];
  if (typeof at !== "string" || typeof id !== "string" || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id)) throw invalidCursor();
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(at) || Number.isNaN(Date.parse(at))) throw invalidCursor();
  return { at: new Date(at), id };
}
