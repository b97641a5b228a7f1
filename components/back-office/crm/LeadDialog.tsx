"use client";

import { useState } from "react";
import type { StaffRole } from "@/db/schema";
import { NOTE_MAX, type LeadDetailDTO, type LeadNoteDTO, type LeadOptions, type LeadRowDTO } from "@/lib/crm/leads-shared";
import { errorText } from "@/components/ui/api";
import { Dialog } from "@/components/ui/Dialog";
import { ui } from "@/components/ui/styles";
import { useToast } from "@/components/ui/Toast";
import { useServerPage } from "@/components/ui/useServerPage";
import { chatHref, crmApi, localToday, SOURCE_LABEL } from "./crm-api";
import { AssigneeSelect, FollowUpInput, RemarkInput, StageSelect, type EditorProps } from "./LeadEditors";

/** Attribution fields in reading order, with their labels. */
const ATTRIBUTION: [key: string, label: string][] = [
  ["landingUrl", "Landing page"],
  ["referrer", "Referrer"],
  ["sourceDomain", "Source domain"],
  ["utmSource", "UTM source"],
  ["utmMedium", "UTM medium"],
  ["utmCampaign", "UTM campaign"],
  ["utmTerm", "UTM term"],
  ["utmContent", "UTM content"],
  ["gclid", "Google click id"],
  ["fbclid", "Meta click id"],
  ["deviceType", "Device"],
  ["os", "OS"],
  ["browser", "Browser"],
  ["language", "Language"],
  ["geoCity", "City"],
  ["geoRegion", "Region"],
  ["geoCountry", "Country"],
  ["ip", "IP address"],
];

/**
 * A lead's detail: contact, the same editors as its row, attribution and
 * extra form fields, the linked chat, and the append-only note trail with
 * an add-note box (notes are never edited or deleted).
 */
export function LeadDialog({
  leadId,
  console,
  assignees,
  onChanged,
  onClose,
}: {
  leadId: number;
  console: StaffRole;
  assignees: LeadOptions["assignees"];
  onChanged: (row: LeadRowDTO) => void;
  onClose: () => void;
}) {
  const page = useServerPage<LeadDetailDTO>(`/api/crm/leads/${leadId}`);
  const d = page.data;
  const [row, setRow] = useState<LeadRowDTO | null>(null);
  const [notes, setNotes] = useState<LeadNoteDTO[]>([]);
  const [seen, setSeen] = useState<LeadDetailDTO | null>(null);
  if (d !== seen) {
    setSeen(d);
    setRow(d?.lead ?? null);
    setNotes(d?.notes ?? []);
  }
  const saved = (r: LeadRowDTO) => {
    setRow(r);
    onChanged(r);
  };
  const title = row ? row.name || "Unnamed lead" : "Lead";
  const href = d?.chat?.canOpen ? chatHref(console, d.chat.id) : null;
  return (
    <Dialog open onClose={onClose} title={title} description={row ? `${SOURCE_LABEL[row.source]} lead · ${row.projectTitle ?? "no project"}` : undefined} wide>
      {page.status === "error" ? (
        <div role="alert" className="space-y-2">
          <p className={ui.alert}>Couldn&apos;t load this lead: {page.error}</p>
          <button type="button" className={ui.button.secondary} onClick={() => page.reload()}>
            Try again
          </button>
        </div>
      ) : !d || !row ? (
        <p role="status" className="text-sm text-slate-500">
          Loading lead…
        </p>
      ) : (
        <div className="space-y-5 text-sm">
          <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1">
            <dt className="text-slate-500">Phone</dt>
            <dd className="tabular-nums">{row.phone || "—"}</dd>
            <dt className="text-slate-500">Email</dt>
            <dd className="break-all">{row.email || "—"}</dd>
            <dt className="text-slate-500">Created</dt>
            <dd>{new Date(row.createdAt).toLocaleString()}</dd>
            <dt className="text-slate-500">Chat</dt>
            <dd>
              {d.chat ? (
                href ? (
                  <a className="font-medium text-blue-700 underline" href={href}>
                    Open chat
                  </a>
                ) : (
                  <span className="text-slate-600">Chat #{d.chat.id}</span>
                )
              ) : (
                <span className="text-slate-400">No chat</span>
              )}
            </dd>
          </dl>

          <Editors row={row} detail={d} assignees={assignees} onSaved={saved} onConflict={() => page.reload({ quiet: true })} />

          <Attribution attribution={d.attribution} extra={d.extra} />

          <NoteTrail leadId={row.id} notes={notes} more={d.notesMore} canAdd={d.canEdit} onAdded={(n) => setNotes((xs) => [...xs, n])} />
        </div>
      )}
    </Dialog>
  );
}

