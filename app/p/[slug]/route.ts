import { renderLandingPage, renderNotFoundPage } from "@/components/visitor/landing/render";
import { landingBundle } from "@/components/visitor/landing/bundle.server";
import { getDb } from "@/db/client";
import { countryFromLanguages, countryOptions, languagesFromHeader, type CountryOption } from "@/lib/chat/contact";
import { resolveVisitorConversation, visitorCookieName } from "@/lib/chat/visitor-session";
import { readCookie } from "@/lib/cookies";
import { nonceFromCsp, tagsHtmlFor } from "@/lib/marketing/inject";
import { accentForeground, safeAccent, safeIconUrl } from "@/lib/projects/branding";
import { findProjectBySlug } from "@/lib/projects/default-project";

export const dynamic = "force-dynamic";

// The country list never changes within a process.
let countries: CountryOption[] | undefined;

const HTML_HEADERS = {
  "Content-Type": "text/html; charset=utf-8",
  // Depends on the visitor cookie and Accept-Language; never shared by caches.
  "Cache-Control": "private, no-cache",
  Vary: "Cookie, Accept-Language",
};

// GET /p/[slug] – the ad landing page: server-rendered contact form, a few KB of script, no framework runtime
export async function GET(req: Request, { params }: { params: Promise<{ slug: string }> }) {
  const { slug } = await params;
  const db = await getDb();
  const project = slug.length > 100 ? null : await findProjectBySlug(db, slug);
  if (!project) return new Response(renderNotFoundPage(), { status: 404, headers: HTML_HEADERS });
  const chatUrl = `/p/${encodeURIComponent(project.slug)}/chat`;

  // A returning visitor with the project cookie goes straight to their chat.
  const token = readCookie(req.headers.get("cookie"), visitorCookieName(project.id));
  if (token && (await resolveVisitorConversation(db, project.id, token))) {
    return new Response(null, { status: 303, headers: { Location: chatUrl, "Cache-Control": "no-store" } });
  }

  const accent = safeAccent(project.accentColor);
  countries ??= countryOptions();
  // server.ts put this response's CSP on the request: our script and the marketing tags carry its nonce.
  const nonce = nonceFromCsp(req.headers.get("content-security-policy"));
  const html = renderLandingPage({
    project,
    accent,
    onAccent: accentForeground(accent),
    iconUrl: safeIconUrl(project.iconUrl),
    countries,
    defaultCountry: countryFromLanguages(languagesFromHeader(req.headers.get("accept-language"))) ?? "US",
    scriptUrl: (await landingBundle()).entryUrl,
    chatUrl,
    nonce: nonce ?? undefined,
    tags: (await tagsHtmlFor(db, "visitor", nonce)) ?? undefined,
  });
  return new Response(html, { headers: HTML_HEADERS });
}
