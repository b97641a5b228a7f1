"use client";

import { useEffect, useRef, useState } from "react";
import { MAX_ATTACHMENT_BYTES, MAX_BODY_CHARS } from "@/lib/constants";
import type { MessageDTO } from "@/lib/realtime/protocol";
import type { ChatApi, ThreadMessage } from "./useChat";

const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"];

/**
 * Text box with reply preview and image attach (preview before send).
 * Enter sends, Shift+Enter adds a line.
 */
export function Composer({
  chat,
  conversationId,
  replyTo,
  onCancelReply,
  uploadHeaders,
  accentColor,
  placeholder = "Type a message…",
  text: controlledText,
  onTextChange,
  extraButtons,
}: {
  chat: ChatApi;
  conversationId: number;
  replyTo: ThreadMessage | null;
  onCancelReply: () => void;
  uploadHeaders?: Record<string, string>;
  accentColor?: string;
  placeholder?: string;
  /** Optional controlled text (quick replies paste into it). */
  text?: string;
  onTextChange?: (t: string) => void;
  extraButtons?: React.ReactNode;
}) {
  const [ownText, setOwnText] = useState("");
  const text = controlledText ?? ownText;
  const setText = onTextChange ?? setOwnText;
  const [image, setImage] = useState<{ file: File; url: string; broken?: boolean } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [uploading, setUploading] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const textarea = useRef<HTMLTextAreaElement>(null);

  const previewUrl = image?.url;
  useEffect(() => () => (previewUrl ? URL.revokeObjectURL(previewUrl) : undefined), [previewUrl]);
  useEffect(() => {
    if (replyTo) textarea.current?.focus();
  }, [replyTo]);

  function pickImage(file: File | undefined) {
    setError(null);
    if (!file) return;
    if (!IMAGE_TYPES.includes(file.type)) return setError("Only JPEG, PNG, WebP or GIF images.");
    if (file.size > MAX_ATTACHMENT_BYTES) return setError(`Images must be ${MAX_ATTACHMENT_BYTES / (1024 * 1024)} MB or smaller.`);
    setImage({ file, url: URL.createObjectURL(file) });
  }

  async function submit() {
    const body = text.trim();
    if (!body && !image) return;
    setError(null);
    let attachment: MessageDTO["attachment"] = null;
    if (image) {
      setUploading(true);
      try {
        const form = new FormData();
        form.set("conversationId", String(conversationId));
        form.set("file", image.file);
        const res = await fetch("/api/chat/attachments", { method: "POST", body: form, headers: uploadHeaders });
        const json = (await res.json().catch(() => null)) as (MessageDTO["attachment"] & { error?: { message: string } }) | null;
        if (!res.ok || !json) throw new Error(json?.error?.message ?? "Upload failed.");
        // The server's DTO as it is: the thread shows the thumbnail from the first paint, not after the ack.
        attachment = {
          id: json.id,
          url: json.url,
          mime: json.mime,
          width: json.width,
          height: json.height,
          thumbUrl: json.thumbUrl ?? null,
          thumbWidth: json.thumbWidth ?? null,
          thumbHeight: json.thumbHeight ?? null,
        };
      } catch (e) {
        setError(e instanceof Error ? e.message : "Upload failed.");
        setUploading(false);
        return;
      }
      setUploading(false);
    }
    chat.send(body, { replyTo, attachment });
    setText("");
    setImage(null);
    if (fileInput.current) fileInput.current.value = "";
    onCancelReply();
    textarea.current?.focus();
  }

  if (!chat.canWrite) return null;

  return (
    <div className="border-t border-slate-200 bg-white p-2">
      {replyTo ? (
        <div className="mb-2 flex items-start gap-2 rounded-md border-l-4 border-slate-400 bg-slate-50 px-2 py-1 text-xs" aria-label="Replying to">
          <div className="min-w-0 flex-1">
            <p className="font-medium text-slate-600">Replying to</p>
            <p className="truncate text-slate-700">{replyTo.body || (replyTo.attachment ? "📷 Image" : "")}</p>
          </div>
          <button type="button" onClick={onCancelReply} aria-label="Cancel reply" className="px-1 text-slate-500 hover:text-slate-800">
            ×
          </button>
        </div>
      ) : null}
      {image ? (
        <div className="mb-2 flex items-center gap-2">
          {image.broken ? (
            // Bytes the browser can't draw (the server will refuse them too): a named tile, never a broken-image icon.
            <span
              role="img"
              aria-label="Image to send"
              className="flex h-16 w-16 flex-col items-center justify-center gap-0.5 rounded border border-red-200 bg-red-50 px-1 text-center text-[10px] leading-tight text-red-700"
            >
              <svg aria-hidden="true" viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
                <path d="M14 3H6a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V9z" />
                <path d="M14 3v6h6M9.5 13.5l5 5M14.5 13.5l-5 5" />
              </svg>
              <span className="line-clamp-2 break-all">{image.file.name}</span>
            </span>
          ) : (
            // eslint-disable-next-line @next/next/no-img-element
            <img
              src={image.url}
              alt="Image to send"
              onError={() => setImage((i) => (i && i.url === image.url ? { ...i, broken: true } : i))}
              className="h-16 w-16 rounded object-cover"
            />
          )}
          <button type="button" onClick={() => setImage(null)} aria-label="Remove image" className="rounded px-2 py-1 text-xs text-slate-600 hover:bg-slate-100">
            Remove
          </button>
        </div>
      ) : null}
      {error ? (
        <p role="alert" className="mb-2 rounded bg-red-50 px-2 py-1 text-xs text-red-700">
          {error}
        </p>
      ) : null}
      <form
        className="flex items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <label className="cursor-pointer rounded-full p-2 text-slate-500 hover:bg-slate-100" title="Attach image">
          <span className="sr-only">Attach image</span>
          <svg aria-hidden="true" viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
            <path d="m21.44 11.05-9.19 9.19a6 6 0 0 1-8.49-8.49l8.57-8.57A4 4 0 1 1 18 8.84l-8.59 8.57a2 2 0 0 1-2.83-2.83l8.49-8.48" />
          </svg>
          <input
            ref={fileInput}
            type="file"
            accept="image/jpeg,image/png,image/webp,image/gif"
            className="sr-only"
            onChange={(e) => pickImage(e.target.files?.[0])}
          />
        </label>
        {extraButtons}
        <label className="sr-only" htmlFor={`composer-${conversationId}`}>
          Message
        </label>
        <textarea
          id={`composer-${conversationId}`}
          ref={textarea}
          rows={1}
          value={text}
          maxLength={MAX_BODY_CHARS}
          placeholder={placeholder}
          autoComplete="off"
          onChange={(e) => {
            setText(e.target.value);
            if (e.target.value) chat.notifyTyping();
          }}
          onBlur={() => chat.stopTyping()}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              void submit();
            }
          }}
          className="max-h-32 min-h-10 flex-1 resize-none rounded-2xl border border-slate-300 px-3 py-2 text-sm focus:border-slate-500 focus:outline-none"
        />
        <button
          type="submit"
          disabled={uploading || (!text.trim() && !image)}
          className="rounded-full px-4 py-2 text-sm font-medium text-white disabled:opacity-50"
          style={{ background: accentColor ?? "#2563eb" }}
        >
          {uploading ? "Uploading…" : "Send"}
        </button>
      </form>
    </div>
  );
}
