import type { LeadSource, LeadStage, StaffRole } from "@/db/schema";
import type { FollowUpsDTO, LeadNoteDTO, LeadRowDTO } from "@/lib/crm/leads-shared";
import { apiRequest } from "@/components/ui/api";
import type { DealValue } from "@/components/conversions/DealValueDialog";
import type { WithLeadEvent } from "@/components/conversions/lead-event";
import { localDayStart } from "../chats/chats-query";

export const SOURCE_LABEL: Record<LeadSource, string> = { chat: "Chat", web: "Web form", csv: "CSV upload", sheet: "Google Sheet" };

/** The page URL's parameters that are filters (the rest: the page — after, before, limit — and the open lead). */
export const LEAD_FILTER_KEYS = ["source", "stage", "project", "assignee", "from", "to", "followUp", "followFrom", "followTo", "q"] as const;

/** The viewer's today, YYYY-MM-DD: "due today" is their day, not the server's. */
export function localToday(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${p(now.getMonth() + 1)}-${p(now.getDate())}`;
}

/**
 * The API request for the page's URL (the list, or with `path` its CSV
 * export): filters and page as they are, the created-date range as whole
 * days in the viewer's time zone ("to" inclusive), and the viewer's today.
 */
export function leadsApiUrl(page: URLSearchParams, path = "/api/crm/leads", opts: { paging?: boolean } = {}): string {
  const qs = new URLSearchParams();
  const keys: string[] = ["source", "stage", "project", "assignee", "followUp", "followFrom", "followTo", "q"];
  if (opts.paging !== false) keys.push("after", "before", "limit");
  for (const k of keys) {
    const v = page.get(k);
    if (v) qs.set(k, v);
  }
  const from = page.get("from");
  const to = page.get("to");
  // A malformed day is sent as it is: the server's 400 says what is wrong.
  if (from) qs.set("from", localDayStart(from) ?? from);
  if (to) qs.set("to", localDayStart(to, 1) ?? to);
  qs.set("today", localToday());
  return `${path}?${qs}`;
}

/** Where "Open chat" goes in each console; null where the console has no chat view to open (QA watches live chats only). */
export function chatHref(console: StaffRole, conversationId: number): string | null {
  if (console === "admin" || console === "manager") return `/${console}/chats/${conversationId}`;
  if (console === "agent") return `/agent?c=${conversationId}`;
  return null;
}

export type LeadPatch = { followUpOn?: string | null; finalRemark?: string; assigneeId?: number | null };

export const crmApi = {
  update: (row: LeadRowDTO, patch: LeadPatch) => apiRequest<LeadRowDTO>(`/api/crm/leads/${row.id}`, { method: "PATCH", json: { version: row.updatedAt, ...patch } }),
  /** `deal`: Converted's value and currency; the answer carries the browser copy of the change (components/conversions). */
  setStage: (id: number, stage: LeadStage, deal?: DealValue) =>
    apiRequest<WithLeadEvent<LeadRowDTO>>(`/api/crm/leads/${id}/stage`, { method: "POST", json: { stage, ...deal } }),
  addNote: (id: number, body: string) => apiRequest<LeadNoteDTO>(`/api/crm/leads/${id}/notes`, { method: "POST", json: { body } }),
  followUps: (signal?: AbortSignal) => apiRequest<FollowUpsDTO>(`/api/crm/follow-ups?today=${localToday()}`, { signal }),
};
