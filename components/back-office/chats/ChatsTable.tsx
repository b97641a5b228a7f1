"use client";

import { usePathname, useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import type { ChatRowDTO, ChatsTablePage } from "@/lib/console/chats-table";
import { AI_AGENT } from "@/lib/console/chats-filters";
import { useStaffSocket } from "@/components/realtime/StaffSocketProvider";
import { DataTable, type Column } from "@/components/ui/DataTable";
import { UrlPaginationBar } from "@/components/ui/Pagination";
import { ui } from "@/components/ui/styles";
import { useServerPage } from "@/components/ui/useServerPage";
import { useUrlQuery } from "@/components/ui/useUrlQuery";
import { CHAT_STATUS, LEAD_STAGE_LABEL } from "../labels";
import { ChatFilters } from "./ChatFilters";
import { ChatModal } from "./chat-modal-slot";
import { chatsApiUrl, FILTER_KEYS, relativeTime, rowFromConversation, withConversation, withMessage } from "./chats-query";

/** "5 minutes ago" moves on while the page is open. */
const CLOCK_MS = 30_000;

/**
 * The Chats section (admins and managers alike): every conversation in one
 * server-paginated table, its filters and page in the URL. Rows follow the
 * console socket (`inbox:all`) in place; a chat started meanwhile is
 * announced above the table rather than reshuffling the page. A row opens
 * the chat in the modal at `<basePath>/<id>` with the same query, so Back
 * closes it and the link can be shared.
 */
export function ChatsTable({ basePath }: { basePath: string }) {
  const url = useUrlQuery();
  const router = useRouter();
  const pathname = usePathname() ?? basePath;
  const openId = chatIdIn(pathname, basePath);
  const page = useServerPage<ChatsTablePage>(chatsApiUrl(url.query));
  const data = page.data;

  // The server's page, then whatever live frames changed in it since.
  const [rows, setRows] = useState<ChatRowDTO[]>([]);
  const [fresh, setFresh] = useState<Set<number>>(new Set());
  /** Chats put on top of the first page live, counted into its "of Z". */
  const [added, setAdded] = useState(0);
  const [shown, setShown] = useState<ChatsTablePage | null>(null);
  const loadedAt = useRef(0);
  if (data !== shown) {
    setShown(data);
    setRows(data?.items ?? []);
    setFresh(new Set());
    setAdded(0);
  }
  const rowsRef = useRef(rows);
  const unfilteredFirst = !data?.prev && ![...FILTER_KEYS, "after", "before"].some((k) => url.get(k));
  const topRef = useRef<{ projects: Map<number, string> } | null>(null);
  useEffect(() => {
    rowsRef.current = rows;
    topRef.current = unfilteredFirst && data ? { projects: new Map(data.options.projects.map((p) => [p.id, p.title])) } : null;
  });
  useEffect(() => {
    loadedAt.current = Date.now();
  }, [data]);

  const socket = useStaffSocket();
  useEffect(
    () =>
      socket.onFrame((msg) => {
        if (msg.type === "conversation") {
          const c = msg.conversation;
          setRows((prev) => prev.map((r) => (r.id === c.id ? withConversation(r, c) : r)));
          // A chat that started after this page was read: say so, don't reshuffle what the reader is looking at.
          if (rowsRef.current.some((r) => r.id === c.id) || new Date(c.createdAt).getTime() < loadedAt.current - 1000) return;
          // The unfiltered first page is "the newest chats": a new one goes on top (the rest only move down).
          // Anywhere else it may not belong here: announce it instead.
          const top = topRef.current;
          if (top) {
            setRows((prev) => (prev.some((r) => r.id === c.id) ? prev : [rowFromConversation(c, top.projects.get(c.projectId) ?? ""), ...prev]));
            setAdded((n) => n + 1);
          } else setFresh((prev) => (prev.has(c.id) ? prev : new Set(prev).add(c.id)));
        } else if (msg.type === "message" || msg.type === "ack") {
          const m = msg.message;
          setRows((prev) => prev.map((r) => (r.id === m.conversationId ? withMessage(r, m) : r)));
        }
      }),
    [socket],
  );
  // Frames sent while this socket was away (before it joined, or reconnecting) never reach it: read the page again.
  const reload = page.reload;
  useEffect(() => socket.onOpen(() => reload({ quiet: true })), [socket, reload]);

  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), CLOCK_MS);
    return () => clearInterval(t);
  }, []);

  const listQuery = url.query.toString();
  const hrefFor = (id: number) => `${basePath}/${id}${listQuery ? `?${listQuery}` : ""}`;
  // Opened from this table: closing is Back (the list as it was). Opened from a link: closing shows the list.
  const openedHere = useRef(false);
  const open = (id: number) => {
    openedHere.current = true;
    window.history.pushState(null, "", hrefFor(id));
  };
  const close = () => {
    if (openedHere.current) {
      openedHere.current = false;
      window.history.back();
    } else {
      window.history.pushState(null, "", `${basePath}${listQuery ? `?${listQuery}` : ""}`);
    }
  };

  const columns: Column<ChatRowDTO>[] = [
    {
      key: "visitor",
      header: "Visitor",
      primary: true,
      cell: (r) => (
        <a
          href={hrefFor(r.id)}
          onClick={(e) => {
            if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
            e.preventDefault();
            open(r.id);
          }}
          className="block min-w-0 rounded focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-blue-600"
        >
          <span className="block truncate font-medium text-slate-900">{r.visitor.name}</span>
          <span className="block truncate text-xs text-slate-500 tabular-nums">{r.visitor.phone}</span>
          <span className="block max-w-xs truncate text-xs text-slate-400">{r.lastMessagePreview || "No messages yet"}</span>
        </a>
      ),
    },
    { key: "project", header: "Project", cell: (r) => <span className="text-slate-700">{r.projectTitle}</span> },
    {
      key: "status",
      header: "Status",
      cell: (r) => (
        <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium whitespace-nowrap ring-1 ring-inset ${CHAT_STATUS[r.status].className}`}>
          {CHAT_STATUS[r.status].label}
        </span>
      ),
    },
    {
      key: "assignee",
      header: "Assignee",
      cell: (r) =>
        r.assignedToAi ? (
          <span className="text-violet-700">AI agent</span>
        ) : r.assigneeName ? (
          <span className="text-slate-700">{r.assigneeName}</span>
        ) : (
          <span className="text-slate-400">Unassigned</span>
        ),
    },
    { key: "stage", header: "Lead stage", cell: (r) => <span className="whitespace-nowrap text-slate-700">{LEAD_STAGE_LABEL[r.leadStage]}</span> },
    {
      key: "updated",
      header: "Updated",
      className: "whitespace-nowrap",
      cell: (r) => (
        <time dateTime={r.lastMessageAt} title={new Date(r.lastMessageAt).toLocaleString()} className="text-xs text-slate-600">
          {relativeTime(r.lastMessageAt, now)}
        </time>
      ),
    },
  ];

  const filtered = FILTER_KEYS.some((k) => url.get(k));
  const agents = data?.options.agents ?? [];
  return (
    <section aria-labelledby="chats-title" className="space-y-3">
      <h2 id="chats-title" className="text-base font-semibold">
        Chats
      </h2>
      <ChatFilters url={url} agents={agents} projects={data?.options.projects ?? []} aiAgent={AI_AGENT} />

      {fresh.size > 0 ? (
        <div className="flex justify-center">
          <button type="button" className={`${ui.button.primary} rounded-full`} onClick={() => (url.get("after") || url.get("before") ? url.set({}) : page.reload({ quiet: true }))}>
            {fresh.size} new — refresh
          </button>
        </div>
      ) : null}

      <DataTable
        label="Chats"
        columns={columns}
        rows={rows}
        rowKey={(r) => r.id}
        onRowClick={(r) => open(r.id)}
        state={{ status: page.status, error: page.error, onRetry: () => page.reload() }}
        empty={
          filtered ? (
            <span>
              No chats match these filters.{" "}
              <button type="button" className="text-blue-700 underline" onClick={() => router.push(basePath)}>
                Clear filters
              </button>
            </span>
          ) : (
            "No chats yet. They appear here the moment a visitor starts one."
          )
        }
        footer={data ? <UrlPaginationBar url={url} page={{ ...data, total: data.total + added }} count={rows.length} busy={page.status === "loading"} /> : null}
      />

      {openId ? <ChatModal key={openId} conversationId={openId} onClose={close} /> : null}
    </section>
  );
}

function chatIdIn(pathname: string, basePath: string): number | null {
  if (!pathname.startsWith(`${basePath}/`)) return null;
  const rest = pathname.slice(basePath.length + 1);
  return /^[1-9]\d{0,9}$/.test(rest) ? Number(rest) : null;
}
