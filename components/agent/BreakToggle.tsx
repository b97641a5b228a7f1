"use client";

import { useState } from "react";
import { api, errorMessage } from "./api";

/**
 * On break: still online, but no new chats; the ones already held stay
 * (product brief). The console owns the state, so everything that speaks of
 * routing (the empty Active bucket, the status line) says the same thing.
 */
export function BreakToggle({ onBreak, onChange }: { onBreak: boolean; onChange: (onBreak: boolean) => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function toggle() {
    const next = !onBreak;
    setBusy(true);
    setError(null);
    onChange(next);
    try {
      onChange((await api.setBreak(next)).onBreak);
    } catch (e) {
      onChange(!next);
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="flex items-center gap-2">
      <button
        type="button"
        aria-pressed={onBreak}
        disabled={busy}
        onClick={() => void toggle()}
        title={onBreak ? "You get no new chats. Click to take chats again." : "Pause new chats; you keep the ones you have."}
        className={`flex items-center gap-2 rounded-full border px-3 py-1 text-sm ${
          onBreak ? "border-amber-400 bg-amber-100 text-amber-900" : "border-slate-300 bg-white text-slate-700 hover:bg-slate-50"
        }`}
      >
        <span aria-hidden="true" className={`relative inline-block h-4 w-7 rounded-full transition-colors ${onBreak ? "bg-amber-500" : "bg-slate-300"}`}>
          <span className={`absolute top-0.5 h-3 w-3 rounded-full bg-white transition-all ${onBreak ? "left-3.5" : "left-0.5"}`} />
        </span>
        On break
      </button>
      {error ? (
        <span role="alert" className="text-xs text-red-700">
          {error}
        </span>
      ) : null}
    </div>
  );
}
