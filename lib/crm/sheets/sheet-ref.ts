/**
 * What an admin types for a sheet and its range, read strictly: a sheet's URL
 * (parsed with the URL parser, never a regex over the whole string) or its
 * bare ID, and a range in A1 notation whose first row is the header row.
 */
import { AppError } from "../../errors";

/** Google's spreadsheet IDs are 44 URL-safe characters today; allow some room either way. */
const ID = /^[A-Za-z0-9_-]{20,128}$/;

/** The spreadsheet ID in a sheet URL (`https://docs.google.com/spreadsheets/d/<id>/edit#gid=0`) or a bare ID. */
export function parseSpreadsheetId(input: string): string {
  const v = input.trim();
  if (ID.test(v)) return v;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw badSheet("Paste the sheet's address (https://docs.google.com/spreadsheets/d/…) or its ID.");
  }
  if (url.protocol !== "https:" || url.hostname !== "docs.google.com") throw badSheet("That is not a Google Sheets address: it should start with https://docs.google.com/spreadsheets/d/.");
  const parts = url.pathname.split("/").filter(Boolean);
  const at = parts.indexOf("d");
  const id = parts[0] === "spreadsheets" && at >= 1 ? parts[at + 1] : undefined;
  if (!id || !ID.test(id)) throw badSheet("This address has no spreadsheet ID after /spreadsheets/d/.");
  return id;
}

export function sheetUrl(spreadsheetId: string): string {
  return `https://docs.google.com/spreadsheets/d/${encodeURIComponent(spreadsheetId)}/edit`;
}

function badSheet(message: string) {
  return new AppError("bad_request", message, { details: { fields: { sheet: message } } });
}

/** `Sheet1!A:Z`, `'My leads'!B2:F`, `A:Z`, `Sheet1`: a sheet name (quoted when it has spaces) and cells. */
const A1 = /^(?:(?<sheet>'(?:[^']|'')+'|[^!':]+)!)?(?<c1>[A-Za-z]{1,3})(?<r1>\d{1,7})?(?::(?<c2>[A-Za-z]{1,3})(?<r2>\d{1,7})?)?$/;

export type RangeParts = { sheet: string | null; startRow: number; firstCol: string; lastCol: string } | null;

/** The range's parts, or null for a bare sheet name (then the sheet's own first row is the header). */
export function rangeParts(range: string): RangeParts {
  const m = A1.exec(range.trim());
  if (!m?.groups) return null;
  const g = m.groups;
  return { sheet: g.sheet ?? null, startRow: g.r1 ? Number(g.r1) : 1, firstCol: g.c1.toUpperCase(), lastCol: (g.c2 ?? g.c1).toUpperCase() };
}

/** Just the header row of a range (a live read for the mapping needs no more). */
export function headerRange(range: string): string {
  const p = rangeParts(range);
  if (!p) return range.trim();
  return `${p.sheet ? `${p.sheet}!` : ""}${p.firstCol}${p.startRow}:${p.lastCol}${p.startRow}`;
}

/** The sheet row number of the first row in an answered range ("Sheet1!A3:Z40" → 3), 1 when it doesn't say. */
export function firstRowOf(answeredRange: string): number {
  return rangeParts(answeredRange)?.startRow ?? 1;
}
