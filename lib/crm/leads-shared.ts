/**
 * What the CRM's tables and lead view share with the browser. Import-free
 * (types only, no zod, no drizzle), so client components can import it.
 */
import type { LeadSource, LeadStage } from "../../db/schema";

/** The source tabs above the leads table ("" is All leads). */
export const LEAD_TABS: readonly { source: LeadSource | ""; label: string }[] = [
  { source: "", label: "All leads" },
  { source: "chat", label: "Chat leads" },
  { source: "web", label: "Web leads" },
  { source: "csv", label: "Uploaded leads" },
  { source: "sheet", label: "Google Sheet leads" },
];

/** The follow-up filter: due on the viewer's today, before it (overdue), either — or a date range (followFrom / followTo). */
export const FOLLOW_UP_FILTERS = ["today", "overdue", "due"] as const;
export type FollowUpFilter = (typeof FOLLOW_UP_FILTERS)[number];

/** The assignee filter's value for leads nobody holds. */
export const NO_ASSIGNEE = "none";

/** Longest final remark and note. */
export const FINAL_REMARK_MAX = 2000;
export const NOTE_MAX = 4000;

export type LeadRowDTO = {
  id: number;
  source: LeadSource;
  projectId: number | null;
  projectTitle: string | null;
  conversationId: number | null;
  name: string;
  phone: string;
  email: string;
  stage: LeadStage;
  /** YYYY-MM-DD, or null. */
  followUpOn: string | null;
  finalRemark: string;
  assigneeId: number | null;
  assigneeName: string | null;
  createdAt: string;
  /** The row's version: send it back with an edit; a changed one means someone else edited first (409). */
  updatedAt: string;
};

export type LeadOptions = {
  /** Who a lead may be assigned to: staff holding crm.edit. */
  assignees: { id: number; name: string }[];
  projects: { id: number; title: string }[];
};

export type LeadsTablePage = {
  items: LeadRowDTO[];
  total: number;
  from: number;
  prev: string | null;
  next: string | null;
  options: LeadOptions;
  /** The viewer may edit leads (crm.edit): otherwise the table is read-only. */
  canEdit: boolean;
  /** The viewer may upload CSV files of leads (crm.import). */
  canImport: boolean;
};

export type LeadNoteDTO = { id: number; body: string; authorId: number | null; authorName: string | null; createdAt: string };

export type LeadDetailDTO = {
  lead: LeadRowDTO;
  /** Landing page, UTM, click ids, device and geo; the IP only for those who may see it. */
  attribution: Record<string, string | number | boolean | null> | null;
  extra: Record<string, string>;
  /** The lead's chat, and whether this viewer may open it. */
  chat: { id: number; canOpen: boolean } | null;
  /** Newest last (the trail reads top to bottom); at most NOTES_SHOWN, `notesMore` when there are older ones. */
  notes: LeadNoteDTO[];
  notesMore: boolean;
  canEdit: boolean;
  /** A stage change on a chat lead is the chat's: only someone who may tag that chat. */
  canSetStage: boolean;
};

export const NOTES_SHOWN = 200;

export type FollowUpDTO = Pick<LeadRowDTO, "id" | "name" | "phone" | "email" | "stage" | "followUpOn" | "source" | "conversationId"> & { overdue: boolean };
export type FollowUpsDTO = { items: FollowUpDTO[]; total: number; today: string };
