"use client";

import { useCallback, useEffect, useId, useReducer, useRef, useState } from "react";
import type { AgentStatus } from "@/lib/routing/list-agents";
import type { QaListPage } from "@/lib/console/qa-list";
import { AI_AGENT } from "@/lib/console/chats-filters";
import type { AgentPresence, ConversationDTO, ConversationStatus, ServerMessage } from "@/lib/realtime/protocol";
import { headMayGainChat } from "@/components/agent/inbox-state";
import { StaffChat } from "@/components/chat/StaffChat";
import { useStaffSocket } from "@/components/realtime/StaffSocketProvider";
import { useSocketState } from "@/components/realtime/useSocket";
import { apiRequest, errorText } from "@/components/ui/api";
import { ui } from "@/components/ui/styles";
import { useUrlQuery } from "@/components/ui/useUrlQuery";
import { QA_STATUS_LABEL } from "./labels";
import { ownerLabel, QaChatList } from "./QaChatList";
import { asItem, initialQaList, qaListKey, qaListReducer, type QaFilter } from "./qa-list-state";

/** A burst of news about chats the list hasn't loaded costs one re-read of the first page. */
const HEAD_DEBOUNCE_MS = 500;
const STATUSES = Object.keys(QA_STATUS_LABEL) as ConversationStatus[];

function listUrl(f: QaFilter, after?: string | null) {
  const qs = new URLSearchParams();
  if (f.agent) qs.set("agent", f.agent);
  if (f.status) qs.set("status", f.status);
  if (after) qs.set("after", after);
  const s = qs.toString();
  return `/api/qa/conversations${s ? `?${s}` : ""}`;
}

/** The filters as the URL says them; anything unknown there is "All". */
function filterFrom(get: (k: string) => string): QaFilter {
  const agent = get("agent");
  const status = get("status");
  return {
    agent: agent === AI_AGENT || /^\d{1,10}$/.test(agent) ? agent : "",
    status: (STATUSES as string[]).includes(status) ? (status as ConversationStatus) : "",
  };
}

/** An agent as the QA console shows them: the filter's option, the open chat owner's presence dot. */
type AgentRow = { id: number; displayName: string; presence: AgentPresence };

/** The agents list's first paint in the `agent` frame's terms (lib/routing/list-agents.ts presenceOf: the same rule). */
function rowOf(a: AgentStatus): AgentRow {
  const presence: AgentPresence = !a.online && !a.inGrace ? "offline" : a.onBreak ? "break" : a.online ? "online" : "grace";
  return { id: a.id, displayName: a.displayName, presence };
}

const PRESENCE: Record<AgentPresence, { label: string; dot: string }> = {
  online: { label: "Online", dot: "bg-green-500" },
  grace: { label: "Reconnecting", dot: "bg-amber-400" },
  break: { label: "On break", dot: "bg-amber-500" },
  offline: { label: "Offline", dot: "bg-slate-400" },
};

/**
 * The Quality Analyst console: every conversation, filtered by agent (the AI
 * included, as a virtual agent) and status in the URL, kept live from the
 * `inbox:all` room; the open chat streams messages, typing and receipts on
 * the same socket, with lazy history. Nothing here writes: no composer, no
 * lead stage, no assignment, no close — and the server refuses them anyway.
 */
