import { TYPING_CLEAR_MS, TYPING_SEND_EVERY_MS } from "@/lib/constants";

/**
 * The typing indicator's timing, both ends, apart from React and sockets so
 * fake timers can test it. Product brief: the pill stays on while the other
 * side keeps typing (pauses under 5 s) and clears 5 s after the last keystroke.
 *
 * Sender: "on" at the first keystroke, then at most every TYPING_SEND_EVERY_MS
 * while keystrokes continue, with a trailing "on" for keystrokes inside a
 * throttle window, so the last "on" is never older than the last keystroke.
 * "off" only when the message is sent (or the chat is left) or after
 * TYPING_CLEAR_MS without a keystroke.
 *
 * Receiver: clear TYPING_CLEAR_MS after the last "on". Since that "on" is no
 * older than the last keystroke, the safety clear never beats the sender's
 * own "off", and a lost "off" still clears within TYPING_SEND_EVERY_MS of it.
 */
export type TypingClock = {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

const realClock: TypingClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export class TypingSender {
  private on = false;
  private lastSent = 0;
  private lastKey = 0;
  private trailing: unknown = null;
  private idle: unknown = null;

  /** `send` returns false when the frame couldn't go out (socket closed): the next keystroke tries again. */
  constructor(
    private readonly send: (on: boolean) => boolean,
    private readonly clock: TypingClock = realClock,
  ) {}

  /** Call on every keystroke that leaves text in the box. */
  keystroke(): void {
    const now = this.clock.now();
    this.lastKey = now;
    if (!this.on || now - this.lastSent >= TYPING_SEND_EVERY_MS) this.sendOn(now);
    else if (this.trailing === null) {
      this.trailing = this.clock.setTimeout(() => {
        this.trailing = null;
        if (this.on && this.lastKey > this.lastSent) this.sendOn(this.clock.now());
      }, this.lastSent + TYPING_SEND_EVERY_MS - now);
    }
    if (this.idle !== null) this.clock.clearTimeout(this.idle);
    this.idle = this.clock.setTimeout(() => this.stop(), TYPING_CLEAR_MS);
  }

  /** The message went out, the chat closed or was left, or the typist went quiet: "off" if "on" was said. */
  stop(): void {
    this.clearTimers();
    if (this.on) this.send(false);
    this.on = false;
    this.lastSent = 0;
  }

  /** Forget without a frame (the socket that carried "on" is gone; the other side cleared on disconnect). */
  reset(): void {
    this.clearTimers();
    this.on = false;
    this.lastSent = 0;
  }

  private sendOn(now: number) {
    if (this.send(true)) {
      this.on = true;
      this.lastSent = now;
    }
  }

  private clearTimers() {
    if (this.trailing !== null) this.clock.clearTimeout(this.trailing);
    if (this.idle !== null) this.clock.clearTimeout(this.idle);
    this.trailing = null;
    this.idle = null;
  }
}

/** The receiving end's safety clear: `expire` runs TYPING_CLEAR_MS after the last "on" unless an "off" (or their message) came first. */
export class TypingExpiry {
  private timer: unknown = null;

  constructor(
    private readonly expire: () => void,
    private readonly clock: TypingClock = realClock,
  ) {}

  /** A typing frame from the other side. */
  frame(on: boolean): void {
    this.cancel();
    if (on) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.expire();
      }, TYPING_CLEAR_MS);
    }
  }

  cancel(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
