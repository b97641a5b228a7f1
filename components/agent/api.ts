import type { Bucket } from "@/lib/inbox/buckets";
import type { BucketCounts } from "@/lib/inbox/bucket-counts";
import type { BucketPage } from "@/lib/inbox/list-bucket";
import type { QuickReplyDTO } from "@/lib/inbox/quick-reply";
import type { ConversationDTO, LeadStage } from "@/lib/realtime/protocol";
import { apiRequest } from "@/components/ui/api";
import type { DealValue } from "@/components/conversions/DealValueDialog";
import type { WithLeadEvent } from "@/components/conversions/lead-event";

export { ApiError } from "@/components/ui/api";

/** The consoles' one JSON-over-fetch helper (errors as ApiError, an ended session back to sign-in). */
const call = apiRequest;

export type AgentOption = { id: number; displayName: string; online: boolean; onBreak: boolean; activeCount: number; activeLimit: number; eligible: boolean };

export const api = {
  list: (p: { bucket: Bucket; q: string; after?: string | null }, signal?: AbortSignal) => {
    const qs = new URLSearchParams({ bucket: p.bucket });
    if (p.q.trim()) qs.set("q", p.q.trim());
    if (p.after) qs.set("after", p.after);
    return call<BucketPage>(`/api/agent/conversations?${qs}`, { signal });
  },
  counts: () => call<BucketCounts>("/api/agent/counts"),
  star: (conversationId: number, starred: boolean) =>
    call<{ conversationId: number; starred: boolean }>(`/api/agent/stars/${conversationId}`, { method: starred ? "PUT" : "DELETE" }),
  /** `deal`: Converted's value and currency. The answer carries the browser copy of the change (components/conversions). */
  setStage: (conversationId: number, stage: LeadStage, deal?: DealValue) =>
    call<WithLeadEvent<ConversationDTO>>(`/api/chat/conversations/${conversationId}/stage`, { method: "POST", json: { stage, ...deal } }),
  pick: (conversationId: number) => call<{ conversationId: number; agentId: number }>(`/api/agent/conversations/${conversationId}/pick`, { method: "POST" }),
  reassign: (conversationId: number, agentId: number) =>
    call<{ conversationId: number; agentId: number }>(`/api/chat/conversations/${conversationId}/assign`, { method: "POST", json: { agentId } }),
  agents: () => call<{ agents: AgentOption[] }>("/api/agent/agents"),
  setBreak: (onBreak: boolean) => call<{ onBreak: boolean }>("/api/agent/break", { method: "POST", json: { onBreak } }),
  quickReplies: () => call<{ items: QuickReplyDTO[] }>("/api/agent/quick-replies"),
  addQuickReply: (body: string) => call<QuickReplyDTO>("/api/agent/quick-replies", { method: "POST", json: { body } }),
  editQuickReply: (id: number, body: string) => call<QuickReplyDTO>(`/api/agent/quick-replies/${id}`, { method: "PATCH", json: { body } }),
  deleteQuickReply: (id: number) => call<{ id: number }>(`/api/agent/quick-replies/${id}`, { method: "DELETE" }),
};

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : "Something went wrong.";
}
