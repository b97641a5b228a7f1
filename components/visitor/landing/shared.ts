/** Shared by the server render (render.ts) and the browser script (landing.ts); keep it dependency-free. */

/** Element ids the browser script finds the form by. */
export const LANDING_IDS = {
  form: "occ-form",
  name: "occ-name",
  country: "occ-country",
  phone: "occ-phone",
  dial: "occ-dial",
  email: "occ-email",
  phoneErrorSlot: "occ-phone-error-slot",
  formError: "occ-form-error",
  submit: "occ-start",
  content: "occ-content",
  resuming: "occ-resuming",
} as const;

/** Left padding (rem) that clears the dial-code prefix ("+44") drawn inside the phone input. */
export function dialPadding(dial: string): string {
  return (1.2 + dial.length * 0.62).toFixed(2);
}

/** Must match `visitorStorageKey` in lib/chat/visitor-session.ts (kept out of the browser bundles: it imports zod and drizzle). */
export const storageKey = (slug: string) => `occ:v:${slug}`;

export function readStoredToken(slug: string): string | null {
  try {
    return window.localStorage.getItem(storageKey(slug));
  } catch {
    return null; // storage disabled (private mode, blocked third-party storage)
  }
}

export function writeStoredToken(slug: string, token: string | null) {
  try {
    if (token) window.localStorage.setItem(storageKey(slug), token);
    else window.localStorage.removeItem(storageKey(slug));
  } catch {
    /* the cookie still carries the token */
  }
}
