/** The account pages (one for now): the header's link, and where sign-in returns to. */
export const ACCOUNT_SECURITY_PATH = "/account/security";

/** The sign-in page, coming back to `path` afterwards. */
export function signInThenBackTo(path: string): string {
  return `/login?next=${encodeURIComponent(path)}`;
}
