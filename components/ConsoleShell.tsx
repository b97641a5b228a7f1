import type { StaffRole } from "@/db/schema";
import { navFor } from "@/lib/console/sections";
import { AccountLink } from "./account/AccountLink";
import { ConsoleNav, type NavItem } from "./ConsoleNav";
import { SignOutButton } from "./SignOutButton";
import { ToastProvider } from "./ui/Toast";

export type { NavItem };

const TITLES: Record<StaffRole, string> = {
  admin: "Admin Console",
  manager: "Manager Console",
  agent: "Agent Console",
  qa: "QA Console",
};

/**
 * A console's links, derived from the policy: a section appears only when the
 * user holds its permission and its page exists (lib/console/sections.ts).
 */
export function consoleNav(role: StaffRole, opts: { liveChat: boolean; crm: boolean }): NavItem[] {
  return navFor(role, { role, liveChatEnabled: opts.liveChat, crmEnabled: opts.crm });
}

/**
 * The frame of every staff console: title, user (a link to their account
 * page) and sign-out on top, the sections beside (desktop) or below it
 * (phone), the page under both. A page that manages its own scrolling (the
 * agent inbox: list and thread scroll inside, the composer stays on screen)
 * marks its root `data-console-fill`, and the frame then fits the viewport
 * exactly instead of growing with it.
 */
export function ConsoleShell({
  role,
  user,
  children,
}: {
  role: StaffRole;
  user: { displayName: string; liveChatEnabled: boolean; crmEnabled: boolean };
  children: React.ReactNode;
}) {
  const nav = consoleNav(role, { liveChat: user.liveChatEnabled, crm: user.crmEnabled });
  return (
    <div className="grid min-h-dvh grid-cols-[minmax(0,1fr)] grid-rows-[auto_auto_minmax(0,1fr)] has-[[data-console-fill]]:h-dvh md:grid-cols-[14rem_minmax(0,1fr)] md:grid-rows-[auto_minmax(0,1fr)]">
      <header className="flex items-center justify-between gap-3 border-b border-slate-200 bg-white px-4 py-2 md:col-start-2 md:row-start-1 md:py-3">
        <h1 className="truncate text-lg font-semibold">{TITLES[role]}</h1>
        <div className="flex shrink-0 items-center gap-2 sm:gap-3">
          <AccountLink displayName={user.displayName} />
          <SignOutButton />
        </div>
      </header>
      <aside className="border-b border-slate-200 bg-white md:col-start-1 md:row-span-2 md:row-start-1 md:border-r md:border-b-0">
        {/* The product's name; the console's is the page heading. */}
        <p className="hidden px-4 py-4 text-xs tracking-wide text-slate-500 uppercase md:block">OnlineChatCRM</p>
        <ConsoleNav label={`${TITLES[role]} navigation`} items={nav} />
      </aside>
      <main className="min-h-0 min-w-0 p-3 has-[[data-console-fill]]:flex has-[[data-console-fill]]:flex-col md:col-start-2 md:row-start-2 md:p-4">
        <ToastProvider>{children}</ToastProvider>
      </main>
    </div>
  );
}
