import type { SecurityPolicy } from "@/lib/auth/security-policy";
import type { SignInStep } from "@/lib/auth/sign-in-flow";
import type { DeviceSession } from "@/lib/auth/staff-sessions";
import type { Enrolment, TwoFactorStatus } from "@/lib/auth/two-factor";

export type { DeviceSession, Enrolment, SecurityPolicy, TwoFactorStatus };
/** What the sign-in routes answer (the session itself travels as a cookie, never in the body). */
export type SignInAnswer = Exclude<SignInStep, { status: "signed_in" }> | (Omit<Extract<SignInStep, { status: "signed_in" }>, "cookie">);

/** A failed request, with the server's own words and, for a form, its field messages. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * JSON in, JSON out, same-origin. `signedIn: true` (the account page): a 401
 * means this session ended (signed out from another device, timed out), so
 * the page goes to the sign-in page instead of showing an error.
 */
export async function call<T>(url: string, init: { method?: string; json?: unknown; signedIn?: boolean } = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method ?? (init.json === undefined ? "GET" : "POST"),
      headers: init.json !== undefined ? { "content-type": "application/json" } : undefined,
      body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new ApiError("Can't reach the server. Check your connection.", 0);
  }
  if (res.status === 401 && init.signedIn) {
    location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
    throw new ApiError("Please sign in again.", 401);
  }
  if (res.status === 204) return undefined as T;
  const body = (await res.json().catch(() => null)) as (T & { error?: { message?: string; fields?: Record<string, string> } }) | null;
  if (!res.ok) {
    // A blocked address gets a bare 403 (no body).
    const fallback = res.status === 403 ? "Too many attempts from your network. Try again later." : `Request failed (${res.status}).`;
    throw new ApiError(body?.error?.message ?? fallback, res.status, body?.error?.fields ?? {});
  }
  return body as T;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : "Something went wrong.";
}

/** "2 Dec 2026, 14:05" in the reader's own locale and zone. */
export function formatWhen(iso: string): string {
  return new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