function Editors({ row, detail, assignees, onSaved, onConflict }: { row: LeadRowDTO; detail: LeadDetailDTO; assignees: LeadOptions["assignees"]; onSaved: (r: LeadRowDTO) => void; onConflict: () => void }) {
  const p: EditorProps = { row, onSaved, onConflict, readOnly: !detail.canEdit };
  const label = "mb-1 block text-xs font-medium text-slate-600";
  return (
    <div className="grid grid-cols-1 gap-3 sm:grid-cols-3">
      <div>
        <span className={label}>Stage</span>
        <StageSelect {...p} readOnly={!detail.canSetStage} />
      </div>
      <div>
        <span className={label}>Follow-up</span>
        <FollowUpInput {...p} today={localToday()} />
      </div>
      <div>
        <span className={label}>Assignee</span>
        <AssigneeSelect {...p} assignees={assignees} />
      </div>
      <div className="sm:col-span-3">
        <span className={label}>Final remark</span>
        <RemarkInput {...p} wide />
      </div>
    </div>
  );
}

function Attribution({ attribution, extra }: { attribution: LeadDetailDTO["attribution"]; extra: Record<string, string> }) {
  const rows = ATTRIBUTION.filter(([k]) => attribution && attribution[k] != null && attribution[k] !== "");
  const extras = Object.entries(extra);
  return (
    <section aria-labelledby="lead-attribution" className="space-y-2">
      <h3 id="lead-attribution" className="font-medium">
        Attribution
      </h3>
      {rows.length === 0 && extras.length === 0 ? (
        <p className="text-slate-500">No attribution was captured for this lead.</p>
      ) : (
        <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1">
          {rows.map(([k, l]) => (
            <div key={k} className="contents">
              <dt className="text-slate-500">{l}</dt>
              <dd className="break-all">{String(attribution![k])}</dd>
            </div>
          ))}
          {extras.map(([k, v]) => (
            <div key={`x-${k}`} className="contents">
              <dt className="text-slate-500">{k}</dt>
              <dd className="break-all">{v}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

function NoteTrail({ leadId, notes, more, canAdd, onAdded }: { leadId: number; notes: LeadNoteDTO[]; more: boolean; canAdd: boolean; onAdded: (n: LeadNoteDTO) => void }) {
  const toast = useToast();
  const [body, setBody] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!body.trim()) {
      setError("Write the note first.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onAdded(await crmApi.addNote(leadId, body));
      setBody("");
      toast("Note added.");
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="lead-notes" className="space-y-2">
      <h3 id="lead-notes" className="font-medium">
        Notes
      </h3>
      {more ? <p className="text-xs text-slate-500">Older notes are not shown.</p> : null}
      {notes.length === 0 ? (
        <p className="text-slate-500">No notes yet.</p>
      ) : (
        <ol aria-label="Note trail" className="space-y-2">
          {notes.map((n) => (
            <li key={n.id} className="rounded-md border border-slate-200 bg-slate-50 px-3 py-2">
              <p className="text-xs text-slate-500">
                <span className="font-medium text-slate-700">{n.authorName ?? "Former staff member"}</span> ·{" "}
                <time dateTime={n.createdAt}>{new Date(n.createdAt).toLocaleString()}</time>
              </p>
              <p className="mt-1 whitespace-pre-wrap break-words">{n.body}</p>
            </li>
          ))}
        </ol>
      )}
      {canAdd ? (
        <form onSubmit={submit} className="space-y-2">
          <label htmlFor="lead-note-body" className="sr-only">
            New note
          </label>
          <textarea
            id="lead-note-body"
            value={body}
            onChange={(e) => setBody(e.target.value)}
            maxLength={NOTE_MAX}
            rows={3}
            placeholder="Add a note (notes can't be edited or deleted)"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? "lead-note-error" : undefined}
            className={ui.input}
          />
          {error ? (
            <p id="lead-note-error" className="text-xs text-red-700">
              {error}
            </p>
          ) : null}
          <button type="submit" className={ui.button.primary} disabled={busy}>
            {busy ? "Adding…" : "Add note"}
          </button>
        </form>
      ) : null}
    </section>
  );
}
