import type { ColumnType } from "kysely";

/** timestamptz: read as Date, written as Date or ISO string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** jsonb column. */
export type Json<T = unknown> = ColumnType<T, string, string>;
