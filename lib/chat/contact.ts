/**
 * Contact-form rules shared by the visitor page (client) and the server, so
 * both refuse exactly the same input. No server-only imports here.
 */
import {
  getCountries,
  getCountryCallingCode,
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
  type CountryCode,
} from "libphonenumber-js";
import { regexes } from "zod/v4/core";

export const NAME_MAX = 100;
export const EMAIL_MAX = 254;
export const PHONE_RAW_MAX = 40;

export type ContactField = "name" | "phone" | "email";
export type ContactErrors = Partial<Record<ContactField, string>>;

const COUNTRY_SET = new Set<string>(getCountries());

export function isCountryCode(v: unknown): v is CountryCode {
  return typeof v === "string" && COUNTRY_SET.has(v);
}

export type CountryOption = { code: CountryCode; name: string; dial: string };

/** Every country libphonenumber knows, with calling code, sorted by English name. */
export function countryOptions(locale = "en"): CountryOption[] {
  let names: Intl.DisplayNames | null = null;
  try {
    names = new Intl.DisplayNames([locale, "en"], { type: "region" });
  } catch {
    names = null;
  }
  return getCountries()
    .map((code) => ({ code, name: names?.of(code) ?? code, dial: `+${getCountryCallingCode(code)}` }))
    .sort((a, b) => a.name.localeCompare(b.name, "en"));
}

/**
 * The region of the first language tag that has one ("en-GB" → GB); a bare
 * language is expanded with likely subtags ("de" → DE). Null when nothing fits.
 */
export function countryFromLanguages(languages: readonly (string | null | undefined)[]): CountryCode | null {
  for (const tag of languages) {
    if (!tag) continue;
    try {
      const loc = new Intl.Locale(tag.trim());
      const region = loc.region ?? loc.maximize().region;
      if (region && isCountryCode(region.toUpperCase())) return region.toUpperCase() as CountryCode;
    } catch {
      /* not a language tag */
    }
  }
  return null;
}

/** Accept-Language → ordered tags (q-values respected). */
export function languagesFromHeader(header: string | null | undefined): string[] {
  if (!header) return [];
  return header
    .split(",")
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(";");
      const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      return { tag: tag.trim(), q: q ? Number(q.slice(2)) || 0 : 1, i };
    })
    .filter((x) => x.tag && x.tag !== "*" && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map((x) => x.tag);
}

export function countryLabel(country: CountryCode): string {
  try {
    const name = new Intl.DisplayNames(["en"], { type: "region" }).of(country) ?? country;
    return `${name} (+${getCountryCallingCode(country)})`;
  } catch {
    return country;
  }
}

export type PhoneResult = { ok: true; e164: string; country: CountryCode | null } | { ok: false; error: string };

/**
 * A phone number typed for `country` (or in international form with "+") →
 * E.164, checked against that country's length and numbering rules.
 */
export function normalizePhone(raw: string, country: CountryCode | null | undefined): PhoneResult {
  const value = (raw ?? "").trim();
  if (!value) return { ok: false, error: "Please enter your phone number." };
  if (value.length > PHONE_RAW_MAX || !/^[+\d\s().\-\/]+$/.test(value)) {
    return { ok: false, error: "Use digits only, e.g. +1 202 555 0143." };
  }
  const international = value.startsWith("+") || value.startsWith("00");
  const input = value.startsWith("00") ? `+${value.slice(2)}` : value;
  const defaultCountry = international ? undefined : country ?? undefined;
  if (!international && !defaultCountry) return { ok: false, error: "Choose your country, or start the number with +." };
  const where = defaultCountry ? ` for ${countryLabel(defaultCountry)}` : "";
  switch (validatePhoneNumberLength(input, defaultCountry)) {
    case "TOO_SHORT":
      return { ok: false, error: `This number is too short${where}.` };
    case "TOO_LONG":
      return { ok: false, error: `This number is too long${where}.` };
    case "INVALID_COUNTRY":
      return { ok: false, error: "Unknown country calling code." };
    case "NOT_A_NUMBER":
      return { ok: false, error: "That doesn't look like a phone number." };
    default:
      break;
  }
  const parsed = parsePhoneNumberFromString(input, defaultCountry);
  if (!parsed || !parsed.isValid()) return { ok: false, error: `Enter a valid phone number${where}.` };
  return { ok: true, e164: parsed.number, country: parsed.country ?? null };
}

/**
 * Zod's own email rule (the one `z.email()` applies), taken as a bare regex:
 * this module runs on the visitor page too, and the regex alone costs ~3 KB
 * where zod's schema runtime would cost ~85 KB of the landing page.
 */
const EMAIL = regexes.email;

export function checkName(raw: string): string | null {
  const v = (raw ?? "").trim();
  if (!v) return "Please enter your name.";
  if (v.length > NAME_MAX) return `Please keep your name under ${NAME_MAX} characters.`;
  return null;
}

export function checkEmail(raw: string): string | null {
  const v = (raw ?? "").trim();
  if (!v) return "Please enter your email address.";
  if (v.length > EMAIL_MAX || !EMAIL.test(v)) return "Enter a valid email address, like name@example.com.";
  return null;
}

/** All three fields at once: the error per field, empty when the form is valid. */
export function validateContact(v: { name: string; phone: string; email: string; country: CountryCode | null }): ContactErrors {
  const errors: ContactErrors = {};
  const name = checkName(v.name);
  if (name) errors.name = name;
  const phone = normalizePhone(v.phone, v.country);
  if (!phone.ok) errors.phone = phone.error;
  const email = checkEmail(v.email);
  if (email) errors.email = email;
  return errors;
}
