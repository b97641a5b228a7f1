import { Suspense } from "react";
import type { StaffRole } from "@/db/schema";
import { sectionHref, findSection } from "@/lib/console/sections";
import { FollowUpsPanel } from "./FollowUpsPanel";
import { LeadsTable } from "./LeadsTable";

/**
 * The CRM section, one implementation for every console that has it
 * (app/admin/crm, app/manager/crm, app/agent/crm, app/qa/crm): follow-ups
 * due today on top, the leads table under them. What each viewer sees and
 * may change is the server's answer (lib/crm), never decided here.
 */
export function CrmPage({
  console,
  importHref,
  sheetsHref,
}: {
  console: StaffRole;
  /** The console's CSV upload page, where it has one (shown to those who may import). */
  importHref?: string;
  /** The Google Sheets sources page, for viewers the server says may manage them. */
  sheetsHref?: string;
}) {
  const section = findSection(console, "crm");
  const crmPath = section ? sectionHref(console, section) : "";
  return (
    <div className="space-y-4">
      <FollowUpsPanel crmPath={crmPath} />
      <Suspense fallback={<p className="text-sm text-slate-500">Loading leads…</p>}>
        <LeadsTable console={console} importHref={importHref} sheetsHref={sheetsHref} />
      </Suspense>
    </div>
  );
}
