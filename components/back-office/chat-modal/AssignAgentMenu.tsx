"use client";

import { useCallback, useEffect, useState } from "react";
import { Menu, type MenuItem } from "@/components/ui/Menu";
import { errorText } from "@/components/ui/api";
import { useToast } from "@/components/ui/Toast";
import { chatModalApi, type AssignBlocker, type AssignTarget } from "./api";

const WHY: Record<AssignBlocker, string> = {
  current: "Has this chat",
  no_live_chat: "Live Chat is off",
  on_break: "On break",
  reconnecting: "Reconnecting: keeps their chats, takes no new ones",
  offline: "Offline",
  same_phone: "Already chatting with this phone number",
  full: "Full",
};

function presence(a: AssignTarget) {
  if (a.online) return a.onBreak ? "on break" : "online";
  return a.inGrace ? "reconnecting" : "offline";
}

/** "2/3 active · 0/2 parked · online", and for one who can't take it, why first. */
export function agentHint(a: AssignTarget, visitorPresent: boolean): string {
  const load = `${a.activeCount}/${a.activeLimit} active · ${a.offlineCount}/${a.offlineLimit} parked`;
  if (a.blocker === null) return `${load} · ${presence(a)}`;
  const why = a.blocker === "full" ? `Full (${visitorPresent ? "active" : "parked"} chats at the limit)` : WHY[a.blocker];
  return a.blocker === "offline" || a.blocker === "reconnecting" ? `${why} · ${load}` : `${why} · ${load} · ${presence(a)}`;
}

/**
 * "Assign agent": every agent with their load and presence; the ones who
 * can't take this chat now are listed, not pickable, with why. The list is
 * fetched again each time it opens (presence moves by the second).
 */
export function AssignAgentMenu({ conversationId }: { conversationId: number }) {
  const toast = useToast();
  const [targets, setTargets] = useState<{ visitorPresent: boolean; agents: AssignTarget[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    setError(null);
    try {
      setTargets(await chatModalApi.agents(conversationId));
    } catch (e) {
      setError(errorText(e));
    }
  }, [conversationId]);
  useEffect(() => {
    setTargets(null);
    void load();
  }, [load]);

  async function assign(a: AssignTarget) {
    setBusy(true);
    try {
      await chatModalApi.assign(conversationId, a.id);
      toast(`Assigned to ${a.displayName}.`);
    } catch (e) {
      toast(`Couldn't assign the chat: ${errorText(e)}`, "error");
    } finally {
      setBusy(false);
      void load();
    }
  }

  const noop = () => {};
  const items: MenuItem[] = error
    ? [{ label: "Couldn't load the agents", hint: `${error} Choose to try again.`, onSelect: () => void load() }]
    : !targets
      ? [{ label: "Loading agents…", disabled: true, onSelect: noop }]
      : targets.agents.length === 0
        ? [{ label: "No agents yet", hint: "Add agents on the Agents page.", disabled: true, onSelect: noop }]
        : targets.agents.map((a) => ({
            label: a.displayName,
            hint: agentHint(a, targets.visitorPresent),
            disabled: a.blocker !== null,
            onSelect: () => void assign(a),
          }));

  return <Menu label="Assign agent" align="left" items={items} onOpen={() => void load()} buttonText={busy ? "Assigning…" : "Assign agent"} />;
}
