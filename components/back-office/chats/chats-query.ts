import type { ChatRowDTO } from "@/lib/console/chats-table";
import type { ConversationDTO, MessageDTO } from "@/lib/wire";

/** The page URL's parameters that are filters (the rest are the page: after, before, limit). */
export const FILTER_KEYS = ["pill", "stage", "agent", "project", "from", "to", "q"] as const;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Local midnight of a YYYY-MM-DD day, `plusDays` later, as an instant; null for anything else. */
export function localDayStart(day: string, plusDays = 0): string | null {
  if (!DAY.test(day)) return null;
  const [y, m, d] = day.split("-").map(Number);
  const at = new Date(y, m - 1, d + plusDays);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

/**
 * The API request for the page's URL: the filters and page as they are, and
 * the date range — whole days in the viewer's time zone, "to" inclusive —
 * as the instants the server compares with (from's midnight, the midnight
 * after to).
 */
export function chatsApiUrl(page: URLSearchParams): string {
  const qs = new URLSearchParams();
  for (const k of ["pill", "stage", "agent", "project", "q", "after", "before", "limit"]) {
    const v = page.get(k);
    if (v) qs.set(k, v);
  }
  const from = page.get("from");
  const to = page.get("to");
  // A malformed day is sent as it is: the server's 400 says what is wrong.
  if (from) qs.set("from", localDayStart(from) ?? from);
  if (to) qs.set("to", localDayStart(to, 1) ?? to);
  return `/api/chat/conversations?${qs}`;
}

/** A row after a `conversation` frame about it: status, owner, stage and activity follow; the project and visitor stay. */
export function withConversation(row: ChatRowDTO, c: ConversationDTO): ChatRowDTO {
  return {
    ...row,
    status: c.status,
    assigneeId: c.assigneeId,
    // The frame names the AI's chats "AI"; the table says so from the flag.
    assigneeName: c.assignedToAi ? null : c.assigneeName,
    assignedToAi: c.assignedToAi,
    leadStage: c.leadStage,
    lastMessageAt: c.lastMessageAt,
    lastMessagePreview: c.lastMessagePreview,
    visitor: { ...row.visitor, name: c.visitor.name, phone: c.visitor.phone, email: c.visitor.email },
  };
}

/** A chat that started while the table was open, as its row (the project's title from the filter menu's list). */
export function rowFromConversation(c: ConversationDTO, projectTitle: string): ChatRowDTO {
  return withConversation(
    {
      id: c.id,
      visitor: { ...c.visitor },
      projectId: c.projectId,
      projectTitle,
      status: c.status,
      assigneeId: null,
      assigneeName: null,
      assignedToAi: false,
      leadStage: c.leadStage,
      lastMessageAt: c.lastMessageAt,
      lastMessagePreview: c.lastMessagePreview,
      createdAt: c.createdAt,
    },
    c,
  );
}

/** A row after a new message in its chat. */
export function withMessage(row: ChatRowDTO, m: MessageDTO): ChatRowDTO {
  if (m.createdAt < row.lastMessageAt) return row;
  return { ...row, lastMessageAt: m.createdAt, lastMessagePreview: m.body ? m.body.slice(0, 140) : "📷 Image" };
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 86_400_000],
  ["month", 30 * 86_400_000],
  ["week", 7 * 86_400_000],
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

/** "5 minutes ago", "yesterday", "just now". */
export function relativeTime(iso: string, now: number): string {
  const diff = new Date(iso).getTime() - now;
  const fmt = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  for (const [unit, ms] of UNITS) if (Math.abs(diff) >= ms) return fmt.format(Math.round(diff / ms), unit);
  return "just now";
}
