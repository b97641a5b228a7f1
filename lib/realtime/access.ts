import { eq, inArray } from "drizzle-orm";
import { getDb } from "../../db/client";
import { conversations, users } from "../../db/schema";
import { staffActor } from "../ctx";
import { can } from "../auth/permissions";
import { isSessionIdLive } from "../auth/staff-sessions";
import { canRead } from "../chat/access";
import { CLOSE } from "../constants";
import type { Conn, Hub } from "./hub";
import { room } from "./protocol";

/** A staff socket's inbox rooms follow its actor's rights: every chat, the agents' queue view, or neither; and the agents' status feed. */
export function syncInboxRooms(hub: Hub, conn: Conn) {
  if (conn.identity.kind !== "staff") return;
  const actor = conn.identity.actor;
  hub.join(conn, room.staff(conn.identity.userId));
  const wantAll = can(actor, "chat.view_all");
  const wantAgents = !wantAll && can(actor, "chat.pick_queued");
  if (wantAll) hub.join(conn, room.inboxAll);
  else hub.leave(conn, room.inboxAll);
  if (wantAgents) hub.join(conn, room.inboxAgents);
  else hub.leave(conn, room.inboxAgents);
  // Other agents' presence and load: supervisors only.
  if (can(actor, "agents.presence")) hub.join(conn, room.supervisors);
  else hub.leave(conn, room.supervisors);
}

/**
 * Re-check an open staff socket against the database, after its user's
 * rights changed or one of their devices was signed out. A session that ended
 * (disabled, signed out everywhere, this device signed out or timed out) closes
 * with `signedOut`; a new role closes with `rightsChanged` (the page reloads
 * into the console the user may now use); otherwise the socket's actor is
 * refreshed in place, its inbox rooms follow, and it leaves every chat it may
 * no longer read with a `revoked` frame.
 */
export async function reauthorizeConn(hub: Hub, conn: Conn): Promise<void> {
  const id = conn.identity;
  if (id.kind !== "staff") return;
  const db = await getDb();
  const [user] = await db.select().from(users).where(eq(users.id, id.userId)).limit(1);
  if (!user || user.disabled || user.sessionVersion !== id.sessionVersion) return conn.ws.close(CLOSE.signedOut, "signed out");
  // This device signed out (from another one), or past its idle/absolute limit.
  if (id.sessionId && !(await isSessionIdLive(db, id.sessionId, id.userId, new Date()))) return conn.ws.close(CLOSE.signedOut, "signed out");
  if (user.role !== id.role) return conn.ws.close(CLOSE.rightsChanged, "rights changed");
  id.actor = staffActor(user);
  syncInboxRooms(hub, conn);
  const joined = [...conn.joined];
  if (joined.length === 0) return;
  const rows = await db.select().from(conversations).where(inArray(conversations.id, joined));
  const readable = new Set(rows.filter((c) => canRead(id.actor, c)).map((c) => c.id));
  for (const cid of joined) {
    if (readable.has(cid)) continue;
    hub.leave(conn, room.conversation(cid));
    conn.joined.delete(cid);
    hub.send(conn, { type: "revoked", conversationId: cid });
  }
}
