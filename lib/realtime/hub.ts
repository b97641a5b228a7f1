import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer } from "ws";
import { logger } from "../logger";
import { strikeSubject } from "../security/client-ip";
import { peekSingleton, setSingleton } from "../singleton";
import { memoryBackplane, type Backplane, type Envelope } from "./backplane";
import type { StaffActor } from "../ctx";
import { CLOSE, MAX_FRAME_BYTES } from "../constants";
import type { ServerMessage } from "./protocol";

export type Identity =
  /**
   * `actor` is refreshed in place when the user's rights change (see `reauthorizeUser`).
   * `sessionId`: the device's session (its cookie's sid), so signing that one device out
   * closes exactly its sockets; set by every cookie upgrade (absent only for identities
   * that tests and benchmarks build by hand).
   */
  | { kind: "staff"; userId: number; role: "admin" | "manager" | "agent" | "qa"; actor: StaffActor; sessionVersion: number; sessionId?: string }
  | { kind: "visitor"; visitorId: number; projectId: number };

export type Conn = {
  id: string;
  ws: WebSocket;
  identity: Identity;
  rooms: Set<string>;
  isAlive: boolean;
  ip: string;
  /** Conversations this connection joined (typing and receipts need it; write access is checked per frame). */
  joined: Set<number>;
};

/** Open sockets one address may hold: a household or office behind one NAT, with a tab or two each. */
export const MAX_SOCKETS_PER_IP = 100;
/** How long an upgrade may take to authenticate before it is dropped. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export type Authenticate = (req: IncomingMessage, url: URL) => Promise<Identity | null>;
export type Dispatch = (conn: Conn, raw: string) => Promise<void> | void;
/** Re-check an open staff socket against the database (its rights changed). */
export type Reauthorize = (hub: Hub, conn: Conn) => Promise<void>;
export type Lifecycle = {
  onOpen?: (conn: Conn) => void | Promise<void>;
  /** Called after the connection left every room; `rooms` is what it had joined. */
  onClose?: (conn: Conn, rooms: string[]) => void | Promise<void>;
};

/**
 * The WebSocket hub: connections, rooms and fan-out. It knows nothing about
 * chats; `dispatch` (lib/realtime/dispatch.ts) turns frames into domain calls
 * and publishes their results. Created once, by server.ts.
 */
