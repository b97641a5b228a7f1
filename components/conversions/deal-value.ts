/**
 * The deal value an agent types when a lead converts (sent to Meta and GA4 as
 * the Purchase value). Typed as text, not `type="number"`: a number input
 * rejects "1,250.50" in some locales and "1.250,50" in others, and says
 * nothing about why. We read both, and the dialog shows how we read it.
 */

/** Above this it is a typo, not a deal (the server's limit too, lib/conversions/outbox.ts). */
export const DEAL_VALUE_MAX = 1_000_000_000_000;

export type ParsedDealValue = { ok: true; value: number | null } | { ok: false; error: string };

/** Digit grouping people type: spaces (incl. the no-break ones locales print), apostrophes (de-CH). */
const GROUPING = /[\s\u00a0\u202f'’]/g;

/**
 * Read a typed amount. Empty → no value. With both "," and "." the last one
 * is the decimal mark ("1,250.50", "1.250,50"); one mark used several times
 * groups digits ("1,250,000"); used once, it groups when exactly three digits
 * follow ("1,250" → 1250) and is the decimal mark otherwise ("12,5" → 12.5).
 * At most as many decimals as the currency has (JPY none), and never more
 * than two: the lead keeps cents (leads.deal_value is numeric(14, 2)).
 */
export function parseDealValue(text: string, currency: string): ParsedDealValue {
  const s = text.replace(GROUPING, "");
  if (s === "") return { ok: true, value: null };
  if (s.startsWith("-")) return { ok: false, error: "A deal value can't be negative." };
  if (!/^\d[\d.,]*$/.test(s) || /[.,]$/.test(s)) return { ok: false, error: "Enter an amount such as 1250 or 1,250.50." };
  const lastDot = s.lastIndexOf(".");
  const lastComma = s.lastIndexOf(",");
  let decimalMark: "." | "," | null = null;
  if (lastDot >= 0 && lastComma >= 0) decimalMark = lastDot > lastComma ? "." : ",";
  else {
    const mark = lastDot >= 0 ? "." : lastComma >= 0 ? "," : null;
    if (mark && s.split(mark).length === 2 && s.length - s.indexOf(mark) - 1 !== 3) decimalMark = mark;
  }
  let whole = s;
  let fraction = "";
  if (decimalMark) {
    const at = s.lastIndexOf(decimalMark);
    whole = s.slice(0, at);
    fraction = s.slice(at + 1);
    // The decimal mark appears once, after every grouping mark.
    if (whole.includes(decimalMark)) return { ok: false, error: "Enter an amount such as 1250 or 1,250.50." };
  }
  whole = whole.replace(/[.,]/g, "");
  const digits = Math.min(currencyDigits(currency), 2);
  if (fraction.length > digits) {
    return { ok: false, error: digits === 0 ? `${currency} amounts have no decimals.` : `Use at most ${digits} decimal place${digits === 1 ? "" : "s"} for ${currency}.` };
  }
  const value = Number(fraction ? `${whole}.${fraction}` : whole);
  if (!Number.isFinite(value)) return { ok: false, error: "Enter an amount such as 1250 or 1,250.50." };
  if (value >= DEAL_VALUE_MAX) return { ok: false, error: "That amount is too large." };
  return { ok: true, value };
}

/** The currency's minor-unit digits (ISO 4217), 2 when the browser doesn't know it. */
export function currencyDigits(currency: string): number {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export function isCurrencyCode(s: string): boolean {
  return /^[A-Z]{3}$/.test(s);
}

/** How the amount will be sent, in the viewer's own number format ("1,250.50 USD" / "1.250,50 USD"). */
export function formatDealValue(value: number, currency: string, locale?: string): string {
  const digits = currencyDigits(currency);
  return `${new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value)} ${currency}`;
}

/** Used when the browser can't list currencies (Intl.supportedValuesOf is missing). */
const COMMON_CURRENCIES = ["USD", "EUR", "GBP", "INR", "AED", "SAR", "AUD", "CAD", "CHF", "JPY", "CNY", "SGD", "BRL", "MXN", "ZAR", "KWD"];

/** Every ISO 4217 code the browser knows, labelled with its name ("EUR — Euro"), in code order. */
export function currencyOptions(locale?: string): { code: string; label: string }[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: "currency") => string[] };
  let codes: string[];
  try {
    codes = intl.supportedValuesOf?.("currency") ?? COMMON_CURRENCIES;
  } catch {
    codes = COMMON_CURRENCIES;
  }
  let names: Intl.DisplayNames | null = null;
  try {
    names = new Intl.DisplayNames(locale ? [locale] : undefined, { type: "currency" });
  } catch {
    names = null;
  }
  return [...new Set(codes.filter(isCurrencyCode))].sort().map((code) => {
    const name = names?.of(code);
    return { code, label: name && name !== code ? `${code} — ${name}` : code };
  });
}

const CURRENCY_KEY = "occ.deal-currency";
export const DEFAULT_CURRENCY = "USD";

/** The currency of this browser's last converted deal, else USD (an agent's deals are mostly in one currency). */
export function lastCurrency(): string {
  try {
    const v = localStorage.getItem(CURRENCY_KEY);
    return v && isCurrencyCode(v) ? v : DEFAULT_CURRENCY;
  } catch {
    return DEFAULT_CURRENCY;
  }
}

export function rememberCurrency(code: string): void {
  try {
    localStorage.setItem(CURRENCY_KEY, code);
  } catch {
    // Private mode or storage full: the next deal starts from USD again, nothing worse.
  }
}
