import { stringify } from "csv-stringify/sync";

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

/** One CSV record (for files read by machines, such as the printer's manifest): csv-stringify, cells neutralised. */
export function csvRecord(cells: string[], delimiter = ","): string {
  return stringify([cells.map(neutraliseCell)], { delimiter, record_delimiter: "\n" });
}
