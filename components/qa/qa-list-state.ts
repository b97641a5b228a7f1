import type { InboxItem } from "@/lib/inbox/list-bucket";
import type { ConversationDTO, ConversationStatus } from "@/lib/realtime/protocol";
import { AI_AGENT } from "@/lib/console/chats-filters";
import { byActivity, initialList, listReducer, type ListAction, type ListState } from "@/components/agent/inbox-state";

/**
 * The QA console's list: the agent inbox's list state and reducer (paging,
 * head refresh, message previews), with one rule of its own — which chats
 * belong in the list is the QA filter (agent or the AI, status), not an
 * agent's bucket. Pure functions, unit-tested without a browser.
 */

/** `agent`: an agent's id, `ai`, or "" for all; `status`: a status or "" for all (as in the URL). */
export type QaFilter = { agent: string; status: "" | ConversationStatus };

export const qaListKey = (f: QaFilter) => `${f.agent}\u0000${f.status}`;

/** `conversation` frames that came while the first page loaded: applied on top of it, as the inbox does. */
export type QaListState = ListState & { qaPending: ConversationDTO[] };

export type QaListAction =
  | Exclude<ListAction, { type: "conversation" | "activity" | "star" }>
  | { type: "conversation"; conversation: ConversationDTO; filter: QaFilter };

export const initialQaList = (key: string): QaListState => ({ ...initialList(key), qaPending: [] });

/** The same rule as the server's query (lib/console/qa-list.ts). */
export function matchesQaFilter(c: ConversationDTO, f: QaFilter): boolean {
  if (f.status && c.status !== f.status) return false;
  if (f.agent === AI_AGENT) return c.assignedToAi;
  if (f.agent) return c.assigneeId === Number(f.agent);
  return true;
}

/** The list holds InboxItems (the agent list's row type); QA stars nothing. */
export const asItem = (c: ConversationDTO): InboxItem => ({ ...c, starred: false });

/**
 * A chat's new state: in, out or moved within the list. A chat that sorts
 * below the last loaded row of a list with more pages is left for paging, so
 * the list never shows a gap.
 */
export function applyQaConversation(items: InboxItem[], c: ConversationDTO, filter: QaFilter, hasMore: boolean): InboxItem[] {
  const existing = items.find((i) => i.id === c.id);
  const rest = items.filter((i) => i.id !== c.id);
  if (!matchesQaFilter(c, filter)) return existing ? rest : items;
  const next = asItem(c);
  const last = rest.at(-1);
  if (!existing && hasMore && last && byActivity(next, last) > 0) return items;
  return [...rest, next].sort(byActivity);
}

export function qaListReducer(s: QaListState, a: QaListAction): QaListState {
  if (a.type === "conversation") {
    if (s.status === "loading") return { ...s, qaPending: [...s.qaPending, a.conversation] };
    if (s.status !== "ready") return s;
    return { ...s, items: applyQaConversation(s.items, a.conversation, a.filter, s.nextCursor !== null) };
  }
  const next = listReducer(s, a);
  if (next === s) return s;
  if (a.type === "reset") return { ...next, qaPending: [] };
  if (a.type === "page" && !a.append && a.key === s.key) {
    const [agent = "", status = ""] = s.key.split("\u0000");
    const filter = { agent, status } as QaFilter;
    const hasMore = next.nextCursor !== null;
    const items = s.qaPending.reduce((xs, c) => applyQaConversation(xs, c, filter, hasMore), next.items);
    return { ...next, items, qaPending: [] };
  }
  return { ...next, qaPending: s.qaPending };
}
