"use client";

import { useState } from "react";
import type { TablePage } from "@/lib/console/table";
import type { BlockRowDTO } from "@/lib/security-admin/list-blocks";
import { ApiError, errorText } from "@/components/ui/api";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { DataTable, type Column } from "@/components/ui/DataTable";
import { Dialog } from "@/components/ui/Dialog";
import { FormAlert, TextField } from "@/components/ui/Field";
import { PillGroup } from "@/components/ui/PillGroup";
import { SearchBox } from "@/components/ui/SearchBox";
import { ui } from "@/components/ui/styles";
import { useToast } from "@/components/ui/Toast";
import { useServerPage } from "@/components/ui/useServerPage";
import { useUrlQuery } from "@/components/ui/useUrlQuery";
import { securityApi, type SecurityPageSettings } from "./api";
import { pageQuery, RULE_LABEL, TableFooter, When } from "./parts";

const STATUS = [
  { value: "", label: "In force" },
  { value: "expired", label: "Expired" },
  { value: "all", label: "All" },
] as const;
const SOURCE = [
  { value: "", label: "Any" },
  { value: "manual", label: "Manual" },
  { value: "auto", label: "Automatic" },
] as const;

/** Blocks end on their own (automatic ones) or are lifted: the list re-reads itself this often while visible. */
const REFRESH_MS = 15_000;

/**
 * Blocked addresses: manual and automatic, with the rule, when, until when,
 * who and why; add a block (an address or a CIDR range, with a reason) and
 * lift one, confirmed. One address or IPv6 /64 needs `visitor.block`; a
 * wider range is the admin's call (`security.manage`) — the dialog says so.
 */
export function BlocksPanel({ rights }: { rights: SecurityPageSettings["rights"] | null }) {
  const toast = useToast();
  const url = useUrlQuery();
  const { limit, query } = pageQuery(url);
  const filters = { status: url.get("status"), source: url.get("source"), q: url.get("q") };
  const page = useServerPage<TablePage<BlockRowDTO>>(securityApi.blocksUrl({ ...filters, ...query }), { refreshMs: REFRESH_MS });
  const [adding, setAdding] = useState(false);
  const [lifting, setLifting] = useState<BlockRowDTO | null>(null);
  const rows = page.data?.items ?? [];
  const filtered = Boolean(filters.status || filters.source || filters.q);

  const columns: Column<BlockRowDTO>[] = [
    {
      key: "address",
      header: "Address",
      primary: true,
      cell: (r) => (
        <div className="min-w-0">
          <p className="truncate font-mono text-sm font-medium">{r.address}</p>
          {!r.active ? <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-600">Expired</span> : null}
        </div>
      ),
    },
    {
      key: "source",
      header: "Source",
      cell: (r) =>
        r.source === "auto" ? (
          <span className="text-sm">
            Automatic{r.rule ? <span className="text-slate-500"> · {RULE_LABEL[r.rule]}</span> : null}
          </span>
        ) : (
          <span className="text-sm">Manual</span>
        ),
    },
    { key: "reason", header: "Reason", cell: (r) => <span className="line-clamp-2 text-sm break-words">{r.reason || "—"}</span> },
    { key: "operator", header: "Operator", cell: (r) => <span className="text-sm">{r.operator?.name ?? (r.source === "auto" ? "System" : "—")}</span> },
    { key: "created", header: "Blocked", cell: (r) => <When at={r.createdAt} /> },
    { key: "expires", header: "Until", cell: (r) => (r.expiresAt ? <When at={r.expiresAt} /> : <span className="text-sm">Lifted by hand</span>) },
    {
      key: "actions",
      header: "Actions",
      srHeader: true,
      className: "text-right",
      cell: (r) =>
        r.canUnblock ? (
          <button type="button" className={ui.button.secondary} aria-label={`Unblock ${r.address}`} onClick={() => setLifting(r)}>
            Unblock
          </button>
        ) : null,
    },
  ];

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="flex flex-wrap items-end gap-3">
          <PillGroup label="Status" options={STATUS} value={filters.status as (typeof STATUS)[number]["value"]} onChange={(status) => url.set({ status })} />
          <PillGroup label="Source" options={SOURCE} value={filters.source as (typeof SOURCE)[number]["value"]} onChange={(source) => url.set({ source })} />
          <SearchBox label="Search addresses" value={filters.q} placeholder="203.0.113 or 2001:db8:" onSearch={(q) => url.set({ q }, { replace: true })} />
        </div>
        {rights?.blockClient || rights?.blockRange ? (
          <button type="button" className={ui.button.primary} onClick={() => setAdding(true)}>
            Block an address
          </button>
        ) : null}
      </div>
      <DataTable
        label="Blocked addresses"
        columns={columns}
        rows={rows}
        rowKey={(r) => r.id}
        state={{ status: page.status, error: page.error, onRetry: () => page.reload() }}
        empty={filtered ? "No blocks match." : "No address is blocked. Blocks the strike rules make, and the ones you add, show here."}
        footer={page.data ? <TableFooter url={url} page={page.data} limit={limit} busy={page.status === "loading"} /> : null}
      />
      {adding && rights ? (
        <BlockDialog
          rights={rights}
          onClose={() => setAdding(false)}
          onDone={(message) => {
            setAdding(false);
            toast(message);
            page.reload({ quiet: true });
          }}
        />
      ) : null}
      {lifting ? (
        <ConfirmDialog
          open
          onClose={() => setLifting(null)}
          title={`Unblock ${lifting.address}?`}
          message={
            <>
              Requests from {lifting.address} are accepted again at once, on every instance within a few seconds.
              {lifting.source === "auto" ? " The strike rule can block it again if it keeps misbehaving." : ""}
            </>
          }
          confirmLabel="Unblock"
          onConfirm={async () => {
            await securityApi.unblock(lifting.id);
            toast(`${lifting.address} was unblocked.`);
            page.reload({ quiet: true });
          }}
        />
      ) : null}
    </div>
  );
}

