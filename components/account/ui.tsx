"use client";

import { useId } from "react";
import { ui } from "@/components/ui/styles";

/**
 * A titled card of the account page (components/ui has the card, not a
 * titled section): a landmark named by its title.
 */
export function Section({ title, description, children }: { title: string; description?: React.ReactNode; children: React.ReactNode }) {
  const id = useId();
  return (
    <section aria-labelledby={id} className={`${ui.card} space-y-4 p-4 sm:p-5`}>
      <div className="space-y-1">
        <h3 id={id} className="text-base font-semibold">
          {title}
        </h3>
        {description ? <div className="text-sm text-slate-600">{description}</div> : null}
      </div>
      {children}
    </section>
  );
}

/** A panel whose data didn't load: what failed, and a retry. */
export function LoadFailed({ what, error, onRetry }: { what: string; error: string; onRetry: () => void }) {
  return (
    <div role="alert" className={`${ui.alert} flex flex-wrap items-center justify-between gap-2`}>
      <span>
        Couldn&apos;t load {what}: {error}
      </span>
      <button type="button" className={ui.button.secondary} onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}
