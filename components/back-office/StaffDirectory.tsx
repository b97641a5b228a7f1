"use client";

import { useId, useState } from "react";
import { DEFAULT_PAGE_SIZE } from "@/lib/console/table";
import type { StaffKind, StaffListPage, StaffRowDTO } from "@/lib/staff/list-staff";
import { errorText } from "@/components/ui/api";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { DataTable, type Column } from "@/components/ui/DataTable";
import { Menu, type MenuItem } from "@/components/ui/Menu";
import { UrlPaginationBar, urlPageSize } from "@/components/ui/Pagination";
import { PillGroup } from "@/components/ui/PillGroup";
import { SearchBox } from "@/components/ui/SearchBox";
import { ui } from "@/components/ui/styles";
import { useToast } from "@/components/ui/Toast";
import { useServerPage } from "@/components/ui/useServerPage";
import { useUrlQuery } from "@/components/ui/useUrlQuery";
import { StaffSocketProvider, useStaffSocket } from "@/components/realtime/StaffSocketProvider";
import type { AgentStatusDTO } from "@/lib/realtime/protocol";
import { staffApi } from "./api";
import { useAgentFeed } from "./useAgentFeed";
import { PRESENCE, ROLE_LABEL } from "./labels";
import { ResetPasswordDialog } from "./ResetPasswordDialog";
import { StaffFormDialog } from "./StaffFormDialog";


const STATUS_FILTERS = [
  { value: "", label: "All" },
  { value: "active", label: "Active" },
  { value: "disabled", label: "Disabled" },
] as const;

type Pending =
  | { kind: "create" }
  | { kind: "edit"; row: StaffRowDTO }
  | { kind: "reset"; row: StaffRowDTO }
  | { kind: "signOut"; row: StaffRowDTO }
  | { kind: "disable"; row: StaffRowDTO }
  | null;

const TEXT = {
  agents: { title: "Agents", add: "Add agent", search: "Search agents", empty: "No agents yet. Add one to start taking chats.", none: "No agents match." },
  staff: { title: "Staff", add: "Add staff member", search: "Search staff", empty: "No admins, managers or QA analysts yet.", none: "No staff members match." },
} as const;

/**
 * The Agents and Staff pages (one implementation, shown to admins and
 * managers alike): a server-paginated table with search and filters in the
 * URL, and add / edit / reset password / force-logout / disable. What the
 * viewer may not do isn't offered (the server says per row); the server
 * refuses it anyway.
 */