function BlockDialog({ rights, onClose, onDone }: { rights: SecurityPageSettings["rights"]; onClose: () => void; onDone: (message: string) => void }) {
  const [address, setAddress] = useState("");
  const [reason, setReason] = useState("");
  const [hours, setHours] = useState("");
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    const h = hours.trim();
    if (h && !(/^\d+$/.test(h) && Number(h) > 0)) {
      setFields({ expiresAt: "Enter whole hours, or leave it empty for a block that lasts until lifted." });
      return;
    }
    setBusy(true);
    setFields({});
    setError(null);
    try {
      const expiresAt = h ? new Date(Date.now() + Number(h) * 3600_000).toISOString() : null;
      const r = await securityApi.block({ address, reason, expiresAt });
      onDone(r.created ? `${r.address} is blocked.` : `${r.address} was already blocked.`);
    } catch (err) {
      if (err instanceof ApiError && Object.keys(err.fields).length) setFields(err.fields);
      else setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <Dialog
      open
      onClose={onClose}
      title="Block an address"
      description="Every request from it gets a bare 403 from now on, and its open connections close."
      footer={
        <>
          <button type="button" className={ui.button.secondary} onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="block-address-form" className={ui.button.danger} disabled={busy}>
            {busy ? "Blocking…" : "Block"}
          </button>
        </>
      }
    >
      <form id="block-address-form" onSubmit={submit} noValidate className="space-y-3">
        <FormAlert>{error}</FormAlert>
        <TextField
          label="IP address or CIDR range"
          value={address}
          onChange={(e) => setAddress(e.target.value)}
          error={fields.address}
          maxLength={64}
          autoFocus
          spellCheck={false}
          placeholder="203.0.113.7 or 198.51.100.0/24"
          hint={
            rights.blockRange
              ? "One address, an IPv6 /64, or any CIDR range down to /8 (IPv4) or /32 (IPv6)."
              : "One address or an IPv6 /64. Wider ranges shut out many people at once: ask an admin."
          }
        />
        <TextField label="Reason" value={reason} onChange={(e) => setReason(e.target.value)} error={fields.reason} maxLength={500} hint="Goes in the audit log with your name." />
        <TextField
          label="Block for (hours)"
          inputMode="numeric"
          value={hours}
          onChange={(e) => setHours(e.target.value)}
          error={fields.expiresAt}
          hint="Leave empty to block until someone lifts it."
        />
      </form>
    </Dialog>
  );
}
