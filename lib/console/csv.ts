/**
 * CSV for exports (RFC 4180): fields joined by commas, rows by CRLF; a field
 * holding a comma, quote, CR or LF is quoted with its quotes doubled.
 *
 * Formula injection: a spreadsheet runs a cell that starts with = + - @ (or
 * a tab / CR, which some strip first) as a formula, and lead data comes from
 * anyone on the internet (a web form's name "=HYPERLINK(…)"). Such a cell
 * gets a leading apostrophe, which spreadsheets show as text. Phone numbers
 * in E.164 start with "+", so they carry it too: safety over looks.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: unknown): string {
  let s = value === null || value === undefined ? "" : value instanceof Date ? value.toISOString() : String(value);
  if (FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(values: readonly unknown[]): string {
  return values.map(csvField).join(",") + "\r\n";
}
