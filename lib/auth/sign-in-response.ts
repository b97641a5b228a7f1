import { sessionSetCookie } from "./session";
import type { SignInStep } from "./sign-in-flow";

/**
 * The sign-in routes' one answer shape. A session comes as its cookie only
 * (never in the body); every step is `no-store`, since tokens, seeds and
 * recovery codes must not be cached anywhere.
 */
export function signInResponse(step: SignInStep): Response {
  const headers: Record<string, string> = { "Cache-Control": "no-store" };
  if (step.status !== "signed_in") return Response.json(step, { headers });
  const { cookie, ...body } = step;
  headers["Set-Cookie"] = sessionSetCookie(cookie.value, cookie.maxAgeSeconds);
  return Response.json(body, { headers });
}
