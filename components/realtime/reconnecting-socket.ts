import { CLOSE } from "@/lib/constants";
import type { ClientMessage, ServerMessage } from "@/lib/realtime/protocol";

/**
 * A WebSocket that comes back by itself, for every browser client (staff
 * consoles, the visitor page, later the widget). Framework-free: React glue
 * lives in StaffSocketProvider / useSocket.
 */

export type SocketState = "connecting" | "open" | "reconnecting" | "signed-out" | "closed";

/** First retry after 0.5 s, doubling per failed attempt… */
export const BACKOFF_INITIAL_MS = 500;
/** …up to 15 s: a console left offline over lunch is back within seconds of the network. */
export const BACKOFF_MAX_MS = 15_000;

/**
 * Delay before reconnect attempt `attempt` (0-based). The jitter spreads it
 * over the upper half of the step, so a server restart doesn't bring every
 * console back in the same instant, yet no retry comes sooner than half the step.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const step = Math.min(BACKOFF_MAX_MS, BACKOFF_INITIAL_MS * 2 ** attempt);
  return step / 2 + random() * (step / 2);
}

/** The part of the WebSocket API this module uses (the browser's, or `ws` in tests). */
export type WebSocketLike = {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
};

export type ReconnectingSocketOptions = {
  /** Called for every attempt, so a changed token or host is picked up on reconnect. */
  url: () => string;
  /** Defaults to the global WebSocket. */
  createSocket?: (url: string) => WebSocketLike;
  random?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** The server says this user's rights changed (CLOSE.rightsChanged); defaults to reloading the page. */
  onRightsChanged?: () => void;
};

/** WebSocket.OPEN, without touching a global that Node 20 doesn't have. */
const OPEN = 1;

type Listener<T> = (value: T) => void;

export class ReconnectingSocket<In = ServerMessage, Out = ClientMessage> {
  private ws: WebSocketLike | null = null;
  private attempt = 0;
  private timer: unknown = null;
  private running = false;
  private current: SocketState = "connecting";
  private readonly frameListeners = new Set<Listener<In>>();
  private readonly openListeners = new Set<Listener<void>>();
  private readonly stateListeners = new Set<Listener<SocketState>>();
  private readonly opts: Required<Omit<ReconnectingSocketOptions, "url">> & Pick<ReconnectingSocketOptions, "url">;

  constructor(opts: ReconnectingSocketOptions) {
    this.opts = {
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
      random: Math.random,
      setTimer: (fn, ms) => setTimeout(fn, ms),
      clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
      onRightsChanged: () => globalThis.location?.reload(),
      ...opts,
    };
  }

  get state(): SocketState {
    return this.current;
  }

  /** Connect (again, after `stop`). Kept out of the constructor so it can be built during render. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.attempt = 0;
    this.setState("connecting");
    this.connect();
  }

  /** Close for good (until `start`); no reconnect. */
  stop(): void {
    this.running = false;
    this.cancelTimer();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = null;
      ws.close(1000);
    }
    this.setState("closed");
  }

  /** Send a frame if the socket is open; false means it was not sent (the caller decides whether to queue it). */
  send(frame: Out): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== OPEN || this.current !== "open") return false;
    ws.send(JSON.stringify(frame));
    return true;
  }

  /** Every parsed frame. Returns the unsubscribe function. */
  onFrame(fn: Listener<In>): () => void {
    return subscribe(this.frameListeners, fn);
  }

  /** Every (re)connect: re-join, re-sync, re-send. */
  onOpen(fn: () => void): () => void {
    return subscribe(this.openListeners, fn);
  }

  onState(fn: Listener<SocketState>): () => void {
    return subscribe(this.stateListeners, fn);
  }

  private connect() {
    if (!this.running) return;
    this.timer = null;
    let ws: WebSocketLike;
    try {
      ws = this.opts.createSocket(this.opts.url());
    } catch {
      // A malformed URL or a blocked constructor: treat it like a failed attempt.
      return this.scheduleRetry();
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.setState("open");
      emit(this.openListeners, undefined);
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws || typeof ev.data !== "string") return;
      let frame: In;
      try {
        frame = JSON.parse(ev.data) as In;
      } catch {
        return;
      }
      emit(this.frameListeners, frame);
    };
    // The close event that follows carries the code; the error event itself says nothing useful.
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (!this.running) return;
      if (ev.code === CLOSE.signedOut) {
        this.running = false;
        return this.setState("signed-out");
      }
      if (ev.code === CLOSE.rightsChanged) {
        // This page was built for rights the user no longer has; the server routes the reload.
        this.running = false;
        this.setState("closed");
        return this.opts.onRightsChanged();
      }
      this.scheduleRetry();
    };
  }

  private scheduleRetry() {
    this.setState("reconnecting");
    const delay = backoffDelay(this.attempt++, this.opts.random);
    this.timer = this.opts.setTimer(() => this.connect(), delay);
  }

  private cancelTimer() {
    if (this.timer !== null) this.opts.clearTimer(this.timer);
    this.timer = null;
  }

  private setState(s: SocketState) {
    if (this.current === s) return;
    this.current = s;
    emit(this.stateListeners, s);
  }
}

function subscribe<T>(set: Set<Listener<T>>, fn: Listener<T>): () => void {
  set.add(fn);
  return () => void set.delete(fn);
}

/** One throwing listener must not starve the others; its error still surfaces. */
function emit<T>(set: Set<Listener<T>>, value: T) {
  for (const fn of [...set]) {
    try {
      fn(value);
    } catch (err) {
      queueMicrotask(() => {
        throw err;
      });
    }
  }
}

/** `ws(s)://<this host>/ws` plus a query string ("" for staff, who use the session cookie). */
export function wsUrl(query = ""): string {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  return `${proto}//${location.host}/ws${query}`;
}
