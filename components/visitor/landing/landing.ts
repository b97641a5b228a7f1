/**
 * The landing page's only script (no framework): inline validation with the
 * server's own rules, attribution capture, and starting or resuming the chat.
 * The rules (libphonenumber) load on the first interaction with the form, so
 * the first paint carries a few KB of script. Behaviour mirrors what the
 * React contact form did: a field is judged once the visitor has left it (or
 * after a submit), then live as they type.
 */
import type { ContactErrors, ContactField } from "@/lib/chat/contact";
import { LANDING_IDS as IDS, dialPadding, readStoredToken, writeStoredToken } from "./shared";

type Rules = typeof import("./rules");

/** The content-hashed URL of the bundled rules.ts (bundle.server.ts defines it). */
declare const __RULES_URL__: string;

const FIELDS: ContactField[] = ["name", "phone", "email"];

type NavigatorExtras = Navigator & { connection?: { effectiveType?: string } };

/** Cookies of this page by name (`_fbp`, `_ga`, …); the first of a repeated name wins, as browsers send the most specific first. */
function readCookies(): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of document.cookie.split(";")) {
    const i = part.indexOf("=");
    if (i < 0) continue;
    const name = part.slice(0, i).trim();
    if (name && !out.has(name)) {
      try {
        out.set(name, decodeURIComponent(part.slice(i + 1).trim()));
      } catch {
        /* not URI-encoded as expected: skip it */
      }
    }
  }
  return out;
}

/**
 * What the browser can tell us about where this chat came from (all optional
 * server-side; UTM and click ids come from landingUrl). The ad platforms'
 * cookies travel raw, when this page can read them: the server validates
 * them and keeps them for server-side conversions (Meta's fbp/fbc, GA4's
 * client and session ids).
 */
function attributionSnapshot(storedToken: string | null) {
  const nav = navigator as NavigatorExtras;
  const cookies = readCookies();
  const gaSession = [...cookies].find(([name]) => name.startsWith("_ga_"))?.[1];
  return {
    fbp: cookies.get("_fbp"),
    fbc: cookies.get("_fbc"),
    ga: cookies.get("_ga"),
    gaSession,
    landingUrl: location.href,
    referrer: document.referrer || undefined,
    language: nav.language || undefined,
    connectionType: nav.connection?.effectiveType || undefined,
    timeOnPageMs: Math.round(performance.now()),
    hadToken: storedToken !== null,
    touchPoints: typeof nav.maxTouchPoints === "number" ? Math.min(nav.maxTouchPoints, 64) : undefined,
  };
}

/**
 * `countryFromLanguages` of lib/chat/contact.ts, judged against the picker's
 * own options instead of libphonenumber's list so it runs before the rules load.
 */
function countryFromLanguages(tags: readonly (string | null | undefined)[], known: (code: string) => boolean): string | null {
  for (const tag of tags) {
    if (!tag) continue;
    try {
      const loc = new Intl.Locale(tag.trim());
      const region = (loc.region ?? loc.maximize().region)?.toUpperCase();
      if (region && known(region)) return region;
    } catch {
      /* not a language tag */
    }
  }
  return null;
}

function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

