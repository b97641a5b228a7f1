"use client";

import { useEffect, useId, useState } from "react";
import { StaffChat } from "@/components/chat/StaffChat";
import { DealValueDialog, type DealValue } from "@/components/conversions/DealValueDialog";
import { takeLeadEvent } from "@/components/conversions/lead-event";
import type { ConversationDTO, LeadStage } from "@/lib/realtime/protocol";
import { api, errorMessage, type AgentOption } from "./api";
import { QuickReplyPicker, type QuickRepliesApi } from "./QuickReplies";

const STAGES: { value: LeadStage; label: string }[] = [
  { value: "new", label: "New" },
  { value: "qualified", label: "Qualified" },
  { value: "not_qualified", label: "Not Qualified" },
  { value: "converted", label: "Converted" },
];

/**
 * The open chat: toolbar (lead stage, pick, reassign) above the live thread.
 * What the agent may do follows the chat's live state: own chats are
 * writable; queued chats can be picked; teammates' chats are read-only.
 */
export function ChatPane({
  me,
  conversation: c,
  onLive,
  onPicked,
  onReassigned,
  onBack,
  draft,
  onDraftChange,
  quickReplies,
  onManageQuickReplies,
}: {
  me: number;
  conversation: ConversationDTO;
  onLive: (c: ConversationDTO) => void;
  onPicked: (conversationId: number) => void;
  onReassigned: (conversationId: number) => void;
  onBack: () => void;
  draft: string;
  onDraftChange: (t: string) => void;
  quickReplies: QuickRepliesApi;
  onManageQuickReplies: () => void;
}) {
  const mine = c.assigneeId === me && !c.assignedToAi;
  const open = c.status !== "closed";
  const [notice, setNotice] = useState<{ kind: "error" | "ok"; text: string } | null>(null);
  useEffect(() => setNotice(null), [c.id]);

  function pasteReply(body: string) {
    onDraftChange(draft.trim() ? `${draft.replace(/\s+$/, "")} ${body}` : body);
    // Back to the box so the agent can review and edit before sending.
    requestAnimationFrame(() => {
      const box = document.getElementById(`composer-${c.id}`) as HTMLTextAreaElement | null;
      box?.focus();
      box?.setSelectionRange(box.value.length, box.value.length);
    });
  }

  return (
    <div className="flex h-full min-h-0 flex-col gap-2">
      <div className="flex flex-wrap items-end gap-x-4 gap-y-2 rounded-lg border border-slate-200 bg-white px-3 py-2" role="toolbar" aria-label="Chat actions">
        <button type="button" onClick={onBack} className="rounded-md border border-slate-300 px-2 py-1 text-sm md:hidden">
          ← Back to chats
        </button>
        <LeadStageSelect conversation={c} editable={mine} onSaved={onLive} onError={(text) => setNotice({ kind: "error", text })} />
        {c.status === "queued" ? (
          <PickButton
            conversationId={c.id}
            onDone={() => {
              setNotice({ kind: "ok", text: "Chat picked. It's in your Active chats." });
              onPicked(c.id);
            }}
            onError={(text) => setNotice({ kind: "error", text })}
          />
        ) : null}
        {mine && open ? (
          <ReassignControl
            me={me}
            conversationId={c.id}
            onDone={(name) => {
              setNotice({ kind: "ok", text: `Chat reassigned to ${name}.` });
              onReassigned(c.id);
            }}
            onError={(text) => setNotice({ kind: "error", text })}
          />
        ) : null}
        {!mine && c.status !== "queued" ? (
          <p className="text-xs text-slate-500">{c.assignedToAi ? "Handled by the AI agent." : `Read-only: assigned to ${c.assigneeName ?? "another agent"}.`}</p>
        ) : null}
      </div>
      {notice ? (
        <p role={notice.kind === "error" ? "alert" : "status"} className={`rounded-md px-3 py-1.5 text-sm ${notice.kind === "error" ? "bg-red-50 text-red-700" : "bg-green-50 text-green-800"}`}>
          {notice.text}
        </p>
      ) : null}
      <div className="min-h-0 flex-1">
        {/* Remount when write access changes: the server decides a socket's rights when it joins the room. */}
        <StaffChat
          key={`${c.id}:${mine}`}
          conversationId={c.id}
          canWrite={mine}
          canClose={mine}
          onConversation={onLive}
          composerText={draft}
          onComposerTextChange={onDraftChange}
          composerButtons={<QuickReplyPicker replies={quickReplies} onPick={pasteReply} onManage={onManageQuickReplies} />}
        />
      </div>
    </div>
  );
}

