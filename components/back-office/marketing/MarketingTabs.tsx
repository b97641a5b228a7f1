import Link from "next/link";
import type { ReactNode } from "react";

export type MarketingTab = "tags" | "conversions";

const TABS: { id: MarketingTab; label: string; path: string }[] = [
  { id: "tags", label: "Tags", path: "" },
  { id: "conversions", label: "Conversions", path: "/conversions" },
];

/**
 * The Marketing section's tabs (Tags, Conversions), shared by every console
 * that has the section. `allowed`: the tabs the viewer's permissions open
 * (marketing.tags, marketing.conversions), decided by the page on the server.
 */
export function MarketingTabs({ base, current, allowed }: { base: string; current: MarketingTab; allowed: readonly MarketingTab[] }) {
  return (
    <nav aria-label="Marketing" className="flex flex-wrap gap-1 border-b border-slate-200">
      {TABS.filter((t) => allowed.includes(t.id)).map((t) => {
        const on = current === t.id;
        return (
          <Link
            key={t.id}
            href={`${base}${t.path}`}
            aria-current={on ? "page" : undefined}
            className={`-mb-px border-b-2 px-3 py-2 text-sm font-medium ${on ? "border-blue-600 text-blue-700" : "border-transparent text-slate-600 hover:text-slate-900"}`}
          >
            {t.label}
          </Link>
        );
      })}
    </nav>
  );
}

/** The Marketing section's frame, the same on every tab: its heading, the tabs, then the tab's own content. */
export function MarketingSection({ base, current, allowed, children }: { base: string; current: MarketingTab; allowed: readonly MarketingTab[]; children: ReactNode }) {
  return (
    <section aria-labelledby="marketing-title" className="space-y-4">
      <div>
        <h2 id="marketing-title" className="text-base font-semibold">
          Marketing
        </h2>
        <p className="text-sm text-slate-600">What the pages we serve tell your ad platforms.</p>
      </div>
      <MarketingTabs base={base} current={current} allowed={allowed} />
      {children}
    </section>
  );
}
