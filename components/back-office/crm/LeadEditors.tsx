"use client";

import { useState } from "react";
import type { LeadStage } from "@/db/schema";
import { FINAL_REMARK_MAX, type LeadOptions, type LeadRowDTO } from "@/lib/crm/leads-shared";
import { DealValueDialog, type DealValue } from "@/components/conversions/DealValueDialog";
import { takeLeadEvent } from "@/components/conversions/lead-event";
import { ApiError, errorText } from "@/components/ui/api";
import { useToast } from "@/components/ui/Toast";
import { LEAD_STAGE_LABEL } from "../labels";
import { crmApi, type LeadPatch } from "./crm-api";

const control = "rounded-md border border-slate-300 bg-white px-2 py-1 text-sm disabled:bg-slate-50 disabled:text-slate-500";

/** What every inline editor shares: the row, and what to do with the server's new row (or a conflict). */
export type EditorProps = {
  row: LeadRowDTO;
  onSaved: (row: LeadRowDTO) => void;
  /** Someone else changed the lead meanwhile (409): the caller reloads it. */
  onConflict: () => void;
  readOnly?: boolean;
};

function useSave({ row, onSaved, onConflict }: EditorProps) {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const run = async (call: () => Promise<LeadRowDTO>, done: string) => {
    setBusy(true);
    try {
      onSaved(await call());
      toast(done);
    } catch (e) {
      toast(errorText(e), "error");
      if (e instanceof ApiError && e.status === 409) onConflict();
    } finally {
      setBusy(false);
    }
  };
  // The page's tags hear of the change only once the server has committed it.
  const setStage = async (s: LeadStage, deal?: DealValue) => takeLeadEvent(await crmApi.setStage(row.id, s, deal));
  return {
    busy,
    patch: (p: LeadPatch, done: string) => run(() => crmApi.update(row, p), done),
    stage: (s: LeadStage) => run(() => setStage(s), `${row.name || "Lead"} is now ${LEAD_STAGE_LABEL[s]}.`),
    /** Converted, from the deal dialog: its errors stay in the dialog. */
    convert: async (deal: DealValue) => {
      onSaved(await setStage("converted", deal));
      toast(`${row.name || "Lead"} is now ${LEAD_STAGE_LABEL.converted}.`);
    },
  };
}

/** The inline lead-stage selector (a chat's lead: the chat's stage, seen in the inbox at once). Converted asks for the deal's value first. */
export function StageSelect(p: EditorProps) {
  const s = useSave(p);
  const [askDeal, setAskDeal] = useState(false);
  if (p.readOnly) return <span className="whitespace-nowrap text-slate-700">{LEAD_STAGE_LABEL[p.row.stage]}</span>;
  return (
    <>
      <select
        aria-label={`Lead stage of ${p.row.name || "this lead"}`}
        value={askDeal ? "converted" : p.row.stage}
        disabled={s.busy || askDeal}
        onChange={(e) => {
          const stage = e.target.value as LeadStage;
          if (stage === "converted") setAskDeal(true);
          else void s.stage(stage);
        }}
        className={control}
      >
        {(Object.keys(LEAD_STAGE_LABEL) as LeadStage[]).map((k) => (
          <option key={k} value={k}>
            {LEAD_STAGE_LABEL[k]}
          </option>
        ))}
      </select>
      {askDeal ? (
        <DealValueDialog
          leadName={p.row.name}
          onCancel={() => setAskDeal(false)}
          onConfirm={async (deal) => {
            try {
              await s.convert(deal);
            } catch (e) {
              // The dialog says why; a lead changed meanwhile is reloaded under it.
              if (e instanceof ApiError && e.status === 409) p.onConflict();
              throw e;
            }
            setAskDeal(false);
          }}
        />
      ) : null}
    </>
  );
}

/** The follow-up date picker: a day, or cleared. */
export function FollowUpInput(p: EditorProps & { today?: string }) {
  const s = useSave(p);
  const v = p.row.followUpOn ?? "";
  const overdue = !!v && !!p.today && v < p.today;
  if (p.readOnly) return <span className={overdue ? "text-red-700" : "text-slate-700"}>{v || "—"}</span>;
  return (
    <input
      type="date"
      aria-label={`Follow-up date of ${p.row.name || "this lead"}`}
      value={v}
      disabled={s.busy}
      onChange={(e) => {
        const next = e.target.value || null;
        if (next !== p.row.followUpOn) void s.patch({ followUpOn: next }, next ? `Follow-up set for ${next}.` : "Follow-up cleared.");
      }}
      className={`${control} ${overdue ? "border-red-300 text-red-700" : ""}`}
    />
  );
}

/** The final remark: saved on Enter or leaving the field (Escape puts it back). */
export function RemarkInput(p: EditorProps & { wide?: boolean }) {
  const s = useSave(p);
  const [text, setText] = useState(p.row.finalRemark);
  const [seen, setSeen] = useState(p.row.finalRemark);
  if (p.row.finalRemark !== seen) {
    setSeen(p.row.finalRemark);
    setText(p.row.finalRemark);
  }
  if (p.readOnly) return <span className="block max-w-xs truncate text-slate-700">{p.row.finalRemark || "—"}</span>;
  const save = () => {
    if (text.trim() !== p.row.finalRemark) void s.patch({ finalRemark: text }, "Final remark saved.");
  };
  return (
    <input
      type="text"
      aria-label={`Final remark on ${p.row.name || "this lead"}`}
      value={text}
      maxLength={FINAL_REMARK_MAX}
      placeholder="Add a remark"
      disabled={s.busy}
      onChange={(e) => setText(e.target.value)}
      onBlur={save}
      onKeyDown={(e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          save();
        } else if (e.key === "Escape") setText(p.row.finalRemark);
      }}
      className={`${control} ${p.wide ? "w-full" : "w-44"}`}
    />
  );
}

/** Who holds the lead: anyone who may work on leads, or nobody. */
export function AssigneeSelect(p: EditorProps & { assignees: LeadOptions["assignees"] }) {
  const s = useSave(p);
  if (p.readOnly) return <span className={p.row.assigneeName ? "text-slate-700" : "text-slate-400"}>{p.row.assigneeName ?? "Unassigned"}</span>;
  // A holder who lost the right to leads is still shown as the holder.
  const known = p.row.assigneeId === null || p.assignees.some((a) => a.id === p.row.assigneeId);
  return (
    <select
      aria-label={`Assignee of ${p.row.name || "this lead"}`}
      value={p.row.assigneeId === null ? "" : String(p.row.assigneeId)}
      disabled={s.busy}
      onChange={(e) => {
        const id = e.target.value ? Number(e.target.value) : null;
        const name = p.assignees.find((a) => a.id === id)?.name;
        void s.patch({ assigneeId: id }, id ? `Assigned to ${name}.` : "Lead unassigned.");
      }}
      className={`${control} max-w-[11rem]`}
    >
      <option value="">Unassigned</option>
      {!known ? <option value={String(p.row.assigneeId)}>{p.row.assigneeName}</option> : null}
      {p.assignees.map((a) => (
        <option key={a.id} value={String(a.id)}>
          {a.name}
        </option>
      ))}
    </select>
  );
}
