import { randomInt } from "node:crypto";
import { Secret, TOTP } from "otpauth";
import QRCode from "qrcode";

/** RFC 6238 as every authenticator app reads it: SHA1, 6 digits, 30 s. */
export const TOTP_PERIOD_S = 30;
const TOTP_DIGITS = 6;
/** One step either side: a phone clock up to ~30 s off, or a code typed as it rolled over. */
const TOTP_WINDOW = 1;
const ISSUER = "OnlineChatCRM";

export const RECOVERY_CODE_COUNT = 10;
/** Lower-case letters and digits without look-alikes (0/o, 1/l/i): 31 symbols, ~5 bits each. */
const RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";
const RECOVERY_LENGTH = 10;

function totp(secretBase32: string, label = "staff"): TOTP {
  return new TOTP({
    issuer: ISSUER,
    label,
    algorithm: "SHA1",
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_S,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A fresh 160-bit seed, base32 (what authenticator apps accept typed in). */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` URI an authenticator app scans. */
export function totpUri(secretBase32: string, label: string): string {
  return totp(secretBase32, label).toString();
}

/** The URI as a QR code image, inline (`data:image/png`), so no third party ever sees the seed. */
export function totpQrDataUrl(uri: string): Promise<string> {
  return QRCode.toDataURL(uri, { errorCorrectionLevel: "M", margin: 1, width: 220 });
}

/** The time step a moment falls in. */
export function totpStep(now: Date): number {
  return Math.floor(now.getTime() / 1000 / TOTP_PERIOD_S);
}

/** What people type: "123 456", "123-456" are 123456. */
export function normalizeTotpCode(code: string): string {
  return code.replace(/[\s-]/g, "");
}

export function looksLikeTotpCode(code: string): boolean {
  return /^\d{6}$/.test(normalizeTotpCode(code));
}

/**
 * The time step a code belongs to, if it is valid at `now` (±1 step) and
 * later than `lastStep`, the last step this user already used: a code, once
 * accepted, can't be accepted again, nor can any older one.
 */
export function matchTotp(secretBase32: string, code: string, now: Date, lastStep: number | null): number | null {
  const token = normalizeTotpCode(code);
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totp(secretBase32).validate({ token, timestamp: now.getTime(), window: TOTP_WINDOW });
  if (delta === null) return null;
  const step = totpStep(now) + delta;
  return lastStep !== null && step <= lastStep ? null : step;
}

/** The code for a moment (tests, and nothing else, need to compute one). */
export function totpCodeAt(secretBase32: string, at: Date): string {
  return totp(secretBase32).generate({ timestamp: at.getTime() });
}

/** Ten single-use codes, shown once: `xxxxx-xxxxx`, about 50 random bits each. */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    let s = "";
    for (let i = 0; i < RECOVERY_LENGTH; i++) s += RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)];
    return `${s.slice(0, 5)}-${s.slice(5)}`;
  });
}

/** A typed recovery code, as stored: case, spaces and dashes don't matter. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[^a-z0-9]/g, "");
}

export function looksLikeRecoveryCode(code: string): boolean {
  return normalizeRecoveryCode(code).length === RECOVERY_LENGTH;
}
