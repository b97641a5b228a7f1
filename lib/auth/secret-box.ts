import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from "node:crypto";
import { getEnv } from "../env";

const VERSION = "v1";
/** HKDF context: a key for this purpose only, never the session key itself. */
const INFO = "onlinechatcrm:totp-secret:v1";

function key(info = INFO): Buffer {
  return Buffer.from(hkdfSync("sha256", getEnv().sessionSecret, "onlinechatcrm", info, 32));
}

/**
 * Purposes of the integration secrets sealed with `sealFor` (a Google service
 * account key, a Meta access token, a GA4 API secret). Each has its own key.
 */
export type SecretPurpose = "sheets-service-account" | "meta-capi-token" | "ga4-api-secret";

/**
 * Encrypt an integration secret at rest: AES-256-GCM under a key derived
 * from SESSION_SECRET for `purpose`, with `bind` (the owning row, e.g.
 * "project:3") as associated data, so a ciphertext copied to another row or
 * purpose fails to open. Same format as `sealSecret`.
 */
export function sealFor(purpose: SecretPurpose, bind: string, plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(`onlinechatcrm:${purpose}:v1`), iv);
  cipher.setAAD(Buffer.from(bind));
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), body].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
}

/** The plain secret, or null when tampered with, bound elsewhere, or SESSION_SECRET changed. */
export function openFor(purpose: SecretPurpose, bind: string, sealed: string): string | null {
  const [v, iv, tag, body] = sealed.split(".");
  if (v !== VERSION || !iv || !tag || body === undefined) return null;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key(`onlinechatcrm:${purpose}:v1`), Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(bind));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}

/**
 * Encrypt a small secret at rest (the TOTP seed): AES-256-GCM with a key
 * derived from SESSION_SECRET, a random 96-bit IV per value, and the user id
 * as associated data, so a ciphertext copied onto another user's row fails
 * to open. Format: `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
export function sealSecret(plain: string, userId: number): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  cipher.setAAD(Buffer.from(String(userId)));
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), body].map((p) => (typeof p === "string" ? p : p.toString("base64url"))).join(".");
}

/** The plain secret, or null when the value was tampered with, belongs to another user, or SESSION_SECRET changed. */
export function openSecret(sealed: string, userId: number): string | null {
  const [v, iv, tag, body] = sealed.split(".");
  if (v !== VERSION || !iv || !tag || body === undefined) return null;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(String(userId)));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}

/**
 * A recovery code's stored form. Plain SHA-256 is enough: the codes are
 * random (50 bits), not chosen by people, so there is nothing to brute-force
 * from a leaked hash; and unkeyed, they keep working if SESSION_SECRET changes
 * (the way back in when the TOTP seed can no longer be decrypted).
 */
export function hashRecoveryCode(normalized: string): string {
  return createHash("sha256").update(`occ-recovery:${normalized}`).digest("base64url");
}
