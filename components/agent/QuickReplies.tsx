"use client";

import { useCallback, useEffect, useId, useRef, useState } from "react";
import type { QuickReplyDTO } from "@/lib/inbox/quick-reply";
import { MAX_QUICK_REPLIES as MAX, QUICK_REPLY_MAX_CHARS as MAX_CHARS } from "@/lib/constants";
import { api, errorMessage } from "./api";

export type QuickRepliesApi = ReturnType<typeof useQuickReplies>;

/** The agent's saved replies, loaded once and kept in step with every edit. */
export function useQuickReplies() {
  const [items, setItems] = useState<QuickReplyDTO[]>([]);
  const [status, setStatus] = useState<"loading" | "ready" | "error">("loading");
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    setStatus("loading");
    try {
      setItems((await api.quickReplies()).items);
      setStatus("ready");
    } catch (e) {
      setError(errorMessage(e));
      setStatus("error");
    }
  }, []);
  useEffect(() => void load(), [load]);

  return {
    items,
    status,
    error,
    reload: load,
    add: async (body: string) => {
      const r = await api.addQuickReply(body);
      setItems((xs) => [...xs, r]);
    },
    edit: async (id: number, body: string) => {
      const r = await api.editQuickReply(id, body);
      setItems((xs) => xs.map((x) => (x.id === id ? r : x)));
    },
    remove: async (id: number) => {
      await api.deleteQuickReply(id);
      setItems((xs) => xs.filter((x) => x.id !== id));
    },
  };
}

/**
 * The lightning button in the composer: pops the agent's replies; picking one
 * pastes it into the message box for review before sending.
 */
export function QuickReplyPicker({ replies, onPick, onManage }: { replies: QuickRepliesApi; onPick: (body: string) => void; onManage: () => void }) {
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const menuId = useId();

  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!box.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && setOpen(false);
    document.addEventListener("mousedown", onDown);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);

  return (
    <div ref={box} className="relative">
      <button
        type="button"
        aria-label="Quick replies"
        aria-expanded={open}
        aria-controls={menuId}
        title="Quick replies"
        onClick={() => setOpen((o) => !o)}
        className="rounded-full p-2 text-slate-500 hover:bg-slate-100"
      >
        <span aria-hidden="true">⚡</span>
      </button>
      {open ? (
        <div
          id={menuId}
          role="group"
          aria-label="Pick a quick reply"
          className="absolute bottom-full left-0 z-20 mb-2 w-72 max-w-[80vw] rounded-lg border border-slate-200 bg-white p-2 shadow-lg"
        >
          {replies.status === "loading" ? (
            <p role="status" className="p-2 text-xs text-slate-500">
              Loading…
            </p>
          ) : replies.status === "error" ? (
            <p role="alert" className="p-2 text-xs text-red-700">
              Couldn&apos;t load quick replies: {replies.error}
            </p>
          ) : replies.items.length === 0 ? (
            <p className="p-2 text-xs text-slate-500">No quick replies yet. Save up to {MAX} canned answers.</p>
          ) : (
            <ul className="max-h-64 space-y-1 overflow-y-auto">
              {replies.items.map((r) => (
                <li key={r.id}>
                  <button
                    type="button"
                    onClick={() => {
                      onPick(r.body);
                      setOpen(false);
                    }}
                    className="block w-full rounded-md px-2 py-1.5 text-left text-sm hover:bg-slate-100"
                  >
                    <span className="line-clamp-2">{r.body}</span>
                  </button>
                </li>
              ))}
            </ul>
          )}
          <button
            type="button"
            onClick={() => {
              setOpen(false);
              onManage();
            }}
            className="mt-1 w-full rounded-md px-2 py-1 text-left text-xs text-blue-700 hover:bg-blue-50"
          >
            Add or edit…
          </button>
        </div>
      ) : null}
    </div>
  );
}

