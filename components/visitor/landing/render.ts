import type { CountryOption } from "@/lib/chat/contact";
import { html, raw, type SafeHtml } from "./html";
import { LANDING_IDS, dialPadding } from "./shared";
import { LANDING_CSS } from "./styles";

export type LandingPageProps = {
  project: {
    slug: string;
    title: string;
    subtitle: string;
    welcomeHeading: string;
    welcomeMessage: string;
    formHeading: string;
    formDescription: string;
  };
  accent: string;
  onAccent: string;
  iconUrl: string | null;
  countries: CountryOption[];
  defaultCountry: string;
  /** URL of the bundled browser script (components/visitor/landing/landing.ts). */
  scriptUrl: string;
  /** Where the live chat is, once started or resumed. */
  chatUrl: string;
  /**
   * This response's CSP nonce (server.ts mints it): on our module script, as
   * the page's 'strict-dynamic' policy needs. Absent when nothing set a CSP.
   */
  nonce?: string;
  /** Marketing tags for this response, already stamped with `nonce` (lib/marketing/tags.ts). */
  tags?: { head: string; body: string };
};

/**
 * The ad landing page `/p/{slug}`: complete, styled HTML for the contact
 * form with no framework runtime. The browser script adds inline validation
 * (the phone rules load on first interaction) and starts the chat; the chat
 * itself is the Next page at `chatUrl`, loaded only then.
 */
export function renderLandingPage(p: LandingPageProps): string {
  const { project, accent, onAccent, iconUrl } = p;
  const ids = LANDING_IDS;
  const description = project.subtitle || project.welcomeMessage;
  const dial = p.countries.find((c) => c.code === p.defaultCountry)?.dial ?? "";
  const field = (id: string, label: string, input: SafeHtml) => html`<div><label for="${id}">${label}</label>${input}</div>`;

  const page = html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${project.title}</title>
${description ? html`<meta name="description" content="${description}">` : null}
<meta name="theme-color" content="${accent}">
${iconUrl
  ? html`<link rel="icon" href="${iconUrl}"><link rel="apple-touch-icon" href="${iconUrl}">`
  : html`<link rel="icon" href="/favicon.ico" sizes="32x32"><link rel="icon" href="/icon.svg" type="image/svg+xml">`}
<style>${raw(LANDING_CSS)}</style>
${p.tags?.head ? raw(p.tags.head) : null}
</head><body>
${p.tags?.body ? raw(p.tags.body) : null}
<main class="shell">
<header class="head" style="background:${accent};color:${onAccent}">
${iconUrl ? html`<img src="${iconUrl}" alt="" width="40" height="40">` : null}
<div><h1>${project.title}</h1>${project.subtitle ? html`<p>${project.subtitle}</p>` : null}</div>
</header>
<div id="${ids.content}">
<section class="welcome"><h2>${project.welcomeHeading}</h2><p>${project.welcomeMessage}</p></section>
<section class="card-wrap" aria-labelledby="occ-form-heading"><div class="card">
<h2 id="occ-form-heading">${project.formHeading}</h2>
${project.formDescription ? html`<p>${project.formDescription}</p>` : null}
<form id="${ids.form}" method="post" novalidate data-slug="${project.slug}" data-chat-url="${p.chatUrl}">
${field(ids.name, "Name", html`<input id="${ids.name}" name="name" autocomplete="name" maxlength="100">`)}
${field(
  ids.country,
  "Country",
  html`<select id="${ids.country}" name="country" autocomplete="country">${p.countries.map(
    (c) => html`<option value="${c.code}"${c.code === p.defaultCountry ? raw(" selected") : null}>${c.name} (${c.dial})</option>`,
  )}</select>`,
)}
<div><label for="${ids.phone}">Phone</label><div class="phone">
<span id="${ids.dial}" class="dial" aria-hidden="true">${dial}</span>
<input id="${ids.phone}" name="phone" type="tel" inputmode="tel" autocomplete="tel-national" maxlength="40"${dial ? raw(` style="padding-left:${dialPadding(dial)}rem"`) : null}>
</div><div id="${ids.phoneErrorSlot}"></div></div>
${field(
  ids.email,
  "Email",
  html`<input id="${ids.email}" name="email" type="email" inputmode="email" autocomplete="email" autocapitalize="none" spellcheck="false" maxlength="254">`,
)}
<p id="${ids.formError}" role="alert" class="form-err" hidden></p>
<button id="${ids.submit}" type="submit" class="start" style="background:${accent};color:${onAccent}">Start chat</button>
</form></div></section>
</div>
<p id="${ids.resuming}" class="status" role="status" hidden>Resuming your conversation…</p>
</main>
<script type="module" src="${p.scriptUrl}"${p.nonce ? html` nonce="${p.nonce}"` : null}></script>
</body></html>`;
  return page.value;
}

/** The 404 for an unknown slug, in the landing page's own styles (app/not-found.tsx's wording). */
export function renderNotFoundPage(): string {
  return html`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Not found</title><meta name="robots" content="noindex"><link rel="icon" href="/favicon.ico" sizes="32x32"><link rel="icon" href="/icon.svg" type="image/svg+xml">
<style>${raw(LANDING_CSS)}</style></head><body>
<main class="shell"><div class="welcome" style="text-align:center;padding-top:2.5rem"><h2>Page not found</h2><p>The page you asked for doesn’t exist.</p></div></main>
</body></html>`.value;
}
