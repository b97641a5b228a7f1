/**
 * What the Overview sends the browser. Import-free (types and one list), so
 * client components can import it.
 */
import type { AgentStatusDTO, ConversationStatus, LeadStage } from "../wire";

/** Today, the last 7 or 30 days (today included), or custom dates. */
export const OVERVIEW_RANGES = ["today", "7d", "30d", "custom"] as const;
export type OverviewRange = (typeof OVERVIEW_RANGES)[number];

export type OverviewDTO = {
  /** The viewer's days the numbers cover (both ends included), in `tz`. */
  range: { kind: OverviewRange; from: string; to: string; tz: string; days: number };
  /** Chats started in the range, by their status now. */
  chats: { total: number; byStatus: Record<ConversationStatus, number> };
  /** The same chats by lead stage. */
  leads: { byStage: Record<LeadStage, number> };
  /** Now, whatever the range. */
  queue: { length: number; oldestQueuedAt: string | null; longestWaitSeconds: number };
  /** One entry per day of the range, oldest first. */
  perDay: { day: string; byStatus: Record<ConversationStatus, number> }[];
  agents: AgentStatusDTO[];
  /** No chat has ever been started: the page shows how to get going. */
  fresh: boolean;
  /** The default project's visitor page (on a fresh install only). */
  visitorPagePath: string | null;
  generatedAt: string;
};
