"use client";

import { useEffect, useId, useState } from "react";
import { StaffChat } from "@/components/chat/StaffChat";
import { DealValueDialog, type DealValue } from "@/components/conversions/DealValueDialog";
import { takeLeadEvent } from "@/components/conversions/lead-event";
import { ConfirmDialog } from "@/components/ui/ConfirmDialog";
import { Dialog } from "@/components/ui/Dialog";
import { ApiError, errorText } from "@/components/ui/api";
import { ui } from "@/components/ui/styles";
import { useToast } from "@/components/ui/Toast";
import type { ConversationDTO, LeadStage } from "@/lib/wire";
import { LEAD_STAGE_LABEL } from "../labels";
import { chatModalApi, type ConversationDetails } from "./api";
import { AssignAgentMenu } from "./AssignAgentMenu";
import { VisitorSummary } from "./VisitorSummary";

const STAGES = Object.keys(LEAD_STAGE_LABEL) as LeadStage[];

const outlineDanger =
  "inline-flex items-center justify-center gap-1.5 rounded-md border border-red-300 bg-white px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-600 disabled:opacity-50";

/**
 * One conversation in the back office (a Chats row, or `/…/chats/{id}`
 * opened directly): the visitor on top, the toolbar (assign, lead stage,
 * block, close), the live thread with lazy history and the composer. An
 * admin's or manager's reply reaches the visitor as a "from admin" bubble.
 * What shows is what the server says this viewer may do (`actions`); the
 * live state (status, owner, stage) follows the hub.
 */
export function ChatModal({ conversationId, onClose }: { conversationId: number; onClose: () => void }) {
  const [details, setDetails] = useState<ConversationDetails | null>(null);
  const [error, setError] = useState<{ message: string; missing: boolean } | null>(null);
  const [live, setLive] = useState<ConversationDTO | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const ac = new AbortController();
    setDetails(null);
    setLive(null);
    setError(null);
    chatModalApi
      .details(conversationId, ac.signal)
      .then(setDetails)
      .catch((e: unknown) => {
        if ((e as { name?: string }).name === "AbortError") return;
        const missing = e instanceof ApiError && e.status === 404;
        setError({ message: missing ? "This chat doesn't exist, or it isn't one you can open." : errorText(e), missing });
      });
    return () => ac.abort();
  }, [conversationId, attempt]);

  const c = live ?? details?.conversation ?? null;
  return (
    <Dialog open onClose={onClose} large title={c ? `Chat with ${c.visitor.name}` : `Chat #${conversationId}`}>
      {error ? (
        <div className="m-4 space-y-3">
          <p role="alert" className={ui.alert}>
            {error.message}
          </p>
          {error.missing ? null : (
            <button type="button" className={ui.button.secondary} onClick={() => setAttempt((n) => n + 1)}>
              Try again
            </button>
          )}
        </div>
      ) : !details || !c ? (
        <p className="m-4 text-sm text-slate-500" role="status">
          Loading chat…
        </p>
      ) : (
        <>
          <VisitorSummary details={details} conversation={c} />
          <ChatToolbar conversation={c} actions={details.actions} ip={details.ip} onLive={setLive} />
          <div className="flex min-h-[26rem] flex-1 flex-col p-2 sm:p-3">
            <StaffChat conversationId={conversationId} canWrite={details.actions.reply} canClose={false} showDetails={false} onConversation={setLive} />
          </div>
        </>
      )}
    </Dialog>
  );
}

function ChatToolbar({
  conversation: c,
  actions,
  ip,
  onLive,
}: {
  conversation: ConversationDTO;
  actions: ConversationDetails["actions"];
  ip: string | null;
  onLive: (c: ConversationDTO) => void;
}) {
  const open = c.status !== "closed";
  const [confirm, setConfirm] = useState<"block" | "close" | null>(null);
  const toast = useToast();
  if (!actions.assign && !actions.leadStage && !actions.block && !actions.close) return null;
  return (
    <div role="toolbar" aria-label="Chat actions" className="flex flex-wrap items-end gap-x-3 gap-y-2 border-b border-slate-200 bg-slate-50 px-3 py-2 sm:px-4">
      {actions.assign && open ? <AssignAgentMenu conversationId={c.id} /> : null}
      {actions.leadStage ? <LeadStageSelect conversation={c} onSaved={onLive} /> : null}
      <div className="ml-auto flex flex-wrap gap-2">
        {actions.block ? (
          <button type="button" className={outlineDanger} onClick={() => setConfirm("block")}>
            Block visitor
          </button>
        ) : null}
        {actions.close && open ? (
          <button type="button" className={ui.button.secondary} onClick={() => setConfirm("close")}>
            Close chat
          </button>
        ) : null}
      </div>
      <BlockVisitorDialog open={confirm === "block"} onClose={() => setConfirm(null)} conversation={c} ip={ip} />
      <ConfirmDialog
        open={confirm === "close"}
        onClose={() => setConfirm(null)}
        title="Close this chat?"
        message={`${c.visitor.name} will see that the chat has ended. A new message from them starts a new chat.`}
        confirmLabel="Close chat"
        tone="primary"
        onConfirm={async () => {
          await chatModalApi.close(c.id);
          toast("Chat closed.");
        }}
      />
    </div>
  );
}

