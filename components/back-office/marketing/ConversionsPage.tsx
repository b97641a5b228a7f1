"use client";

import { Suspense, useState } from "react";
import { conversionsApi, type ProjectListPage } from "@/components/conversions/api";
import { SelectField } from "@/components/ui/Field";
import { SearchBox } from "@/components/ui/SearchBox";
import { ui } from "@/components/ui/styles";
import { useServerPage } from "@/components/ui/useServerPage";
import { useUrlQuery } from "@/components/ui/useUrlQuery";
import { ConversionsSettings } from "./ConversionsSettings";
import { DeliveryLog } from "./DeliveryLog";
import { MarketingSection, type MarketingTab } from "./MarketingTabs";

/**
 * Marketing → Conversions: per project, the server-side copies of lead-stage
 * changes — Meta's Conversions API and GA4's Measurement Protocol — with
 * their credentials (write-only: only the last four characters come back),
 * the stage → event mapping, a test event per platform, and the delivery log
 * of every event the outbox sent or is still trying to send. The browser copy
 * of the same events (window.dataLayer, for GTM) needs no settings: see
 * docs/gtm-recipe.md.
 */
export function ConversionsPage({ base, tabs }: { base: string; tabs: readonly MarketingTab[] }) {
  return (
    <MarketingSection base={base} current="conversions" allowed={tabs}>
      <Suspense fallback={<p className="text-sm text-slate-500">Loading conversions…</p>}>
        <Conversions />
      </Suspense>
    </MarketingSection>
  );
}

function Conversions() {
  const url = useUrlQuery();
  const [q, setQ] = useState("");
  const projects = useServerPage<ProjectListPage>(conversionsApi.projectsUrl(q));
  // The test-event buttons and the log are siblings: a queued test bumps this and the log re-reads itself.
  const [logVersion, setLogVersion] = useState(0);
  const list = projects.data?.items ?? [];
  const asked = Number(url.get("project")) || null;
  const projectId = asked ?? list.find((p) => p.isDefault)?.id ?? list[0]?.id ?? null;

  if (projects.status === "error" && !projects.data) {
    return (
      <div role="alert" className={`${ui.alert} flex flex-wrap items-center gap-3`}>
        <span>Couldn&apos;t load the projects: {projects.error}</span>
        <button type="button" className={ui.button.secondary} onClick={() => projects.reload()}>
          Try again
        </button>
      </div>
    );
  }
  if (!projects.data && !asked) return <p role="status" className="text-sm text-slate-500">Loading projects…</p>;
  if (projects.data && list.length === 0 && !q && !asked) return <p className="text-sm text-slate-500">There is no project yet. Create one under Projects first.</p>;

  const many = (projects.data?.total ?? 0) > list.length || q !== "";
  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end gap-3">
        <SelectField
          label="Project"
          className="w-full max-w-xs"
          value={projectId === null ? "" : String(projectId)}
          onChange={(e) => url.set({ project: e.target.value })}
          hint="Each project has its own pixel, measurement ID and log."
        >
          {projectId !== null && !list.some((p) => p.id === projectId) ? <option value={String(projectId)}>Project #{projectId}</option> : null}
          {list.map((p) => (
            <option key={p.id} value={String(p.id)}>
              {p.title || p.slug} (/p/{p.slug}){p.isDefault ? " · default project" : ""}
            </option>
          ))}
        </SelectField>
        {many ? <SearchBox label="Find a project" value={q} placeholder="Slug or title" onSearch={setQ} /> : null}
      </div>
      {projectId !== null ? (
        <>
          <ConversionsSettings key={projectId} projectId={projectId} onTestQueued={() => setLogVersion((n) => n + 1)} />
          <DeliveryLog key={`log-${projectId}`} projectId={projectId} version={logVersion} />
        </>
      ) : null}
    </div>
  );
}
