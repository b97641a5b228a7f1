import type { ConversationDTO, VisitorConversationView } from "@/lib/realtime/protocol";

const ordinal = (n: number) => {
  const s = n % 100 >= 11 && n % 100 <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" } as Record<number, string>)[n % 10] ?? "th";
  return `${n}${s}`;
};

/**
 * What the visitor is told about their chat right now: waiting (and their
 * place in line), nobody available (the team will answer here and by email or
 * phone), or who they are chatting with. A polite live region, so a screen
 * reader hears the change without losing the composer's focus.
 */
export function VisitorStatus({ view }: { view: VisitorConversationView | ConversationDTO | null }) {
  if (!view || !("queuePosition" in view)) return null;
  let text: string | null = null;
  let tone = "bg-slate-100 text-slate-700";
  if (view.status === "queued" && view.nobodyAvailable) {
    text = "Nobody from the team is online right now. Leave your message: we'll reply here, and by email or phone.";
    tone = "bg-amber-50 text-amber-900";
  } else if (view.status === "queued") {
    text =
      view.queuePosition && view.queuePosition > 1
        ? `Waiting for the next available agent. You're ${ordinal(view.queuePosition)} in line.`
        : "Waiting for the next available agent. You're next in line.";
  } else if ((view.status === "active" || view.status === "offline") && view.agentName) {
    text = `You're chatting with ${view.agentName}.`;
  }
  return (
    <p role="status" aria-live="polite" className={`px-4 py-2 text-center text-xs ${tone}`}>
      {text}
    </p>
  );
}
