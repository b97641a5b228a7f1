import type { Bucket } from "@/lib/inbox/buckets";
import type { BucketCounts } from "@/lib/inbox/bucket-counts";
import type { BucketPage } from "@/lib/inbox/list-bucket";
import type { QuickReplyDTO } from "@/lib/inbox/quick-reply";
import type { ConversationDTO, LeadStage } from "@/lib/realtime/protocol";

/** A failed request, carrying the server's human message ("Someone else already took this chat."). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

async function call<T>(url: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const { json, ...rest } = init;
  let res: Response;
  try {
    res = await fetch(url, {
      ...rest,
      headers: json !== undefined ? { "content-type": "application/json", ...rest.headers } : rest.headers,
      body: json !== undefined ? JSON.stringify(json) : rest.body,
      credentials: "same-origin",
    });
  } catch (err) {
    if ((err as { name?: string }).name === "AbortError") throw err;
    throw new ApiError("Can't reach the server. Check your connection.", 0);
  }
  if (res.status === 401) {
    // Session ended (sign-out elsewhere, force-logout): back to the sign-in page.
    location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
    throw new ApiError("Please sign in again.", 401);
  }
  const body = (await res.json().catch(() => null)) as (T & { error?: { message?: string } }) | null;
  if (!res.ok) throw new ApiError(body?.error?.message ?? `Request failed (${res.status}).`, res.status);
  return body as T;
}

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
  setStage: (conversationId: number, stage: LeadStage) =>
    call<ConversationDTO>(`/api/chat/conversations/${conversationId}/stage`, { method: "POST", json: { stage } }),
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
