"use client";

import { Suspense, useId } from "react";
import { useServerPage } from "@/components/ui/useServerPage";
import { useUrlQuery } from "@/components/ui/useUrlQuery";
import { ui } from "@/components/ui/styles";
import { AllowListPanel } from "./AllowListPanel";
import { securityApi, type SecurityPageSettings } from "./api";
import { AuditLogPanel } from "./AuditLogPanel";
import { BlocksPanel } from "./BlocksPanel";
import { RulesPanel } from "./RulesPanel";
import { StrikesPanel } from "./StrikesPanel";

const TABS = [
  { id: "blocks", label: "Blocked IPs" },
  { id: "strikes", label: "Recent strikes" },
  { id: "audit", label: "Audit log" },
  { id: "rules", label: "Strike rules & rate limits" },
  { id: "allow-list", label: "Allow-list" },
] as const;
type TabId = (typeof TABS)[number]["id"];

/** Every tab's URL parameters: switching tabs starts the new one clean. */
const TAB_KEYS = ["after", "before", "limit", "status", "source", "rule", "q", "category", "action", "actor", "actorId", "target", "targetType", "from", "to"];

/**
 * The Security section of the admin and manager consoles (one
 * implementation): blocked IPs, recent strikes by rule, the audit log, the
 * strike thresholds and rate limits, and the allow-list. A manager sees the
 * global configuration read-only; what the viewer may change comes from the
 * server (`rights`), which refuses the rest anyway.
 */
export function SecurityPage() {
  return (
    <Suspense fallback={<p className="text-sm text-slate-500">Loading security…</p>}>
      <SecurityTabs />
    </Suspense>
  );
}

function SecurityTabs() {
  const url = useUrlQuery();
  const baseId = useId();
  const tab: TabId = TABS.some((t) => t.id === url.get("tab")) ? (url.get("tab") as TabId) : "blocks";
  const settings = useServerPage<SecurityPageSettings>(securityApi.settingsUrl);
  const select = (id: TabId) => url.set({ ...Object.fromEntries(TAB_KEYS.map((k) => [k, null])), tab: id === "blocks" ? null : id });

  return (
    <section aria-labelledby={`${baseId}-title`} className="space-y-4">
      <div>
        <h2 id={`${baseId}-title`} className="text-base font-semibold">
          Security
        </h2>
        <p className="text-sm text-slate-600">Blocked addresses, the strike rules that block automatically, and who did what in the back office.</p>
      </div>
      <div role="tablist" aria-label="Security" className="flex gap-1 overflow-x-auto border-b border-slate-200">
        {TABS.map((t) => (
          <button
            key={t.id}
            id={`${baseId}-tab-${t.id}`}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            aria-controls={`${baseId}-panel`}
            onClick={() => select(t.id)}
            className={`-mb-px shrink-0 border-b-2 px-3 py-2 text-sm font-medium whitespace-nowrap focus-visible:outline-2 focus-visible:outline-blue-600 ${
              tab === t.id ? "border-blue-600 text-blue-700" : "border-transparent text-slate-600 hover:text-slate-900"
            }`}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div id={`${baseId}-panel`} role="tabpanel" aria-labelledby={`${baseId}-tab-${tab}`}>
        {tab === "blocks" ? <BlocksPanel rights={settings.data?.rights ?? null} /> : null}
        {tab === "strikes" ? <StrikesPanel /> : null}
        {tab === "audit" ? <AuditLogPanel /> : null}
        {tab === "rules" || tab === "allow-list" ? (
          settings.status === "error" ? (
            <div role="alert" className={`${ui.alert} flex flex-wrap items-center gap-3`}>
              <span>Couldn&apos;t load the security settings: {settings.error}.</span>
              <button type="button" className={ui.button.secondary} onClick={() => settings.reload()}>
                Try again
              </button>
            </div>
          ) : !settings.data ? (
            <p role="status" className="text-sm text-slate-500">
              Loading settings…
            </p>
          ) : tab === "rules" ? (
            <RulesPanel key={JSON.stringify(settings.data.strikeRules)} settings={settings.data} onSaved={() => settings.reload({ quiet: true })} />
          ) : (
            <AllowListPanel key={JSON.stringify(settings.data.allowList)} settings={settings.data} onSaved={() => settings.reload({ quiet: true })} />
          )
        ) : null}
      </div>
    </section>
  );
}

