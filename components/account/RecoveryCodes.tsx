"use client";

import { useId, useState } from "react";
import { ui } from "@/components/ui/styles";

/**
 * Ten single-use recovery codes, shown this once: each signs in instead of an
 * app code when the phone is lost. Copy or download, then confirm.
 */
export function RecoveryCodes({ codes, doneLabel, onDone }: { codes: string[]; doneLabel: string; onDone: () => void }) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  const text = `OnlineChatCRM recovery codes (each works once)\n\n${codes.join("\n")}\n`;
  return (
    <div className="space-y-3">
      <div className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900">
        <p id={id} className="font-medium">
          Save your recovery codes now
        </p>
        <p>They are shown only this once. Each one signs you in once if you lose your phone. Keep them somewhere safe, not on the phone.</p>
      </div>
      <ol aria-labelledby={id} className="grid grid-cols-2 gap-x-6 gap-y-1 rounded-md border border-slate-200 bg-slate-50 p-3 font-mono text-sm sm:w-fit">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ol>
      <div className="flex flex-wrap gap-2">
        <button
          type="button"
          className={ui.button.secondary}
          onClick={() => void navigator.clipboard?.writeText(text).then(() => setCopied(true), () => setCopied(false))}
        >
          {copied ? "Copied" : "Copy codes"}
        </button>
        <a
          className={ui.button.secondary}
          download="onlinechatcrm-recovery-codes.txt"
          href={`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`}
        >
          Download
        </a>
        <button type="button" className={ui.button.primary} onClick={onDone}>
          {doneLabel}
        </button>
      </div>
    </div>
  );
}
