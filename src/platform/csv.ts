import { parse } from "csv-parse/sync";
import { stringify } from "csv-stringify/sync";
import { DomainError } from "./errors.js";

/**
 * A cell that a spreadsheet would read as a formula (OWASP « CSV injection »: =, +, -, @, tab, carriage return)
 * gets a leading apostrophe, which spreadsheets show as text.
 */
export function neutraliseCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** A CSV file for French spreadsheets: semicolons, a BOM, every text cell neutralised. */
export function frenchCsv(header: string[], rows: (string | number | null | undefined)[][]): string {
  const cells = rows.map((r) => r.map((v) => (v === null || v === undefined ? "" : typeof v === "number" ? String(v) : neutraliseCell(v))));
  return `\uFEFF${stringify([header.map(neutraliseCell), ...cells], { delimiter: ";", record_delimiter: "\r\n" })}`;
}

/**
 * The same CSV as `frenchCsv`, written as its rows come (a list read page after page): the BOM and the header
 * first, then one chunk per batch of rows, so that a long export is never held whole in memory.
 */
export async function* frenchCsvStream(header: string[], batches: AsyncIterable<(string | number | null | undefined)[][]>): AsyncGenerator<string> {
  yield `\uFEFF${stringify([header.map(neutraliseCell)], { delimiter: ";", record_delimiter: "\r\n" })}`;
  for await (const rows of batches) {
    if (rows.length === 0) continue;
    const cells = rows.map((r) => r.map((v) => (v === null || v === undefined ? "" : typeof v === "number" ? String(v) : neutraliseCell(v))));
    yield stringify(cells, { delimiter: ";", record_delimiter: "\r\n" });
  }
}

/** One CSV record (for files read by machines, such as the printer's manifest): csv-stringify, cells neutralised. */
export function csvRecord(cells: string[], delimiter = ","): string {
  return stringify([cells.map(neutraliseCell)], { delimiter, record_delimiter: "\n" });
}

/**
 * Reads a CSV file a person uploads (UTF-8, commas or semicolons, a header line): the header's names normalised
 * (lower case, no spaces, dashes or underscores) and the rows, blank lines kept (each gets its line number) but
 * the final line break not taken for one. Refuses a file that is not UTF-8 text, or not well-formed.
 */
export function readCsvTable(content: Buffer): { header: string[]; rows: string[][] } {
  const text = content.toString("utf8").replace(/^\uFEFF/, "");
  if (content.includes(0) || text.includes("\uFFFD")) {
    throw new DomainError(
      "unsupported_type",
      "not_csv",
      "Ce fichier n'est pas un fichier CSV (texte UTF-8) : enregistrez-le au format « CSV UTF-8 » et réessayez.",
    );
  }
  let records: string[][];
  try {
    records = parse(text, { delimiter: [";", ","], relax_column_count: true, skip_empty_lines: false, trim: true, bom: true });
  } catch (error) {
    throw new DomainError("invalid", "invalid_csv", `Le fichier CSV est mal formé : ${(error as Error).message}`);
  }
  const header = (records[0] ?? []).map((h) => h.toLowerCase().replace(/[\s_-]/g, ""));
  const rows = records.slice(1);
  while (rows.length > 0 && rows[rows.length - 1]!.every((c) => c === "")) rows.pop();
  return { header, rows };
}
