import type { Metadata, Viewport } from "next";
import { cookies, headers } from "next/headers";
import { notFound } from "next/navigation";
import { cache } from "react";
import { VisitorEntry } from "@/components/visitor/VisitorEntry";
import { getDb } from "@/db/client";
import { countryFromLanguages, countryOptions, languagesFromHeader, type CountryOption } from "@/lib/chat/contact";
import { resolveVisitorConversation, visitorCookieName } from "@/lib/chat/visitor-session";
import { accentForeground, safeAccent, safeIconUrl } from "@/lib/projects/branding";
import { findProjectBySlug } from "@/lib/projects/default-project";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ slug: string }> };

// One query per request for metadata, viewport and the page.
const loadProject = cache(async (slug: string) => (slug.length > 100 ? null : findProjectBySlug(await getDb(), slug)));

// The country list never changes within a process.
let countries: CountryOption[] | undefined;

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const project = await loadProject((await params).slug);
  if (!project) return { title: "Not found" };
  const icon = safeIconUrl(project.iconUrl);
  return {
    title: project.title,
    description: project.subtitle || project.welcomeMessage,
    icons: icon ? { icon, apple: icon } : undefined,
  };
}

export async function generateViewport({ params }: Props): Promise<Viewport> {
  const project = await loadProject((await params).slug);
  return { width: "device-width", initialScale: 1, themeColor: safeAccent(project?.accentColor) };
}

export default async function VisitorPage({ params }: Props) {
  const project = await loadProject((await params).slug);
  if (!project) notFound();

  const accent = safeAccent(project.accentColor);
  const onAccent = accentForeground(accent);
  const iconUrl = safeIconUrl(project.iconUrl);

  // A returning visitor with the project cookie lands straight in their chat.
  const token = (await cookies()).get(visitorCookieName(project.id))?.value ?? null;
  const conv = token ? await resolveVisitorConversation(await getDb(), project.id, token) : null;
  const initial = conv && token ? { token, conversationId: conv.id } : null;

  const defaultCountry = countryFromLanguages(languagesFromHeader((await headers()).get("accept-language"))) ?? "US";
  countries ??= countryOptions();

  return (
    <main className="mx-auto flex h-dvh w-full max-w-lg flex-col overflow-hidden bg-white sm:my-6 sm:h-[calc(100dvh-3rem)] sm:rounded-2xl sm:shadow-lg">
      <header className="flex items-center gap-3 px-5 py-4" style={{ background: accent, color: onAccent }}>
        {iconUrl ? (
          // A plain <img>: the icon is an admin-supplied URL of any origin, not a build-time asset.
          <img src={iconUrl} alt="" width={40} height={40} className="h-10 w-10 shrink-0 rounded-full bg-white/20 object-cover" />
        ) : null}
        <div className="min-w-0">
          <h1 className="truncate text-lg font-semibold leading-tight">{project.title}</h1>
          {project.subtitle ? <p className="truncate text-sm opacity-90">{project.subtitle}</p> : null}
        </div>
      </header>
      <VisitorEntry
        project={{ slug: project.slug, title: project.title, accentColor: accent, iconUrl }}
        onAccent={onAccent}
        initial={initial}
        form={{
          heading: project.formHeading,
          description: project.formDescription,
          countries,
          defaultCountry,
        }}
      >
        <section className="px-5 pt-6 pb-2">
          <h2 className="text-xl font-semibold text-slate-900">{project.welcomeHeading}</h2>
          <p className="mt-1 whitespace-pre-line text-slate-600">{project.welcomeMessage}</p>
        </section>
      </VisitorEntry>
    </main>
  );
}
