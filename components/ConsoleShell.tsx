import Link from "next/link";
import type { StaffRole } from "@/db/schema";
import { SignOutButton } from "./SignOutButton";

export type NavItem = { href: string; label: string };

const TITLES: Record<StaffRole, string> = {
  admin: "Admin Console",
  manager: "Manager Console",
  agent: "Agent Console",
  qa: "QA Console",
};

/** Navigation per console; later issues fill the sections. */
export function consoleNav(role: StaffRole, opts: { liveChat: boolean; crm: boolean }): NavItem[] {
  switch (role) {
    case "admin":
      return [
        { href: "/admin", label: "Overview" },
        { href: "/admin/chats", label: "Chats" },
        { href: "/admin/agents", label: "Agents" },
        { href: "/admin/staff", label: "Staff" },
        { href: "/admin/chat-data", label: "Chat data" },
        { href: "/admin/reports", label: "Reports" },
        { href: "/admin/crm", label: "CRM" },
        { href: "/admin/marketing", label: "Marketing" },
        { href: "/admin/projects", label: "Projects" },
        { href: "/admin/ai", label: "AI Integration" },
        { href: "/admin/security", label: "Security" },
      ];
    case "manager":
      return [
        { href: "/manager", label: "Overview" },
        { href: "/manager/chats", label: "Chats" },
        { href: "/manager/agents", label: "Agents" },
        { href: "/manager/staff", label: "Staff" },
        { href: "/manager/chat-data", label: "Chat data" },
        { href: "/manager/reports", label: "Reports" },
        { href: "/manager/crm", label: "CRM" },
        { href: "/manager/marketing", label: "Marketing" },
        { href: "/manager/security", label: "Security" },
      ];
    case "agent":
      return [
        ...(opts.liveChat ? [{ href: "/agent", label: "Inbox" }] : []),
        ...(opts.crm ? [{ href: "/agent/crm", label: "CRM" }] : []),
      ];
    case "qa":
      return [
        { href: "/qa", label: "Live chats" },
        { href: "/qa/reports", label: "Reports" },
      ];
  }
}

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
    <div className="flex min-h-dvh flex-col md:flex-row">
      <aside className="border-b border-slate-200 bg-white md:w-56 md:border-r md:border-b-0">
        <div className="px-4 py-4">
          <p className="text-xs uppercase tracking-wide text-slate-500">OnlineChatCRM</p>
          <p className="font-semibold">{TITLES[role]}</p>
        </div>
        <nav aria-label={`${TITLES[role]} navigation`}>
          <ul className="flex gap-1 overflow-x-auto px-2 pb-2 md:flex-col">
            {nav.map((item) => (
              <li key={item.href}>
                <Link href={item.href} className="block rounded-md px-3 py-1.5 text-sm whitespace-nowrap hover:bg-slate-100">
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
      </aside>
      <div className="flex flex-1 flex-col">
        <header className="flex items-center justify-between border-b border-slate-200 bg-white px-4 py-3">
          <h1 className="text-lg font-semibold">{TITLES[role]}</h1>
          <div className="flex items-center gap-3">
            <span className="text-sm text-slate-600">{user.displayName}</span>
            <SignOutButton />
          </div>
        </header>
        <main className="flex-1 p-4">{children}</main>
      </div>
    </div>
  );
}
