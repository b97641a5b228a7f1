"use client";

import { useMemo } from "react";
import { renderLandingPage } from "@/components/visitor/landing/render";
import { accentForeground, safeAccent, safeIconUrl } from "@/lib/projects/branding";
import type { ProjectBranding } from "@/lib/project-admin/get-project";

export type PreviewBranding = ProjectBranding;

/** One country is enough to show the form's shape; the live page lists them all. */
const PREVIEW_COUNTRIES = [{ code: "US" as const, name: "United States", dial: "+1" }];

/**
 * The visitor landing page (/p/{slug}) exactly as the server renders it
 * (components/visitor/landing/render.ts), drawn from the editor's unsaved
 * values. It runs in a sandboxed frame with no scripts and no forms: a
 * picture of the page, never a second copy of it that could start chats.
 */
export function LandingPreview({ draft }: { draft: PreviewBranding }) {
  const html = useMemo(() => {
    const accent = safeAccent(draft.accentColor);
    return renderLandingPage({
      project: {
        slug: draft.slug || "preview",
        title: draft.title || "Untitled project",
        subtitle: draft.subtitle,
        welcomeHeading: draft.welcomeHeading,
        welcomeMessage: draft.welcomeMessage,
        formHeading: draft.formHeading,
        formDescription: draft.formDescription,
      },
      accent,
      onAccent: accentForeground(accent),
      iconUrl: safeIconUrl(draft.iconUrl),
      countries: PREVIEW_COUNTRIES,
      defaultCountry: "US",
      scriptUrl: "about:blank",
      chatUrl: "#",
    });
  }, [draft]);
  return (
    <iframe
      title="Preview of the visitor page"
      sandbox=""
      srcDoc={html}
      className="h-[36rem] w-full rounded-lg border border-slate-200 bg-white shadow-sm"
    />
  );
}