export function StaffDirectory({ kind }: { kind: StaffKind }) {
  const text = TEXT[kind];
  const toast = useToast();
  const url = useUrlQuery();
  const limit = urlPageSize(url);
  const filters = { q: url.get("q"), status: url.get("status"), role: kind === "staff" ? url.get("role") : "" };
  const listUrl = staffApi.listUrl({
    kind,
    ...filters,
    after: url.get("after"),
    before: url.get("before"),
    limit: limit === DEFAULT_PAGE_SIZE ? undefined : String(limit),
  });
  const page = useServerPage<StaffListPage>(listUrl);
  const data = page.data;
  // Presence and load arrive live (`agent` frames) on top of the last page read.
  const [live, setLive] = useState<Map<number, AgentStatusDTO>>(new Map());
  const [liveFor, setLiveFor] = useState(data);
  if (data !== liveFor) {
    setLiveFor(data);
    setLive(new Map());
  }
  const rows = (data?.items ?? []).map((r) => withLiveStatus(r, live.get(r.id)));
  const onAgent = (a: AgentStatusDTO) => {
    const row = data?.items.find((r) => r.id === a.id);
    if (!row) return;
    // Limits, toggles or disabled changed: that is an edit (a new row version), so re-read the page.
    const edited =
      row.activeChatLimit !== a.activeLimit || row.offlineChatLimit !== a.offlineLimit || row.liveChatEnabled !== a.liveChatEnabled || row.disabled !== a.disabled;
    if (edited) return page.reload({ quiet: true });
    setLive((prev) => new Map(prev).set(a.id, a));
  };
  const [pending, setPending] = useState<Pending>(null);
  const close = () => setPending(null);
  const done = (message: string) => {
    setPending(null);
    toast(message);
    page.reload({ quiet: true });
  };

  const agentRoles = data?.agentRoles ?? [];
  const canAdd = (data?.assignableRoles ?? []).some((r) => agentRoles.includes(r) === (kind === "agents"));

  async function setToggle(row: StaffRowDTO, patch: { liveChatEnabled?: boolean; crmEnabled?: boolean }) {
    try {
      await staffApi.update(row.id, { ...patch, version: row.version });
      const [name, on] = "liveChatEnabled" in patch ? ["Live Chat", patch.liveChatEnabled] : ["CRM", patch.crmEnabled];
      toast(`${name} ${on ? "on" : "off"} for ${row.displayName}.`);
    } catch (e) {
      toast(errorText(e), "error");
    }
    page.reload({ quiet: true });
  }

  async function setDisabled(row: StaffRowDTO, disabled: boolean) {
    await staffApi.update(row.id, { disabled, version: row.version });
    done(disabled ? `${row.displayName} was disabled and signed out.` : `${row.displayName} was enabled.`);
  }

  const actions = (row: StaffRowDTO): MenuItem[] => {
    const items: MenuItem[] = [];
    if (row.rights.edit) items.push({ label: "Edit", onSelect: () => setPending({ kind: "edit", row }) });
    if (row.rights.resetPassword) items.push({ label: "Reset password", onSelect: () => setPending({ kind: "reset", row }) });
    if (row.rights.signOut && !row.disabled) items.push({ label: "Force logout", onSelect: () => setPending({ kind: "signOut", row }) });
    if (row.rights.disable) {
      items.push(
        row.disabled
          ? { label: "Enable", onSelect: () => void setDisabled(row, false).catch((e) => toast(errorText(e), "error")) }
          : { label: "Disable", tone: "danger", onSelect: () => setPending({ kind: "disable", row }) },
      );
    }
    return items;
  };

  const columns: Column<StaffRowDTO>[] = [
    {
      key: "name",
      header: "Name",
      primary: true,
      cell: (r) => (
        <div className="min-w-0">
          <p className="truncate font-medium">
            {r.displayName}
            {r.disabled ? <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 text-xs font-normal text-slate-600">Disabled</span> : null}
          </p>
          <p className="truncate text-xs text-slate-500">
            {r.email}
            {r.username ? ` · @${r.username}` : ""}
          </p>
        </div>
      ),
    },
    ...(kind === "staff" ? [{ key: "role", header: "Role", cell: (r: StaffRowDTO) => ROLE_LABEL[r.role] }] : []),
    { key: "presence", header: "Presence", cell: (r) => <PresenceBadge row={r} /> },
    ...(kind === "agents"
      ? [
          {
            key: "load",
            header: "Load",
            cell: (r: StaffRowDTO) => (
              <span className="text-xs whitespace-nowrap text-slate-700 tabular-nums">
                {r.activeCount}/{r.activeChatLimit} active · {r.offlineCount}/{r.offlineChatLimit} parked
              </span>
            ),
          },
          {
            key: "live",
            header: "Live Chat",
            cell: (r: StaffRowDTO) => (
              <Toggle label={`Live Chat for ${r.displayName}`} checked={r.liveChatEnabled} disabled={!r.rights.edit} onChange={(v) => setToggle(r, { liveChatEnabled: v })} />
            ),
          },
          {
            key: "crm",
            header: "CRM",
            cell: (r: StaffRowDTO) => <Toggle label={`CRM for ${r.displayName}`} checked={r.crmEnabled} disabled={!r.rights.edit} onChange={(v) => setToggle(r, { crmEnabled: v })} />,
          },
        ]
      : []),
    {
      key: "actions",
      header: "Actions",
      srHeader: true,
      className: "text-right",
      cell: (r) => <Menu label={`Actions for ${r.displayName}`} items={actions(r)} />,
    },
  ];

  const filtered = Boolean(filters.q || filters.status || filters.role);
  return (
    <section aria-labelledby="staff-directory-title" className="space-y-3">
      {kind === "agents" ? (
        <StaffSocketProvider>
          <AgentStatusFeed onAgent={onAgent} onOpen={() => page.reload({ quiet: true })} />
        </StaffSocketProvider>
      ) : null}
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="staff-directory-title" className="text-base font-semibold">
          {text.title}
        </h2>
        {canAdd ? (
          <button type="button" className={ui.button.primary} onClick={() => setPending({ kind: "create" })}>
            {text.add}
          </button>
        ) : null}
      </div>

      <div className="flex flex-wrap items-end gap-3">
        <SearchBox label={text.search} value={filters.q} placeholder="Name, email or username" onSearch={(q) => url.set({ q }, { replace: true })} />
        <PillGroup label="Status" options={STATUS_FILTERS} value={filters.status as (typeof STATUS_FILTERS)[number]["value"]} onChange={(status) => url.set({ status })} />
        {kind === "staff" ? <RoleFilter value={filters.role} onChange={(role) => url.set({ role })} /> : null}
      </div>

      <DataTable
        label={text.title}
        columns={columns}
        rows={rows}
        rowKey={(r) => r.id}
        state={{ status: page.status, error: page.error, onRetry: () => page.reload() }}
        empty={filtered ? text.none : text.empty}
        footer={
          data ? (
            <UrlPaginationBar url={url} page={data} count={rows.length} busy={page.status === "loading"} />
          ) : null
        }
      />

      {pending?.kind === "create" || pending?.kind === "edit" ? (
        <StaffFormDialog
          key={pending.kind === "edit" ? `edit-${pending.row.id}-${pending.row.version}` : "create"}
          kind={kind}
          row={pending.kind === "edit" ? pending.row : null}
          roles={data?.assignableRoles ?? []}
          agentRoles={agentRoles}
          open
          onClose={close}
          onSaved={done}
          onStale={() => {
            close();
            page.reload();
          }}
        />
      ) : null}
      {pending?.kind === "reset" ? <ResetPasswordDialog key={pending.row.id} row={pending.row} open onClose={close} onDone={done} /> : null}
      {pending?.kind === "signOut" ? (
        <ConfirmDialog
          open
          onClose={close}
          title={`Force ${pending.row.displayName} to log out?`}
          message="Every session of theirs ends at once, and their open chats go back to the queue for other agents."
          confirmLabel="Force logout"
          onConfirm={async () => {
            await staffApi.signOut(pending.row.id);
            done(`${pending.row.displayName} was signed out everywhere.`);
          }}
        />
      ) : null}
      {pending?.kind === "disable" ? (
        <ConfirmDialog
          open
          onClose={close}
          title={`Disable ${pending.row.displayName}?`}
          message="They can't sign in until someone enables them again. They are signed out now, and their open chats go back to the queue."
          confirmLabel="Disable"
          onConfirm={() => setDisabled(pending.row, true)}
        />
      ) : null}
    </section>
  );
}

/** A row with the presence and load of its latest `agent` frame. */
function withLiveStatus(row: StaffRowDTO, a: AgentStatusDTO | undefined): StaffRowDTO {
  return a ? { ...row, presence: a.presence, activeCount: a.activeCount, offlineCount: a.offlineCount } : row;
}

/** Listens on the console's socket (supervisors get every agent's status); renders nothing. A reconnect re-reads the page. */
function AgentStatusFeed({ onAgent, onOpen }: { onAgent: (a: AgentStatusDTO) => void; onOpen: () => void }) {
  useAgentFeed(useStaffSocket(), { onAgent, onOpen });
  return null;
}

function PresenceBadge({ row }: { row: StaffRowDTO }) {
  const p = PRESENCE[row.presence];
  return (
    <span className={`inline-flex items-center gap-1.5 text-xs whitespace-nowrap ${p.text}`}>
      <span aria-hidden="true" className={`h-2 w-2 rounded-full ${p.dot}`} />
      {p.label}
    </span>
  );
}

/** An inline on/off switch that saves at once. */
function Toggle({ label, checked, disabled, onChange }: { label: string; checked: boolean; disabled: boolean; onChange: (v: boolean) => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      disabled={disabled || busy}
      onClick={async () => {
        setBusy(true);
        await onChange(!checked);
        setBusy(false);
      }}
      className={`relative inline-flex h-5 w-9 shrink-0 items-center rounded-full transition-colors focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600 disabled:opacity-50 ${checked ? "bg-blue-600" : "bg-slate-300"}`}
    >
      <span aria-hidden="true" className={`inline-block h-4 w-4 rounded-full bg-white shadow transition-transform ${checked ? "translate-x-4" : "translate-x-0.5"}`} />
    </button>
  );
}

function RoleFilter({ value, onChange }: { value: string; onChange: (role: string) => void }) {
  const id = useId();
  return (
    <div>
      <label htmlFor={id} className="mb-1 block text-xs font-medium text-slate-600">
        Role
      </label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} className="rounded-md border border-slate-300 bg-white px-2 py-2 text-sm">
        <option value="">All roles</option>
        {(["admin", "manager", "qa"] as const).map((r) => (
          <option key={r} value={r}>
            {ROLE_LABEL[r]}
          </option>
        ))}
      </select>
    </div>
  );
}