function init(form: HTMLFormElement) {
  const slug = form.dataset.slug!;
  const chatUrl = form.dataset.chatUrl!;
  const inputs: Record<ContactField, HTMLInputElement> = { name: byId(IDS.name), phone: byId(IDS.phone), email: byId(IDS.email) };
  const country = byId<HTMLSelectElement>(IDS.country);
  const dial = byId<HTMLElement>(IDS.dial);
  const phoneSlot = byId<HTMLElement>(IDS.phoneErrorSlot);
  const formError = byId<HTMLElement>(IDS.formError);
  const submitButton = byId<HTMLButtonElement>(IDS.submit);
  const dials = new Map<string, string>();
  for (const o of country.options) dials.set(o.value, /\((\+\d+)\)$/.exec(o.text)?.[1] ?? "");

  const touched: Partial<Record<ContactField, boolean>> = {};
  let submitted = false;
  let busy = false;
  const storedToken = readStoredToken(slug);

  let rules: Rules | null = null;
  let loading: Promise<Rules> | null = null;
  const loadRules = () =>
    (loading ??= (import(/* webpackIgnore: true */ __RULES_URL__) as Promise<Rules>).then(
      (m) => (rules = m),
      (err: unknown) => {
        loading = null; // offline: try again on the next event
        throw err;
      },
    ));
  for (const type of ["focusin", "pointerdown", "keydown"]) form.addEventListener(type, () => loadRules().catch(() => {}), { once: true, passive: true });

  /** Run with the rules now if they are here, else once they arrive. */
  const withRules = (fn: (r: Rules) => void) => (rules ? fn(rules) : void loadRules().then(fn, () => {}));

  const check = (r: Rules): ContactErrors =>
    r.validateContact({
      name: inputs.name.value,
      phone: inputs.phone.value,
      email: inputs.email.value,
      country: r.isCountryCode(country.value) ? country.value : null,
    });

  let errors: ContactErrors = {};
  function showErrors(next: ContactErrors) {
    errors = next;
    for (const f of FIELDS) {
      const input = inputs[f];
      const id = `${input.id}-error`;
      let p = document.getElementById(id);
      const msg = next[f];
      if (msg) {
        if (!p) {
          p = document.createElement("p");
          p.id = id;
          p.className = "err";
          p.setAttribute("role", "alert");
          (f === "phone" ? phoneSlot : input.parentElement!).append(p);
        }
        if (p.textContent !== msg) p.textContent = msg;
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", id);
      } else {
        p?.remove();
        input.removeAttribute("aria-invalid");
        input.removeAttribute("aria-describedby");
      }
    }
  }

  /** Re-validate the fields the visitor has already left (or all, after a submit). */
  const refresh = (r: Rules) => {
    const all = check(r);
    showErrors(Object.fromEntries(FIELDS.filter((f) => (submitted || touched[f]) && all[f]).map((f) => [f, all[f]])));
  };

  function showDial() {
    const code = dials.get(country.value) ?? "";
    const shown = code !== "" && !inputs.phone.value.trim().startsWith("+");
    dial.hidden = !shown;
    dial.textContent = code;
    inputs.phone.style.paddingLeft = shown ? `${dialPadding(code)}rem` : "";
  }

  // The browser's own language/region beats the server's Accept-Language guess (before the visitor picks).
  const fromBrowser = countryFromLanguages([...(navigator.languages ?? []), navigator.language], (c) => dials.has(c));
  if (fromBrowser && fromBrowser !== country.value) country.value = fromBrowser;
  showDial();

  for (const f of FIELDS) {
    inputs[f].addEventListener("input", () => {
      if (f === "phone") showDial();
      if (submitted || touched[f]) withRules(refresh);
    });
    inputs[f].addEventListener("blur", () => {
      if (!inputs[f].value.trim() && !submitted) return; // don't scold an untouched empty field
      touched[f] = true;
      withRules((r) => showErrors({ ...errors, [f]: check(r)[f] }));
    });
  }
  country.addEventListener("change", () => {
    showDial();
    if (submitted || touched.phone) withRules(refresh);
  });

  function setBusy(on: boolean) {
    busy = on;
    submitButton.disabled = on;
    if (on) {
      submitButton.setAttribute("aria-busy", "true");
      const spin = document.createElement("span");
      spin.className = "spin";
      spin.setAttribute("aria-hidden", "true");
      submitButton.prepend(spin);
    } else {
      submitButton.removeAttribute("aria-busy");
      submitButton.querySelector(".spin")?.remove();
    }
  }

  function showFormError(msg: string | null) {
    formError.textContent = msg ?? "";
    formError.hidden = !msg;
    if (msg) form.setAttribute("aria-describedby", IDS.formError);
    else form.removeAttribute("aria-describedby");
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (busy) return;
    submitted = true;
    showFormError(null);
    setBusy(true);
    let r: Rules;
    try {
      r = await loadRules();
    } catch {
      setBusy(false);
      showFormError("You seem to be offline. Check your connection and try again.");
      return;
    }
    const found = check(r);
    showErrors(found);
    const firstBad = FIELDS.find((f) => found[f]);
    if (firstBad) {
      setBusy(false);
      inputs[firstBad].focus();
      return;
    }
    try {
      const res = await fetch("/api/visitor/conversations", {
        method: "POST",
        headers: { "content-type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify({
          slug,
          name: inputs.name.value,
          country: country.value,
          phone: inputs.phone.value,
          email: inputs.email.value,
          token: storedToken ?? undefined,
          attribution: attributionSnapshot(storedToken),
        }),
      });
      if (res.ok) {
        const body = (await res.json()) as { token: string; conversationId: number };
        writeStoredToken(slug, body.token);
        // Replace, as the form used to give way to the chat in place: Back leaves the page rather than reopening the form.
        location.replace(chatUrl);
        return; // stays busy until the chat page takes over
      }
      const body = (await res.json().catch(() => null)) as { error?: { fields?: Record<string, string> } } | null;
      const fields = body?.error?.fields ?? {};
      const serverErrors: ContactErrors = {};
      for (const f of FIELDS) if (fields[f]) serverErrors[f] = fields[f];
      setBusy(false);
      if (Object.keys(serverErrors).length > 0) {
        showErrors(serverErrors);
        inputs[FIELDS.find((f) => serverErrors[f])!].focus();
      } else if (res.status === 403) {
        showFormError("Chat isn't available right now.");
      } else if (res.status === 429) {
        showFormError("Too many attempts. Please wait a moment and try again.");
      } else {
        showFormError("We couldn't start the chat. Please try again.");
      }
    } catch {
      setBusy(false);
      showFormError("You seem to be offline. Check your connection and try again.");
    }
  });

  // No cookie reached the server (cleared, or a third-party iframe), but this browser kept a token: resume with it.
  if (storedToken) {
    const token = storedToken;
    const content = byId<HTMLElement>(IDS.content);
    const resuming = byId<HTMLElement>(IDS.resuming);
    content.hidden = true;
    resuming.hidden = false;
    fetch("/api/visitor/session", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ slug, token }),
      credentials: "same-origin",
    })
      .then((res) => {
        if (res.ok) {
          location.replace(chatUrl);
          return true;
        }
        // The token no longer opens anything here: start afresh (still counted as returning).
        if (res.status === 404) writeStoredToken(slug, null);
        return false;
      })
      .catch(() => false) // offline: the form stays; starting will retry with the same token
      .then((resumed) => {
        if (resumed) return;
        content.hidden = false;
        resuming.hidden = true;
      });
  }
}

const form = document.getElementById(IDS.form);
if (form instanceof HTMLFormElement) init(form);
