/**
 * lead-form.js — `<script src="https://chat.example.com/widget/lead-form.js" data-project="slug"></script>`
 *
 * Every form the page submits (also forms added later: one submit listener on
 * the document, nothing per form) is copied to POST /api/web-leads as a lead,
 * with the page URL and the landing UTM kept in sessionStorage across the
 * visitor's pages. The form itself is never touched: no preventDefault, no
 * waiting — the copy goes by sendBeacon (or fetch keepalive), which outlives
 * the navigation the form starts. Skipped: forms marked `data-cp-ignore`,
 * forms with a password field, and fields that look like card or secret data.
 * Vanilla TS, no dependencies; its gzipped size is held by a test.
 */
(() => {
  const script = document.currentScript as HTMLScriptElement | null;
  if (!script || (window as unknown as { __occLeadForm?: 1 }).__occLeadForm) return;
  (window as unknown as { __occLeadForm?: 1 }).__occLeadForm = 1;
  const endpoint = new URL("/api/web-leads", script.src).href;
  const project = script.dataset.project || "";
  const KEY = "occ_lead_landing";
  const CAMPAIGN = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "gclid", "fbclid"];

  type Landing = Record<string, string>;
  const read = (): Landing => {
    try {
      return JSON.parse(sessionStorage.getItem(KEY) || "{}") as Landing;
    } catch {
      return {};
    }
  };
  // The first page of the visit keeps its campaign; a later page with new UTM (a second ad click) replaces it.
  const params = new URLSearchParams(location.search);
  const campaign: Landing = {};
  for (const k of CAMPAIGN) {
    const v = params.get(k);
    if (v) campaign[k] = v;
  }
  if (Object.keys(campaign).length || !sessionStorage.getItem(KEY)) {
    try {
      sessionStorage.setItem(KEY, JSON.stringify({ ...campaign, landing_url: location.href, referrer: document.referrer }));
    } catch {
      // Storage refused (private mode, quota): the current page still reports its own URL.
    }
  }

  const SECRET = /pass|card|cc-|cvc|cvv|iban|ssn|secret|token|csrf|captcha|otp/i;
  const hint = (el: HTMLInputElement) => `${el.name} ${el.id} ${el.autocomplete}`.toLowerCase();

  function collect(form: HTMLFormElement): URLSearchParams | null {
    if (form.hasAttribute("data-cp-ignore") || form.querySelector("input[type=password]")) return null;
    const out = new URLSearchParams();
    let first = "";
    let last = "";
    for (const node of Array.from(form.elements)) {
      const el = node as HTMLInputElement;
      const key = el.name || el.id;
      if (!key || el.disabled || /^(submit|button|reset|file|image|password)$/.test(el.type) || SECRET.test(hint(el))) continue;
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) continue;
      const value = (el.value || "").trim();
      if (!value) continue;
      const h = hint(el);
      if (el.type === "email" || /e-?mail/.test(h)) {
        if (!out.has("email")) out.set("email", value);
      } else if (el.type === "tel" || /phone|mobile|\btel|whatsapp/.test(h)) {
        if (!out.has("phone")) out.set("phone", value);
      } else if (/given-name|first.?name|fname/.test(h)) first = value;
      else if (/family-name|last.?name|lname|surname/.test(h)) last = value;
      else if (/(^|[\s_-])(full.?)?name\b/.test(h) && !/company|org|user/.test(h)) {
        if (!out.has("name")) out.set("name", value);
      } else if (!CAMPAIGN.includes(key) && !out.has(key)) out.set(key.slice(0, 64), value.slice(0, 2000));
    }
    if (!out.has("name") && (first || last)) out.set("name", `${first} ${last}`.trim());
    if (!out.has("email") && !out.has("phone")) return null;
    const landing = read();
    for (const k of CAMPAIGN) if (landing[k]) out.set(k, landing[k]);
    out.set("page_url", location.href);
    if (landing.referrer) out.set("referrer", landing.referrer);
    if (landing.landing_url && landing.landing_url !== location.href) out.set("landing_url", landing.landing_url);
    if (project) out.set("project", project);
    out.set("submission_id", `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`);
    return out;
  }

  function send(body: URLSearchParams) {
    // Form-encoded: a CORS-safelisted type, so no preflight that could be cut short by the navigation.
    try {
      if (navigator.sendBeacon && navigator.sendBeacon(endpoint, body)) return;
    } catch {
      // Fall through to fetch.
    }
    fetch(endpoint, { method: "POST", body, keepalive: true, mode: "cors", credentials: "omit" }).catch(() => {});
  }

  document.addEventListener(
    "submit",
    (e) => {
      const form = e.target;
      if (!(form instanceof HTMLFormElement)) return;
      try {
        const body = collect(form);
        if (body) send(body);
      } catch {
        // Never break the page's form.
      }
    },
    true,
  );
})();