export class Hub {
  readonly instanceId = randomUUID();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false });
  private readonly conns = new Set<Conn>();
  private readonly rooms = new Map<string, Set<Conn>>();
  private readonly byUser = new Map<number, Set<Conn>>();
  /** Open sockets per client address (an IPv6 /64 counts as one). */
  private readonly byIp = new Map<string, number>();
  private heartbeat: NodeJS.Timeout;
  private closing = false;
  /** Lifecycle work in flight (presence writes), awaited on shutdown before the db closes. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly opts: {
      authenticate: Authenticate;
      dispatch: Dispatch;
      reauthorize?: Reauthorize;
      lifecycle?: Lifecycle;
      backplane?: Backplane;
      heartbeatMs?: number;
      maxSocketsPerIp?: number;
      handshakeTimeoutMs?: number;
      clientIp: (req: IncomingMessage) => string;
    },
    private readonly backplane: Backplane = opts.backplane ?? memoryBackplane(),
  ) {
    this.backplane.onMessage((env) => this.deliverLocal(env));
    // ws README: ping every interval, drop sockets that missed the last pong.
    this.heartbeat = setInterval(() => {
      for (const c of this.conns) {
        if (!c.isAlive) {
          c.ws.terminate();
          continue;
        }
        c.isAlive = false;
        try {
          c.ws.ping();
        } catch {
          /* socket already gone */
        }
      }
    }, opts.heartbeatMs ?? 25_000);
    this.heartbeat.unref();
  }

  get size() {
    return this.conns.size;
  }

  /** Authenticate first, then upgrade; otherwise a bare 401 and destroy. */
  async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", () => {});
    if (this.closing) return reject(socket, 503);
    const ip = this.opts.clientIp(req);
    // One address can't hold thousands of sockets (counted per IPv6 /64, like strikes).
    const max = this.opts.maxSocketsPerIp ?? MAX_SOCKETS_PER_IP;
    if ((this.byIp.get(strikeSubject(ip)) ?? 0) >= max) return reject(socket, 429);
    let identity: Identity | null = null;
    let timer: NodeJS.Timeout | undefined;
    try {
      const url = new URL(req.url ?? "/", "http://localhost");
      // A handshake that can't be authenticated in time is dropped, not left hanging.
      const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), this.opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS)));
      identity = await Promise.race([this.opts.authenticate(req, url), timeout]);
    } catch (err) {
      logger.warn({ err }, "ws authenticate failed");
    } finally {
      clearTimeout(timer);
    }
    if (!identity) return reject(socket, 401);
    if (socket.destroyed) return;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, identity!, ip));
  }

  /** Close every local socket whose address is now blocked (a block on any instance reaches this one through its refresh). */
  closeBlocked(isBlocked: (ip: string) => boolean) {
    for (const c of this.conns) if (c.ip && isBlocked(c.ip)) c.ws.close(1008, "blocked");
  }

  private onConnection(ws: WebSocket, identity: Identity, ip: string) {
    const conn: Conn = { id: randomUUID(), ws, identity, rooms: new Set(), isAlive: true, ip, joined: new Set() };
    this.conns.add(conn);
    const subject = strikeSubject(ip);
    this.byIp.set(subject, (this.byIp.get(subject) ?? 0) + 1);
    if (identity.kind === "staff") {
      let set = this.byUser.get(identity.userId);
      if (!set) this.byUser.set(identity.userId, (set = new Set()));
      set.add(conn);
    }
    ws.on("pong", () => (conn.isAlive = true));
    ws.on("error", (err) => logger.debug({ err }, "ws socket error"));
    ws.on("message", (data, isBinary) => {
      conn.isAlive = true;
      if (isBinary) return this.send(conn, { type: "error", code: "bad_request", message: "Binary frames are not accepted." });
      void Promise.resolve(this.opts.dispatch(conn, data.toString())).catch((err) =>
        logger.error({ err }, "ws dispatch failed"),
      );
    });
    ws.on("close", () => {
      this.conns.delete(conn);
      const left = (this.byIp.get(subject) ?? 1) - 1;
      if (left > 0) this.byIp.set(subject, left);
      else this.byIp.delete(subject);
      const rooms = [...conn.rooms];
      for (const r of rooms) this.leave(conn, r);
      if (identity.kind === "staff") {
        const set = this.byUser.get(identity.userId);
        set?.delete(conn);
        if (set && set.size === 0) this.byUser.delete(identity.userId);
      }
      this.track(this.opts.lifecycle?.onClose?.(conn, rooms), "ws onClose failed");
    });
    this.send(conn, {
      type: "hello",
      role: identity.kind === "staff" ? identity.role : "visitor",
      ...(identity.kind === "staff" ? { userId: identity.userId } : { visitorId: identity.visitorId }),
    });
    this.track(this.opts.lifecycle?.onOpen?.(conn), "ws onOpen failed");
  }

  private track(p: void | Promise<void> | undefined, what: string) {
    const q = Promise.resolve(p).catch((err) => logger.error({ err }, what));
    this.pending.add(q);
    void q.finally(() => this.pending.delete(q));
  }

  join(conn: Conn, room: string) {
    if (conn.rooms.has(room)) return;
    conn.rooms.add(room);
    let set = this.rooms.get(room);
    if (!set) this.rooms.set(room, (set = new Set()));
    set.add(conn);
  }

  leave(conn: Conn, room: string) {
    conn.rooms.delete(room);
    const set = this.rooms.get(room);
    if (!set) return;
    set.delete(conn);
    if (set.size === 0) this.rooms.delete(room);
  }

  /** Local connections of a staff user (for presence and room joins after assignment). */
  userConns(userId: number): Conn[] {
    return [...(this.byUser.get(userId) ?? [])];
  }

  /** Live console connections per staff user on this instance (presence heartbeats write these). */
  staffConnectionCounts(): Map<number, number> {
    return new Map([...this.byUser].map(([u, set]) => [u, set.size]));
  }

  /** Connections in a room on this instance. */
  roomConns(room: string): Conn[] {
    return [...(this.rooms.get(room) ?? [])];
  }

  send(conn: Conn, msg: ServerMessage | Record<string, unknown>) {
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(JSON.stringify(msg));
  }

  /** Fan a message out to a room on every instance; encoded once. */
  publish(room: string, msg: ServerMessage | Record<string, unknown>, exceptConn?: string) {
    this.backplane.publish({ kind: "room", room, data: JSON.stringify(msg), exceptConn });
  }

  /** Fan a message out to several rooms at once; each connection receives it once. */
  publishMany(rooms: string[], msg: ServerMessage | Record<string, unknown>, exceptConn?: string) {
    this.backplane.publish({ kind: "rooms", rooms, data: JSON.stringify(msg), exceptConn });
  }

  /** Re-authorise every open socket of a user on every instance (role, toggles or access changed). */
  reauthorizeUser(userId: number) {
    this.backplane.publish({ kind: "reauth", userId });
  }

  /** Close every socket of a user on every instance (session ended). */
  kickUser(userId: number, code: number = CLOSE.signedOut, reason = "signed out") {
    this.backplane.publish({ kind: "kick", userId, code, reason });
  }

  private deliverLocal(env: Envelope) {
    if (env.kind === "room") {
      const set = this.rooms.get(env.room);
      if (!set) return;
      for (const c of set) {
        if (c.id !== env.exceptConn && c.ws.readyState === WebSocket.OPEN) c.ws.send(env.data);
      }
    } else if (env.kind === "rooms") {
      const seen = new Set<Conn>();
      for (const r of env.rooms) {
        for (const c of this.rooms.get(r) ?? []) {
          if (seen.has(c)) continue;
          seen.add(c);
          if (c.id !== env.exceptConn && c.ws.readyState === WebSocket.OPEN) c.ws.send(env.data);
        }
      }
    } else if (env.kind === "kick") {
      for (const c of this.byUser.get(env.userId) ?? []) c.ws.close(env.code, env.reason);
    } else if (env.kind === "reauth") {
      const reauthorize = this.opts.reauthorize;
      if (!reauthorize) return;
      for (const c of this.byUser.get(env.userId) ?? []) this.track(reauthorize(this, c), "ws reauthorize failed");
    }
  }

  /** Shutdown: refuse new upgrades, close every socket with 1012 (clients reconnect). */
  async close(): Promise<void> {
    this.closing = true;
    clearInterval(this.heartbeat);
    for (const c of this.conns) c.ws.close(CLOSE.restart, "server restarting");
    await new Promise((r) => setTimeout(r, 50));
    for (const c of this.conns) c.ws.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
    await new Promise((r) => setImmediate(r));
    await Promise.allSettled([...this.pending]);
    await this.backplane.close();
  }
}

function reject(socket: Duplex, status: number) {
  const text = status === 401 ? "Unauthorized" : status === 403 ? "Forbidden" : status === 429 ? "Too Many Requests" : "Service Unavailable";
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

/** The process's hub, if server.ts created one (route handlers publish through it). */
export function getHub(): Hub | undefined {
  return peekSingleton<Hub>("hub");
}

export function setHub(hub: Hub | undefined) {
  setSingleton("hub", hub);
}
