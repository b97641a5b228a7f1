import type { Db } from "../../db/client";
import { getHub } from "../realtime/hub";
import { publishConversations } from "../realtime/publish";
import { drainQueue, type Assignment } from "./assign";
import { markSignedOut, setStaffConnections } from "../realtime/presence";
import { sweepAgentGrace, sweepInactiveAgents, sweepOfflineVisitors, type Release } from "./sweepers";

export { drainQueue, pickConversation, reassignConversation, agentOnline, type Assignment } from "./assign";
export { setOnBreak } from "./break";
export { setStaffConnections, heartbeatPresence, markSignedOut } from "../realtime/presence";
export { sweepAgentGrace, sweepInactiveAgents, sweepOfflineVisitors, type Release } from "./sweepers";

/** Tell everyone concerned (new owner, old owner, inboxes, the chat's room) after commit. */
export async function publishRouting(db: Db, changes: (Assignment | Release)[]) {
  if (changes.length === 0) return;
  const ids = [...new Set(changes.map((c) => c.conversationId))];
  const prev = [...new Set(changes.map((c) => c.previousAgentId).filter((x): x is number => x !== null))];
  await publishConversations(db, ids, prev);
}

/** Hand out queued chats now (capacity appeared), then publish. */
export async function drainAndPublish(db: Db, now = new Date()): Promise<Assignment[]> {
  const done = await drainQueue(db, now);
  await publishRouting(db, done);
  return done;
}

/** The routing sweepers as scheduler jobs (server.ts schedules them). */
export function routingJobs(db: Db) {
  return [
    {
      name: "visitor-offline",
      everyMs: 2_000,
      run: async (now: Date) => {
        const released = await sweepOfflineVisitors({ db, now });
        await publishRouting(db, released);
        if (released.some((r) => r.status === "queued")) await drainAndPublish(db, now);
      },
    },
    {
      name: "agent-grace",
      everyMs: 5_000,
      run: async (now: Date) => {
        const released = await sweepAgentGrace({ db, now });
        await publishRouting(db, released);
        if (released.length) await drainAndPublish(db, now);
      },
    },
    {
      name: "agent-inactivity",
      everyMs: 30_000,
      run: async (now: Date) => {
        const { userIds, released } = await sweepInactiveAgents({ db, now });
        for (const id of userIds) getHub()?.kickUser(id);
        await publishRouting(db, released);
        if (released.length) await drainAndPublish(db, now);
      },
    },
    // Safety net: capacity can appear in ways no event announces (another instance, a visitor's return).
    { name: "queue-drain", everyMs: 5_000, run: (now: Date) => drainAndPublish(db, now) },
  ];
}

/** A staff console connection opened or closed on this instance. */
export async function staffConnectionsChanged(db: Db, p: { userId: number; role: string; instanceId: string; connections: number }) {
  const now = new Date();
  const { online } = await setStaffConnections(db, { ...p, now });
  // An agent coming online drains the queue, oldest first.
  if (online && p.role === "agent" && p.connections > 0) await drainAndPublish(db, now);
}

/** A staff member signed out: their open chats go back to the queue now (no 30 s grace), then the queue drains. */
export async function staffSignedOut(db: Db, userId: number, now = new Date()) {
  await markSignedOut(db, [userId], now);
  const released = await sweepAgentGrace({ db, now });
  await publishRouting(db, released);
  if (released.length) await drainAndPublish(db, now);
}
