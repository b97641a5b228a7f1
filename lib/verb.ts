import type { ChatFrame, MessageDTO } from "./wire";

/**
 * What a committed state change asks the outside world to hear about. Domain
 * verbs build these and return them; `applyEffects` (lib/effects.ts) carries
 * them out after commit. Nothing in a domain folder touches the hub.
 */
export type Effects = {
  /** Stored messages to fan out to the chat's room and the inboxes that list it. */
  messages: { message: MessageDTO; assigneeId: number | null }[];
  /** Conversations whose state changed; their previous owner hears about it too. */
  conversations: { id: number; previousAssigneeId?: number | null }[];
  /** Frames for everyone in one chat: receipts, typing, "moved". */
  chatFrames: ChatFrame[];
  /** Capacity may have appeared (a slot freed, an agent came back): hand out queued chats. */
  drain: boolean;
  /** Who can answer changed (an agent came, left, took a break): queued visitors hear their position and availability again. */
  queueChanged: boolean;
  /** Sessions ended: close these users' sockets on every instance. */
  signOut: number[];
  /** Single devices signed out: close the sockets of exactly these sessions, on every instance. */
  endSessions: { userId: number; sessionId: string }[];
  /** Rights changed: re-authorise these users' open sockets on every instance. */
  reauthorize: number[];
  /**
   * Agents whose presence, break or limits changed: supervisors hear their new status.
   * Load changes need no entry: the assignees of `conversations` (and the users of
   * `signOut` and `reauthorize`) are announced with them.
   */
  agentsChanged: number[];
};

/** A verb's answer: what it did, and what must follow once it has committed. */
export type VerbResult<T> = { result: T; effects: Effects };

export function noEffects(): Effects {
  return { messages: [], conversations: [], chatFrames: [], drain: false, queueChanged: false, signOut: [], endSessions: [], reauthorize: [], agentsChanged: [] };
}

/** Build effects from a partial description. */
export function effects(p: Partial<Effects> = {}): Effects {
  return { ...noEffects(), ...p };
}

/** Combine the effects of several verbs run in one transaction. */
export function mergeEffects(...all: Effects[]): Effects {
  const out = noEffects();
  for (const e of all) {
    out.messages.push(...e.messages);
    out.conversations.push(...e.conversations);
    out.chatFrames.push(...e.chatFrames);
    out.drain ||= e.drain;
    out.queueChanged ||= e.queueChanged;
    out.signOut.push(...e.signOut);
    out.endSessions.push(...e.endSessions);
    out.reauthorize.push(...e.reauthorize);
    out.agentsChanged.push(...e.agentsChanged);
  }
  return out;
}

export function isEmpty(e: Effects): boolean {
  return (
    e.messages.length === 0 &&
    e.conversations.length === 0 &&
    e.chatFrames.length === 0 &&
    !e.drain &&
    !e.queueChanged &&
    e.signOut.length === 0 &&
    e.endSessions.length === 0 &&
    e.reauthorize.length === 0 &&
    e.agentsChanged.length === 0
  );
}