export function QaConsole() {
  const url = useUrlQuery();
  const filter = filterFrom(url.get);
  const chatParam = Number(url.get("chat"));
  const openId = Number.isInteger(chatParam) && chatParam > 0 ? chatParam : null;
  const key = qaListKey(filter);
  const [list, dispatch] = useReducer(qaListReducer, key, initialQaList);
  const [agents, setAgents] = useState<AgentRow[] | null>(null);
  const [agentsError, setAgentsError] = useState<string | null>(null);
  const [open, setOpen] = useState<ConversationDTO | null>(null);
  const agentId = useId();
  const statusId = useId();

  const view = useRef({ filter, key, list, openId });
  view.current = { filter, key, list, openId };

  // ── the list ─────────────────────────────────────────────────────────────
  const [retryToken, setRetryToken] = useState(0);
  useEffect(() => {
    const ctl = new AbortController();
    const f = view.current.filter;
    dispatch({ type: "reset", key });
    apiRequest<QaListPage>(listUrl(f), { signal: ctl.signal })
      .then((p) => dispatch({ type: "page", key, items: p.items.map(asItem), nextCursor: p.nextCursor, append: false }))
      .catch((e) => {
        if (!ctl.signal.aborted) dispatch({ type: "failed", key, error: errorText(e), append: false });
      });
    return () => ctl.abort();
  }, [key, retryToken]);

  const loadMoreBusy = useRef(false);
  const loadMore = useCallback(async () => {
    const { filter: f, key: k, list: l } = view.current;
    if (loadMoreBusy.current || l.status !== "ready" || !l.nextCursor) return;
    loadMoreBusy.current = true;
    dispatch({ type: "loadingMore" });
    try {
      const p = await apiRequest<QaListPage>(listUrl(f, l.nextCursor));
      dispatch({ type: "page", key: k, items: p.items.map(asItem), nextCursor: p.nextCursor, append: true });
    } catch (e) {
      dispatch({ type: "failed", key: k, error: errorText(e), append: true });
    } finally {
      loadMoreBusy.current = false;
    }
  }, []);

  /** Re-read the first page in place (after a reconnect, a return to the tab, or news of a chat not loaded). */
  const refreshHead = useCallback(async () => {
    const { filter: f, key: k } = view.current;
    try {
      const p = await apiRequest<QaListPage>(listUrl(f));
      dispatch({ type: "head", key: k, items: p.items.map(asItem), nextCursor: p.nextCursor });
    } catch {
      // A failed background refresh keeps what's on screen; the next one will catch up.
    }
  }, []);
  const headTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const scheduleHead = useCallback(() => {
    if (headTimer.current) return;
    headTimer.current = setTimeout(() => {
      headTimer.current = null;
      void refreshHead();
    }, HEAD_DEBOUNCE_MS);
  }, [refreshHead]);

  // ── agents (the filter's options, the open chat's owner presence) ────────
  const loadAgents = useCallback(async () => {
    try {
      setAgents((await apiRequest<{ agents: AgentStatus[] }>("/api/agent/agents")).agents.map(rowOf));
      setAgentsError(null);
    } catch (e) {
      setAgentsError(errorText(e));
    }
  }, []);
  useEffect(() => void loadAgents(), [loadAgents]);

  // ── live updates: every chat's state and messages reach QA in `inbox:all`, agents' presence in the supervisors' room ──
  const socket = useStaffSocket();
  const socketState = useSocketState(socket);
  const opened = useRef(false);
  const onFrame = useCallback(
    (msg: ServerMessage) => {
      const v = view.current;
      if (msg.type === "conversation") {
        dispatch({ type: "conversation", conversation: msg.conversation, filter: v.filter });
        if (msg.conversation.id === v.openId) setOpen(msg.conversation);
      } else if (msg.type === "message") {
        dispatch({ type: "message", message: msg.message, countUnread: false });
        if (headMayGainChat(v.list, msg.message.conversationId)) scheduleHead();
      } else if (msg.type === "agent") {
        const a = msg.agent;
        setAgents((list) => {
          if (!list) return list;
          const rest = list.filter((x) => x.id !== a.id);
          // A disabled agent leaves the filter (a shared link to them still reads as "Agent #id").
          if (a.disabled) return rest;
          return [...rest, { id: a.id, displayName: a.displayName, presence: a.presence }].sort((x, y) => x.displayName.localeCompare(y.displayName) || x.id - y.id);
        });
      }
    },
    [scheduleHead],
  );
  const onOpen = useCallback(() => {
    // Frames missed while disconnected: re-read what's on screen.
    if (opened.current) {
      void refreshHead();
      void loadAgents();
    }
    opened.current = true;
  }, [refreshHead, loadAgents]);
  useEffect(() => socket.onFrame(onFrame), [socket, onFrame]);
  useEffect(() => socket.onOpen(onOpen), [socket, onOpen]);
  useEffect(() => {
    const onVisible = () => document.visibilityState === "visible" && void refreshHead();
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      document.removeEventListener("visibilitychange", onVisible);
      if (headTimer.current) clearTimeout(headTimer.current);
      headTimer.current = null;
    };
  }, [refreshHead]);

  useEffect(() => setOpen((o) => (o && o.id === openId ? o : null)), [openId]);
  const onLive = useCallback((c: ConversationDTO) => setOpen(c), []);

  const owner = open && !open.assignedToAi && open.assigneeId !== null ? agents?.find((a) => a.id === open.assigneeId) : undefined;
  const presence = owner ? PRESENCE[owner.presence] : null;
  const filtered = filter.agent !== "" || filter.status !== "";

  return (
    <div data-console-fill className="flex min-h-0 flex-1 flex-col gap-3">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 className="text-base font-semibold">Live chats</h2>
        {socketState === "reconnecting" || socketState === "connecting" ? (
          <span role="status" className="rounded-full bg-amber-50 px-2 py-0.5 text-xs text-amber-800">
            {socketState === "connecting" ? "Connecting…" : "Reconnecting to live updates…"}
          </span>
        ) : socketState === "signed-out" ? (
          <span role="alert" className="rounded-full bg-red-50 px-2 py-0.5 text-xs text-red-700">
            Your session has ended. Please{" "}
            <a className="underline" href="/login?next=/qa">
              sign in again
            </a>
            .
          </span>
        ) : null}
      </div>

      <div className="grid min-h-0 flex-1 grid-cols-[minmax(0,1fr)] grid-rows-[minmax(0,1fr)] gap-3 md:grid-cols-[minmax(19rem,24rem)_minmax(0,1fr)]">
        <section aria-label="Chat list" className={`${openId ? "hidden md:flex" : "flex"} min-h-0 flex-col gap-2`}>
          <div role="group" aria-label="Filters" className="grid grid-cols-2 gap-2">
            <div className="flex flex-col gap-0.5">
              <label htmlFor={agentId} className="text-xs text-slate-500">
                Agent
              </label>
              <select id={agentId} value={filter.agent} onChange={(e) => url.set({ agent: e.target.value, chat: null })} className={`${ui.input} py-1.5`}>
                <option value="">All agents</option>
                <option value={AI_AGENT}>AI agent</option>
                {agents?.map((a) => (
                  <option key={a.id} value={String(a.id)}>
                    {a.displayName}
                  </option>
                ))}
                {/* A shared link can name an agent who's no longer listed (disabled): keep the filter readable. */}
                {filter.agent && filter.agent !== AI_AGENT && agents && !agents.some((a) => String(a.id) === filter.agent) ? (
                  <option value={filter.agent}>Agent #{filter.agent}</option>
                ) : null}
              </select>
            </div>
            <div className="flex flex-col gap-0.5">
              <label htmlFor={statusId} className="text-xs text-slate-500">
                Status
              </label>
              <select id={statusId} value={filter.status} onChange={(e) => url.set({ status: e.target.value, chat: null })} className={`${ui.input} py-1.5`}>
                <option value="">All statuses</option>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {QA_STATUS_LABEL[s]}
                  </option>
                ))}
              </select>
            </div>
          </div>
          {agentsError ? (
            <p role="alert" className="text-xs text-red-700">
              Couldn&apos;t load the agents: {agentsError}
            </p>
          ) : null}
          <QaChatList
            list={list}
            filtered={filtered}
            selectedId={openId}
            onOpen={(c) => url.set({ chat: c.id }, { keepPage: true })}
            onLoadMore={() => void loadMore()}
            onRetry={() => setRetryToken((n) => n + 1)}
          />
        </section>

        <section aria-label="Open chat" className={`${openId ? "flex" : "hidden md:flex"} min-h-0 flex-col gap-2`}>
          {openId ? (
            <>
              <div role="toolbar" aria-label="Chat info" className="flex flex-wrap items-center gap-x-4 gap-y-1 rounded-lg border border-slate-200 bg-white px-3 py-2 text-sm">
                <button type="button" onClick={() => url.set({ chat: null }, { keepPage: true })} className={`${ui.button.secondary} md:hidden`}>
                  ← Back to chats
                </button>
                {open ? (
                  <p className="flex items-center gap-1.5 text-slate-700">
                    {open.status === "queued" && !open.assignedToAi ? (
                      "Waiting in the queue for an agent"
                    ) : (
                      <>
                        <span className="text-slate-500">Assigned to</span> <span className="font-medium">{ownerLabel(open)}</span>
                      </>
                    )}
                    {presence ? (
                      <span className="inline-flex items-center gap-1 text-xs text-slate-600" aria-label={`${owner!.displayName} is ${presence.label.toLowerCase()}`}>
                        <span aria-hidden="true" className={`inline-block h-2 w-2 rounded-full ${presence.dot}`} />
                        {presence.label}
                      </span>
                    ) : null}
                  </p>
                ) : null}
                <p className="ml-auto text-xs text-slate-500">Read-only: QA watches chats and never writes in them.</p>
              </div>
              <div className="min-h-0 flex-1">
                <StaffChat key={openId} conversationId={openId} canWrite={false} canClose={false} onConversation={onLive} />
              </div>
            </>
          ) : (
            <div className="flex flex-1 items-center justify-center rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center text-sm text-slate-500">
              Select a chat to watch it live.
            </div>
          )}
        </section>
      </div>
    </div>
  );
}
