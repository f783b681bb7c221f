import { z } from "zod";

/**
 * An instant in an API answer: a `Date` in the code, an ISO 8601 string (UTC, milliseconds) on the wire. A zod
 * codec: the serialiser encodes it, the OpenAPI document shows `string, date-time`, and nothing converts dates by
 * hand in between.
 */
export const instant = z.codec(z.iso.datetime(), z.date(), {
  decode: (text) => new Date(text),
  encode: (date) => date.toISOString(),
});
