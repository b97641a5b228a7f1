import type { ConversationStatus } from "@/lib/realtime/protocol";

/** Status names as the consoles show them (the agent console says "Unassigned" for the queue too). */
export const QA_STATUS_LABEL: Record<ConversationStatus, string> = {
  queued: "Unassigned",
  active: "Active",
  offline: "Visitor offline",
  closed: "Closed",
};
