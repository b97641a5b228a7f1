"use client";

import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import { apiRequest, errorText } from "@/components/ui/api";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { DataTable, type Column } from "@/components/ui/DataTable";
import { ui } from "@/components/ui/styles";
import { useToast } from "@/components/ui/Toast";
import type { SheetSourceDTO, SheetSourcesPage } from "@/lib/crm/sheets/sources";
import { ServiceAccountCard } from "./ServiceAccountCard";
import { SourceDialog } from "./SourceDialog";

/** The list is small (at most 50 sources): re-read it now and then so polls show up; faster while a "Poll now" is pending. */
const REFRESH_MS = 30_000;
const PENDING_REFRESH_MS = 2_000;
/** A poll the server hasn't reported after this long stops being waited for (the next refresh shows it anyway). */
const PENDING_MAX_MS = 90_000;

function fmtInterval(sec: number): string {
  if (sec % 3600 === 0) return `${sec / 3600} h`;
  if (sec % 60 === 0) return `${sec / 60} min`;
  return `${sec} s`;
}

function fmtTime(iso: string | null): string {
  if (!iso) return "Never";
  return new Date(iso).toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

/**
 * Google Sheets lead sources (admins): the service account to share sheets
 * with, and each source's sheet, project, interval and what its last poll
 * did. The poller runs on the server; this page only configures and reports.
 */
export function SheetsPage({ crmHref }: { crmHref: string }) {
  const toast = useToast();
  const [page, setPage] = useState<SheetSourcesPage | null>(null);
  const [status, setStatus] = useState<"loading" | "ready" | "error">("loading");
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<SheetSourceDTO | "new" | null>(null);
  const [deleting, setDeleting] = useState<SheetSourceDTO | null>(null);
  const [busy, setBusy] = useState<number | null>(null);
  /** Sources asked to poll now, with the last poll time they had: refresh quickly until it moves. */
  const pending = useRef(new Map<number, { last: string | null; since: number }>());
  const [pendingCount, setPendingCount] = useState(0);

  const load = useCallback(async () => {
    try {
      const next = await apiRequest<SheetSourcesPage>("/api/crm/sheets");
      setPage(next);
      setStatus("ready");
      setError(null);
      for (const s of next.items) {
        const wait = pending.current.get(s.id);
        if (wait && Date.now() - wait.since > PENDING_MAX_MS) pending.current.delete(s.id);
        else if (wait && wait.last !== s.lastPolledAt) {
          pending.current.delete(s.id);
          toast(s.lastError && s.consecutiveFailures > 0 ? `“${s.name}”: the poll failed.` : `“${s.name}” polled.`, s.lastError && s.consecutiveFailures > 0 ? "error" : "success");
        }
      }
      setPendingCount(pending.current.size);
    } catch (err) {
      setError(errorText(err));
      setStatus("error");
    }
  }, [toast]);

  useEffect(() => {
    void load();
  }, [load]);
  useEffect(() => {
    const t = setInterval(() => void load(), pendingCount ? PENDING_REFRESH_MS : REFRESH_MS);
    return () => clearInterval(t);
  }, [load, pendingCount]);

  const replace = (s: SheetSourceDTO) => setPage((p) => (p ? { ...p, items: p.items.some((x) => x.id === s.id) ? p.items.map((x) => (x.id === s.id ? s : x)) : [...p.items, s] } : p));

  async function act(s: SheetSourceDTO, what: "poll" | "toggle") {
    setBusy(s.id);
    try {
      if (what === "poll") {
        pending.current.set(s.id, { last: s.lastPolledAt, since: Date.now() });
        setPendingCount(pending.current.size);
        replace(await apiRequest<SheetSourceDTO>(`/api/crm/sheets/${s.id}/poll`, { method: "POST" }));
        toast(`Polling “${s.name}”…`);
      } else {
        const next = await apiRequest<SheetSourceDTO>(`/api/crm/sheets/${s.id}`, { method: "PATCH", json: { enabled: !s.enabled } });
        replace(next);
        toast(next.enabled ? `“${s.name}” is on.` : `“${s.name}” is off: it isn't read until turned on.`);
      }
    } catch (err) {
      pending.current.delete(s.id);
      setPendingCount(pending.current.size);
      toast(errorText(err), "error");
    } finally {
      setBusy(null);
    }
  }

  const columns: Column<SheetSourceDTO>[] = [
    {
      key: "name",
      header: "Source",
      primary: true,
      cell: (s) => (
        <div className="min-w-0">
          <span className="font-medium">{s.name}</span>
          <a href={s.sheetUrl} target="_blank" rel="noreferrer" className="block truncate text-xs text-blue-700 hover:underline" title={s.spreadsheetId}>
            {s.range} · open sheet
          </a>
        </div>
      ),
    },
    { key: "project", header: "Project", cell: (s) => s.projectTitle ?? <span className="text-slate-400">None</span> },
    { key: "interval", header: "Every", cell: (s) => fmtInterval(s.pollIntervalSec) },
    { key: "polled", header: "Last poll", cell: (s) => <span className="whitespace-nowrap">{fmtTime(s.lastPolledAt)}</span> },
    { key: "rows", header: "Rows imported", className: "text-right tabular-nums", cell: (s) => s.rowsImported.toLocaleString() },
    {
      key: "error",
      header: "Last error",
      className: "max-w-72",
      cell: (s) =>
        s.lastError ? (
          <p className={`text-xs ${s.consecutiveFailures > 0 ? "text-red-700" : "text-amber-800"}`}>
            {s.consecutiveFailures > 0 ? `Failed${s.consecutiveFailures > 1 ? ` ${s.consecutiveFailures}× in a row` : ""}: ` : "Some rows skipped: "}
            {s.lastError}
            {s.consecutiveFailures > 0 && s.nextPollAt ? <span className="block text-slate-500">Next try {fmtTime(s.nextPollAt)}</span> : null}
          </p>
        ) : (
          <span className="text-slate-400">None</span>
        ),
    },
    {
      key: "enabled",
      header: "On",
      cell: (s) => (
        <input
          type="checkbox"
          role="switch"
          aria-label={`Read “${s.name}”`}
          checked={s.enabled}
          disabled={busy === s.id}
          onChange={() => void act(s, "toggle")}
          className="h-4 w-4 rounded border-slate-300 accent-blue-600"
        />
      ),
    },
    {
      key: "actions",
      header: "Actions",
      srHeader: true,
      cell: (s) => (
        <div className="flex flex-wrap gap-1 md:flex-nowrap">
          <button type="button" className={ui.button.secondary} disabled={busy === s.id || !s.enabled || pending.current.has(s.id)} onClick={() => void act(s, "poll")} aria-label={`Poll “${s.name}” now`}>
            {pending.current.has(s.id) ? "Polling…" : "Poll now"}
          </button>
          <button type="button" className={ui.button.ghost} onClick={() => setEditing(s)} aria-label={`Edit “${s.name}”`}>
            Edit
          </button>
          <button type="button" className={ui.button.ghost} onClick={() => setDeleting(s)} aria-label={`Delete “${s.name}”`}>
            Delete
          </button>
        </div>
      ),
    },
  ];

  const full = page ? page.items.length >= page.limits.maxSources : false;
  return (
    <section aria-labelledby="sheets-title" className="space-y-4">
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <div>
          <h1 id="sheets-title" className="text-xl font-semibold">
            Google Sheets leads
          </h1>
          <p className="text-sm text-slate-600">New rows of a shared sheet become leads of a project, polled on a schedule. They appear in the CRM&apos;s Google Sheet leads tab.</p>
        </div>
        <Link href={crmHref} className={ui.button.secondary}>
          ← Back to CRM
        </Link>
      </div>

      {status === "loading" && !page ? <p className="text-sm text-slate-500">Loading…</p> : null}
      {status === "error" && !page ? (
        <div role="alert" className={`${ui.alert} flex flex-wrap items-center justify-between gap-2`}>
          <span>{error}</span>
          <button type="button" className={ui.button.secondary} onClick={() => void load()}>
            Try again
          </button>
        </div>
      ) : null}

      {page ? (
        <>
          <ServiceAccountCard account={page.serviceAccount} onChange={(a) => setPage((p) => (p ? { ...p, serviceAccount: a } : p))} />
          <section aria-labelledby="sources-title" className="space-y-2">
            <div className="flex flex-wrap items-center justify-between gap-2">
              <h2 id="sources-title" className="text-base font-semibold">
                Sources
              </h2>
              <button type="button" className={ui.button.primary} onClick={() => setEditing("new")} disabled={full}>
                Add a sheet
              </button>
            </div>
            {full ? <p className="text-sm text-slate-600">This install polls its maximum of {page.limits.maxSources} sheets: remove one to add another.</p> : null}
            <DataTable
              label="Google Sheets sources"
              columns={columns}
              rows={page.items}
              rowKey={(s) => s.id}
              state={{ status, error, onRetry: () => void load() }}
              empty={
                <p className="text-sm text-slate-600">
                  No sheets yet. {page.serviceAccount.configured ? "Add one: share it with the service account first." : "Save the service-account key, then add a sheet."}
                </p>
              }
            />
          </section>
          <SourceDialog
            open={editing !== null}
            onClose={() => setEditing(null)}
            source={editing === "new" ? null : editing}
            page={page}
            onSaved={(s) => {
              replace(s);
              setEditing(null);
              if (s.enabled) {
                pending.current.set(s.id, { last: s.lastPolledAt, since: Date.now() });
                setPendingCount(pending.current.size);
              }
            }}
          />
          <ConfirmDialog
            open={deleting !== null}
            onClose={() => setDeleting(null)}
            title={`Delete “${deleting?.name ?? ""}”?`}
            message="The sheet is no longer read. The leads it already imported stay in the CRM."
            confirmLabel="Delete source"
            onConfirm={async () => {
              if (!deleting) return;
              await apiRequest(`/api/crm/sheets/${deleting.id}`, { method: "DELETE" });
              setPage((p) => (p ? { ...p, items: p.items.filter((x) => x.id !== deleting.id) } : p));
              toast(`“${deleting.name}” deleted.`);
            }}
          />
        </>
      ) : null}
    </section>
  );
}
