import type { ConversationDetails } from "@/lib/chat/conversation-details";
import type { AssignTargets } from "@/lib/routing/assign-targets";
import type { BlockVisitorResult } from "@/lib/security-admin/block-visitor";
import type { ConversationDTO, LeadStage } from "@/lib/wire";
import { apiRequest } from "@/components/ui/api";
import type { DealValue } from "@/components/conversions/DealValueDialog";
import type { WithLeadEvent } from "@/components/conversions/lead-event";

export type { AssignTarget, AssignBlocker } from "@/lib/routing/assign-targets";
export type { ConversationDetails };

const chat = (id: number) => `/api/chat/conversations/${id}`;

/** The chat modal's calls (app/api/chat/conversations/[id]/**). */
export const chatModalApi = {
  details: (id: number, signal?: AbortSignal) => apiRequest<ConversationDetails>(`${chat(id)}/details`, { signal }),
  agents: (id: number, signal?: AbortSignal) => apiRequest<AssignTargets>(`${chat(id)}/agents`, { signal }),
  assign: (id: number, agentId: number) => apiRequest<{ conversationId: number; agentId: number }>(`${chat(id)}/assign`, { method: "POST", json: { agentId } }),
  /** `deal`: Converted's value and currency; the answer carries the browser copy of the change (components/conversions). */
  setStage: (id: number, stage: LeadStage, deal?: DealValue) =>
    apiRequest<WithLeadEvent<ConversationDTO>>(`${chat(id)}/stage`, { method: "POST", json: { stage, ...deal } }),
  block: (id: number, reason: string) => apiRequest<BlockVisitorResult>(`${chat(id)}/block`, { method: "POST", json: { reason } }),
  close: (id: number) => apiRequest<{ changed: boolean }>(`${chat(id)}/close`, { method: "POST" }),
};
