import type { Metadata, Viewport } from "next";
import { cookies } from "next/headers";
import { notFound } from "next/navigation";
import { cache } from "react";
import { VisitorEntry } from "@/components/visitor/VisitorEntry";
import { getDb } from "@/db/client";
import { resolveVisitorConversation, visitorCookieName } from "@/lib/chat/visitor-session";
import { accentForeground, safeAccent, safeIconUrl } from "@/lib/projects/branding";
import { findProjectBySlug } from "@/lib/projects/default-project";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ slug: string }> };

// One query per request for metadata, viewport and the page.
const loadProject = cache(async (slug: string) => (slug.length > 100 ? null : findProjectBySlug(await getDb(), slug)));

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const project = await loadProject((await params).slug);
  if (!project) return { title: "Not found" };
  const icon = safeIconUrl(project.iconUrl);
  return {
    title: project.title,
    description: project.subtitle || project.welcomeMessage,
    // A chat is one visitor's own page: keep it out of search results (the landing page is what gets indexed).
    robots: { index: false },
    icons: icon ? { icon, apple: icon } : undefined,
  };
}

export async function generateViewport({ params }: Props): Promise<Viewport> {
  const project = await loadProject((await params).slug);
  return { width: "device-width", initialScale: 1, themeColor: safeAccent(project?.accentColor) };
}

/**
 * The visitor's live chat. The landing page `/p/{slug}` (app/p/[slug]/route.ts)
 * sends visitors here once the chat has started or can be resumed: this is the
 * first page of the visit that loads React and the chat code.
 */
export default async function VisitorChatPage({ params }: Props) {
  const project = await loadProject((await params).slug);
  if (!project) notFound();

  const accent = safeAccent(project.accentColor);
  const onAccent = accentForeground(accent);
  const iconUrl = safeIconUrl(project.iconUrl);

  const token = (await cookies()).get(visitorCookieName(project.id))?.value ?? null;
  const conv = token ? await resolveVisitorConversation(await getDb(), project.id, token) : null;
  const initial = conv && token ? { token, conversationId: conv.id } : null;

  return (
    <main className="mx-auto flex h-dvh w-full max-w-lg flex-col overflow-hidden bg-white sm:my-6 sm:h-[calc(100dvh-3rem)] sm:rounded-2xl sm:shadow-lg">
      <header className="flex items-center gap-3 px-5 py-4" style={{ background: accent, color: onAccent }}>
        {iconUrl ? (
          // A plain <img>: the icon is an admin-supplied URL of any origin, not a build-time asset.
          <img src={iconUrl} alt="" width={40} height={40} className="h-10 w-10 shrink-0 rounded-full bg-white/20 object-cover" />
        ) : null}
        <div className="min-w-0">
          <h1 className="truncate text-lg font-semibold leading-tight">{project.title}</h1>
          {/* Full opacity: a dimmed subtitle dropped to 4.48:1 on the default accent (AA needs 4.5). */}
          {project.subtitle ? <p className="truncate text-sm">{project.subtitle}</p> : null}
        </div>
      </header>
      <VisitorEntry
        project={{ slug: project.slug, title: project.title, accentColor: accent, iconUrl, welcomeMessage: project.welcomeMessage }}
        initial={initial}
        landingUrl={`/p/${encodeURIComponent(project.slug)}`}
      />
    </main>
  );
}
