export function TypingPill({ label }: { label: string }) {
  return (
    <div role="status" className="mx-3 mb-1 inline-flex items-center gap-2 self-start rounded-full bg-slate-100 px-3 py-1 text-xs text-slate-600">
      <span className="flex gap-0.5" aria-hidden="true">
        <span className="h-1.5 w-1.5 animate-bounce rounded-full bg-slate-400 [animation-delay:-0.3s]" />
        <span className="h-1.5 w-1.5 animate-bounce rounded-full bg-slate-400 [animation-delay:-0.15s]" />
        <span className="h-1.5 w-1.5 animate-bounce rounded-full bg-slate-400" />
      </span>
      {label}
    </div>
  );
}

export function ConnectionBanner({ state, error, revoked = false }: { state: string; error: string | null; revoked?: boolean }) {
  if (revoked) {
    return (
      <p role="alert" className="bg-red-50 px-3 py-1.5 text-center text-xs text-red-700">
        You no longer have access to this chat.
      </p>
    );
  }
  if (error) {
    return (
      <p role="alert" className="bg-red-50 px-3 py-1.5 text-center text-xs text-red-700">
        {error}
      </p>
    );
  }
  if (state === "reconnecting") {
    return (
      <p role="status" className="bg-amber-50 px-3 py-1.5 text-center text-xs text-amber-800">
        Reconnecting… messages you send will be delivered when we&apos;re back.
      </p>
    );
  }
  return null;
}
