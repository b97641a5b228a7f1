"use client";

import { useId, useState } from "react";
import { ApiError, errorText } from "@/components/ui/api";
import { FormAlert } from "@/components/ui/Field";
import { ui } from "@/components/ui/styles";
import { useToast } from "@/components/ui/Toast";
import { securityApi, type SecurityPageSettings } from "./api";
import { ReadOnlyNote } from "./parts";

type Line = { line: number; address: string; note: string };

/** "203.0.113.5 health checker" or "10.0.0.0/8 # office": the address, then an optional note. Blank lines and "#" lines are skipped. */
export function parseAllowList(text: string): Line[] {
  const out: Line[] = [];
  text.split("\n").forEach((raw, i) => {
    const t = raw.trim();
    if (!t || t.startsWith("#")) return;
    const [address, ...rest] = t.split(/\s+/);
    out.push({ line: i + 1, address, note: rest.join(" ").replace(/^#\s*/, "") });
  });
  return out;
}

const toText = (entries: { address: string; note: string }[]) => entries.map((e) => (e.note ? `${e.address}  ${e.note}` : e.address)).join("\n");

/**
 * The allow-list: addresses and ranges (a health checker, the office
 * network) that are never struck and never blocked. One per line, errors
 * per line from the server's check. Global configuration (`security.manage`).
 */
export function AllowListPanel({ settings, onSaved }: { settings: SecurityPageSettings; onSaved: () => void }) {
  const toast = useToast();
  const id = useId();
  const initial = toText(settings.allowList);
  const [text, setText] = useState(initial);
  const [lineErrors, setLineErrors] = useState<{ line: number; message: string }[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const editable = settings.rights.editSettings;

  async function save(e: React.FormEvent) {
    e.preventDefault();
    const lines = parseAllowList(text);
    setBusy(true);
    setLineErrors([]);
    setError(null);
    try {
      const { entries } = await securityApi.updateAllowList(lines.map(({ address, note }) => ({ address, note })));
      setText(toText(entries));
      toast(entries.length ? `Allow-list saved: ${entries.length} ${entries.length === 1 ? "entry" : "entries"}.` : "Allow-list cleared.");
      onSaved();
    } catch (err) {
      if (err instanceof ApiError && Object.keys(err.fields).length) {
        const per: { line: number; message: string }[] = [];
        for (const [k, message] of Object.entries(err.fields)) {
          const m = /^entries\.(\d+)\./.exec(k);
          const l = m ? lines[Number(m[1])] : undefined;
          if (l) per.push({ line: l.line, message: `${l.address}: ${message}` });
          else setError(message);
        }
        setLineErrors(per.sort((a, b) => a.line - b.line));
        if (per.length) setError(`${per.length === 1 ? "One line needs" : `${per.length} lines need`} fixing before the list can be saved.`);
      } else setError(errorText(err));
    }
    setBusy(false);
  }

  return (
    <form onSubmit={save} noValidate aria-labelledby={`${id}-title`} className={`${ui.card} space-y-3 p-4`}>
      <div>
        <h3 id={`${id}-title`} className="font-semibold">
          Allow-list
        </h3>
        <p className="text-sm text-slate-600">
          Addresses and ranges that are never struck and never blocked, not even by a block already in force: a health checker, your office network. At most {settings.maxAllowList}.
        </p>
      </div>
      {!editable ? <ReadOnlyNote>The allow-list is global configuration: only an admin can change it.</ReadOnlyNote> : null}
      <FormAlert>{error}</FormAlert>
      <div>
        <label htmlFor={`${id}-text`} className="mb-1 block text-sm font-medium">
          Allowed addresses, one per line
        </label>
        <textarea
          id={`${id}-text`}
          value={text}
          rows={8}
          spellCheck={false}
          disabled={!editable || busy}
          aria-invalid={lineErrors.length ? true : undefined}
          aria-describedby={`${id}-hint${lineErrors.length ? ` ${id}-errors` : ""}`}
          placeholder={"203.0.113.5  uptime checker\n198.51.100.0/24  office"}
          onChange={(e) => setText(e.target.value)}
          className={`${ui.input} font-mono`}
        />
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-500">
          An address or a CIDR range, then an optional note after a space. Lines starting with # are ignored.
        </p>
        {lineErrors.length ? (
          <ul id={`${id}-errors`} className="mt-1 space-y-0.5 text-xs text-red-700">
            {lineErrors.map((e) => (
              <li key={`${e.line}-${e.message}`}>
                Line {e.line}: {e.message}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {editable ? (
        <div className="flex justify-end">
          <button type="submit" className={ui.button.primary} disabled={busy || text === initial}>
            {busy ? "Saving…" : "Save allow-list"}
          </button>
        </div>
      ) : null}
    </form>
  );
}
