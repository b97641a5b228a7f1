import { parseCookie, stringifySetCookie } from "cookie";
import { getEnv } from "./env";

/** One cookie from a `Cookie` header, or undefined (malformed values included: the library decodes safely). */
export function readCookie(cookieHeader: string | null | undefined, name: string): string | undefined {
  if (!cookieHeader) return undefined;
  return parseCookie(cookieHeader)[name];
}

/**
 * A `Set-Cookie` value with our standing flags: Path=/, SameSite=Lax,
 * HttpOnly (unless asked otherwise), Secure when APP_URL is https.
 */
export function setCookie(name: string, value: string, opts: { maxAge: number; httpOnly?: boolean }): string {
  return stringifySetCookie(name, value, {
    path: "/",
    maxAge: opts.maxAge,
    sameSite: "lax",
    httpOnly: opts.httpOnly ?? true,
    secure: getEnv().secureCookies,
  });
}