function LeadStageSelect({
  conversation: c,
  editable,
  onSaved,
  onError,
}: {
  conversation: ConversationDTO;
  editable: boolean;
  onSaved: (c: ConversationDTO) => void;
  onError: (text: string) => void;
}) {
  const id = useId();
  const [pending, setPending] = useState<LeadStage | null>(null);
  const [askDeal, setAskDeal] = useState(false);
  useEffect(() => {
    setPending(null);
    setAskDeal(false);
  }, [c.id, c.leadStage]);

  // The page's tags hear of the change only once the server has committed it.
  const save = async (stage: LeadStage, deal?: DealValue) => onSaved(takeLeadEvent(await api.setStage(c.id, stage, deal)));

  async function change(stage: LeadStage) {
    setPending(stage);
    // Converted asks for the deal's value first; the dialog runs the change and shows its errors.
    if (stage === "converted") return setAskDeal(true);
    try {
      await save(stage);
    } catch (e) {
      setPending(null);
      onError(`Couldn't change the lead stage: ${errorMessage(e)}`);
    }
  }

  return (
    <div className="flex flex-col">
      <label htmlFor={id} className="text-xs text-slate-500">
        Lead stage
      </label>
      <select
        id={id}
        value={pending ?? c.leadStage}
        disabled={!editable || askDeal}
        onChange={(e) => void change(e.target.value as LeadStage)}
        className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm disabled:bg-slate-100 disabled:text-slate-600"
      >
        {STAGES.map((s) => (
          <option key={s.value} value={s.value}>
            {s.label}
          </option>
        ))}
      </select>
      {askDeal ? (
        <DealValueDialog
          leadName={c.visitor.name}
          onCancel={() => {
            setAskDeal(false);
            setPending(null);
          }}
          onConfirm={async (deal) => {
            await save("converted", deal);
            setAskDeal(false);
          }}
        />
      ) : null}
    </div>
  );
}

function PickButton({ conversationId, onDone, onError }: { conversationId: number; onDone: () => void; onError: (t: string) => void }) {
  const [busy, setBusy] = useState(false);
  return (
    <button
      type="button"
      disabled={busy}
      onClick={async () => {
        setBusy(true);
        try {
          await api.pick(conversationId);
          onDone();
        } catch (e) {
          onError(errorMessage(e));
        } finally {
          setBusy(false);
        }
      }}
      className="rounded-md bg-blue-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-blue-700 disabled:opacity-50"
    >
      {busy ? "Picking…" : "Pick chat"}
    </button>
  );
}

function agentLabel(a: AgentOption) {
  if (a.eligible) return `${a.displayName} (${a.activeCount}/${a.activeLimit})`;
  const why = !a.online ? "offline" : a.onBreak ? "on break" : a.activeCount >= a.activeLimit ? "full" : "unavailable";
  return `${a.displayName} — ${why}`;
}

function ReassignControl({
  me,
  conversationId,
  onDone,
  onError,
}: {
  me: number;
  conversationId: number;
  onDone: (name: string) => void;
  onError: (t: string) => void;
}) {
  const id = useId();
  const [agents, setAgents] = useState<AgentOption[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [target, setTarget] = useState("");
  const [busy, setBusy] = useState(false);

  async function load() {
    setLoadError(null);
    try {
      setAgents((await api.agents()).agents.filter((a) => a.id !== me));
    } catch (e) {
      setLoadError(errorMessage(e));
    }
  }
  useEffect(() => {
    void load();
    // Presence and load change by the minute: keep the list of targets fresh while the chat is open.
    const t = setInterval(() => void load(), 30_000);
    return () => clearInterval(t);
    // `load` only closes over `me`, which never changes for a console.
  }, [conversationId]);

  const chosen = agents?.find((a) => String(a.id) === target);
  return (
    <form
      className="flex items-end gap-2"
      onSubmit={async (e) => {
        e.preventDefault();
        if (!chosen) return;
        setBusy(true);
        try {
          await api.reassign(conversationId, chosen.id);
          setTarget("");
          onDone(chosen.displayName);
        } catch (err) {
          onError(errorMessage(err));
          void load();
        } finally {
          setBusy(false);
        }
      }}
    >
      <div className="flex flex-col">
        <label htmlFor={id} className="text-xs text-slate-500">
          Reassign to
        </label>
        <select
          id={id}
          value={target}
          onChange={(e) => setTarget(e.target.value)}
          className="max-w-56 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
        >
          <option value="">{agents === null ? (loadError ? "Couldn't load agents" : "Loading agents…") : agents.some((a) => a.eligible) ? "Choose an agent" : "No agent available"}</option>
          {(agents ?? []).map((a) => (
            <option key={a.id} value={a.id} disabled={!a.eligible}>
              {agentLabel(a)}
            </option>
          ))}
        </select>
      </div>
      <button
        type="submit"
        disabled={busy || !chosen?.eligible}
        className="rounded-md border border-slate-300 px-3 py-1.5 text-sm hover:bg-slate-100 disabled:opacity-50"
      >
        {busy ? "Reassigning…" : "Reassign"}
      </button>
    </form>
  );
}
