import { MAX } from "./limits";

/**
 * Ad-platform cookies the visitor's page reads at chat start, validated here:
 * a value that doesn't look like what Meta or Google set is dropped (null),
 * never guessed at and never a reason to refuse the chat.
 */

/** Meta's `_fbp`: `fb.<subdomain index>.<creation ms>.<random>`. */
const FBP = /^fb\.[0-2]\.\d{10,13}\.\d{1,20}$/;
/**
 * Meta's `_fbc`: `fb.<subdomain index>.<creation ms>.<fbclid>`; Meta's
 * parameter builder may append a dotted suffix, so dots are allowed after the
 * time.
 */
const FBC = /^fb\.[0-2]\.\d{10,13}\.[A-Za-z0-9_.-]{1,480}$/;
/** Google Analytics' `_ga`: `GA1.<domain depth>.<random>.<first visit s>`; the client id is the last two parts. */
const GA = /^GA\d\.\d{1,2}\.(\d{1,20}\.\d{1,20})$/;
/** A GA4 `_ga_<id>` cookie, old format: `GS1.<n>.<session id>.<session number>.…`. */
const GS1 = /^GS1\.\d{1,2}\.(\d{1,20})(?:\.|$)/;
/** The newer format: `GS2.<n>.s<session id>$o<number>$g…$t…`. */
const GS2 = /^GS2\.\d{1,2}\.s(\d{1,20})(?:\$|$)/;

const str = (v: unknown) => (typeof v === "string" && v.length <= MAX.clickId ? v.trim() : "");

export function parseFbp(v: unknown): string | null {
  const s = str(v);
  return FBP.test(s) ? s : null;
}

export function parseFbc(v: unknown): string | null {
  const s = str(v);
  return FBC.test(s) ? s : null;
}

/** The GA4 client id ("123.456") of a `_ga` cookie ("GA1.1.123.456"). */
export function gaClientIdFromCookie(v: unknown): string | null {
  return GA.exec(str(v))?.[1] ?? null;
}

/** The session id of a `_ga_<measurement id>` cookie, GS1 or GS2 format. */
export function gaSessionIdFromCookie(v: unknown): string | null {
  const s = str(v);
  return GS1.exec(s)?.[1] ?? GS2.exec(s)?.[1] ?? null;
}
