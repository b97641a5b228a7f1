import { z } from "zod";
import { assertCan } from "../../auth/permissions";
import type { StaffCtx } from "../../ctx";
import { getEnv } from "../../env";
import { AppError, type ErrorCode } from "../../errors";
import { loadServiceAccountKey } from "./service-account";
import { headerRange, parseSpreadsheetId } from "./sheet-ref";
import { isSheetsReadError, readSheetValues, type SheetsErrorKind, type SheetsReadError } from "./sheets-client";
import { DEFAULT_RANGE } from "./sources";

export const ReadHeadersInput = z.object({
  sheet: z.string().trim().min(1, "Paste the sheet's address or ID.").max(2000),
  range: z.string().trim().max(200).default(DEFAULT_RANGE).transform((v) => v || DEFAULT_RANGE),
});

/** What the admin gets for each way a read fails: a 4xx that says what to fix, or "try again" when Google is the problem. */
const CODE: Record<SheetsErrorKind, ErrorCode> = {
  no_key: "conflict",
  auth: "bad_request",
  forbidden: "bad_request",
  not_found: "not_found",
  bad_range: "bad_request",
  quota: "rate_limited",
  server: "unavailable",
  network: "unavailable",
};

export function toAppError(err: SheetsReadError): AppError {
  const field = err.kind === "bad_range" ? "range" : err.kind === "forbidden" || err.kind === "not_found" ? "sheet" : undefined;
  return new AppError(CODE[err.kind], err.message, { cause: err, details: field ? { fields: { [field]: err.message } } : undefined });
}

/**
 * The header row of a sheet's range, read live for the mapping picker (one
 * small read of that row only). A sheet the service account can't open, a
 * missing sheet or a bad range are 4xx answers saying what to fix.
 */
export async function readSheetHeaders({ ctx, input: raw }: { ctx: StaffCtx; input: unknown }): Promise<{ spreadsheetId: string; range: string; headers: string[] }> {
  assertCan(ctx.actor, "crm.sheets");
  const input = ReadHeadersInput.parse(raw);
  const spreadsheetId = parseSpreadsheetId(input.sheet);
  const key = await loadServiceAccountKey(ctx.db);
  if (!key) throw new AppError("conflict", "Set the service-account key first: the sheet is read with it.");
  try {
    const { rows } = await readSheetValues({ key, spreadsheetId, range: headerRange(input.range), rangeLabel: input.range, rootUrl: getEnv().googleSheetsRootUrl });
    const headers = (rows[0] ?? []).map((h) => h.trim());
    while (headers.length && headers[headers.length - 1] === "") headers.pop();
    if (headers.length === 0) {
      throw new AppError("bad_request", "The range's first row is empty: it must name the columns (Name, Phone, Email, …).", { details: { fields: { range: "The first row is empty." } } });
    }
    return { spreadsheetId, range: input.range, headers };
  } catch (err) {
    if (isSheetsReadError(err)) throw toAppError(err);
    throw err;
  }
}