/** Add, edit and delete the agent's (up to 5) quick replies, in a modal dialog. */
export function QuickReplyManager({ replies, open, onClose }: { replies: QuickRepliesApi; open: boolean; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [draft, setDraft] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);

  const full = replies.items.length >= MAX;

  async function run(fn: () => Promise<void>) {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <dialog
      ref={dialog}
      aria-labelledby={titleId}
      onClose={onClose}
      className="m-auto w-[32rem] max-w-[calc(100vw-2rem)] rounded-lg border border-slate-200 p-0 shadow-xl backdrop:bg-slate-900/40"
    >
      <div className="space-y-3 p-4">
        <div className="flex items-center justify-between">
          <h2 id={titleId} className="font-semibold">
            Manage quick replies
          </h2>
          <button type="button" onClick={onClose} className="rounded px-2 py-1 text-sm text-slate-600 hover:bg-slate-100">
            Close
          </button>
        </div>
        <p className="text-xs text-slate-500">
          {replies.items.length} of {MAX} saved. Click the ⚡ button in the message box to paste one, then edit before sending.
        </p>
        {error ? (
          <p role="alert" className="rounded bg-red-50 px-2 py-1 text-sm text-red-700">
            {error}
          </p>
        ) : null}
        {replies.status === "error" ? (
          <p role="alert" className="text-sm text-red-700">
            Couldn&apos;t load quick replies: {replies.error}{" "}
            <button type="button" className="underline" onClick={() => void replies.reload()}>
              Try again
            </button>
          </p>
        ) : null}
        <ol className="space-y-3">
          {replies.items.map((r, i) => (
            <QuickReplyRow key={r.id} n={i + 1} reply={r} busy={busy} onSave={(body) => run(() => replies.edit(r.id, body))} onDelete={() => run(() => replies.remove(r.id))} />
          ))}
        </ol>
        <form
          className="space-y-1 border-t border-slate-200 pt-3"
          onSubmit={(e) => {
            e.preventDefault();
            const body = draft.trim();
            if (!body || full) return;
            void run(async () => {
              await replies.add(body);
              setDraft("");
            });
          }}
        >
          <label htmlFor={`${titleId}-new`} className="block text-sm font-medium">
            New quick reply
          </label>
          <textarea
            id={`${titleId}-new`}
            value={draft}
            maxLength={MAX_CHARS}
            rows={2}
            disabled={full}
            onChange={(e) => setDraft(e.target.value)}
            className="w-full rounded-md border border-slate-300 px-2 py-1 text-sm disabled:bg-slate-100"
          />
          {full ? <p className="text-xs text-slate-500">You&apos;ve saved {MAX} of {MAX}. Delete one to add another.</p> : null}
          <button
            type="submit"
            disabled={busy || full || !draft.trim()}
            className="rounded-md bg-blue-600 px-3 py-1.5 text-sm font-medium text-white disabled:opacity-50"
          >
            Add quick reply
          </button>
        </form>
      </div>
    </dialog>
  );
}

function QuickReplyRow({
  n,
  reply,
  busy,
  onSave,
  onDelete,
}: {
  n: number;
  reply: QuickReplyDTO;
  busy: boolean;
  onSave: (body: string) => Promise<void>;
  onDelete: () => Promise<void>;
}) {
  const [text, setText] = useState(reply.body);
  const id = useId();
  useEffect(() => setText(reply.body), [reply.body]);
  const dirty = text.trim() !== reply.body;
  return (
    <li className="space-y-1">
      <label htmlFor={id} className="block text-sm font-medium">
        Quick reply {n}
      </label>
      <textarea
        id={id}
        value={text}
        maxLength={MAX_CHARS}
        rows={2}
        onChange={(e) => setText(e.target.value)}
        className="w-full rounded-md border border-slate-300 px-2 py-1 text-sm"
      />
      <div className="flex gap-2">
        <button
          type="button"
          aria-label={`Save quick reply ${n}`}
          disabled={busy || !dirty || !text.trim()}
          onClick={() => void onSave(text.trim())}
          className="rounded-md border border-slate-300 px-2 py-1 text-xs hover:bg-slate-100 disabled:opacity-50"
        >
          Save
        </button>
        <button
          type="button"
          aria-label={`Delete quick reply ${n}`}
          disabled={busy}
          onClick={() => void onDelete()}
          className="rounded-md border border-red-200 px-2 py-1 text-xs text-red-700 hover:bg-red-50 disabled:opacity-50"
        >
          Delete
        </button>
      </div>
    </li>
  );
}