function LeadStageSelect({ conversation: c, onSaved }: { conversation: ConversationDTO; onSaved: (c: ConversationDTO) => void }) {
  const id = useId();
  const toast = useToast();
  const [pending, setPending] = useState<LeadStage | null>(null);
  const [askDeal, setAskDeal] = useState(false);
  useEffect(() => {
    setPending(null);
    setAskDeal(false);
  }, [c.id, c.leadStage]);

  // The page's tags hear of the change only once the server has committed it.
  async function save(stage: LeadStage, deal?: DealValue) {
    onSaved(takeLeadEvent(await chatModalApi.setStage(c.id, stage, deal)));
    toast(`Lead stage: ${LEAD_STAGE_LABEL[stage]}.`);
  }

  return (
    <div className="flex flex-col">
      <label htmlFor={id} className="mb-1 text-xs text-slate-500">
        Lead stage
      </label>
      <select
        id={id}
        value={pending ?? c.leadStage}
        disabled={pending !== null}
        onChange={async (e) => {
          const stage = e.target.value as LeadStage;
          setPending(stage);
          // Converted asks for the deal's value first; the dialog runs the change and shows its errors.
          if (stage === "converted") return setAskDeal(true);
          try {
            await save(stage);
          } catch (err) {
            setPending(null);
            toast(`Couldn't change the lead stage: ${errorText(err)}`, "error");
          }
        }}
        className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm focus:border-blue-500 focus:ring-2 focus:ring-blue-200 focus:outline-none disabled:bg-slate-100"
      >
        {STAGES.map((s) => (
          <option key={s} value={s}>
            {LEAD_STAGE_LABEL[s]}
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

/** "Block visitor": confirmed, with the reason the audit log keeps; the server's field errors show under the field. */
function BlockVisitorDialog({ open, onClose, conversation: c, ip }: { open: boolean; onClose: () => void; conversation: ConversationDTO; ip: string | null }) {
  const id = useId();
  const toast = useToast();
  const [reason, setReason] = useState("");
  const [fieldError, setFieldError] = useState<string | null>(null);
  useEffect(() => {
    if (open) {
      setReason("");
      setFieldError(null);
    }
  }, [open]);
  return (
    <ConfirmDialog
      open={open}
      onClose={onClose}
      title="Block this visitor?"
      confirmLabel="Block visitor"
      message={
        <div className="space-y-3">
          <p>
            {ip ? <>The address <span className="font-mono">{ip}</span></> : "The address this chat came from"} is blocked until someone lifts it on the
            Security page{c.status === "closed" ? "" : ", and this chat closes: the visitor sees that it has ended"}. Every request from that address is
            refused from then on.
          </p>
          <div>
            <label htmlFor={id} className="mb-1 block text-sm font-medium text-slate-900">
              Reason
            </label>
            <textarea
              id={id}
              value={reason}
              onChange={(e) => {
                setReason(e.target.value);
                setFieldError(null);
              }}
              rows={3}
              maxLength={500}
              required
              aria-invalid={fieldError ? true : undefined}
              aria-describedby={fieldError ? `${id}-error` : `${id}-hint`}
              className={ui.input}
            />
            {fieldError ? (
              <p id={`${id}-error`} className="mt-1 text-xs text-red-700">
                {fieldError}
              </p>
            ) : (
              <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
                Kept with the block and in the audit log.
              </p>
            )}
          </div>
        </div>
      }
      onConfirm={async () => {
        setFieldError(null);
        try {
          const r = await chatModalApi.block(c.id, reason);
          toast(r.closed ? `Visitor blocked (${r.address}) and the chat closed.` : `Visitor blocked (${r.address}).`);
        } catch (e) {
          if (e instanceof ApiError && e.fields.reason) setFieldError(e.fields.reason);
          throw e;
        }
      }}
    />
  );
}
