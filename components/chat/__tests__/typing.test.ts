import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TYPING_CLEAR_MS, TYPING_SEND_EVERY_MS } from "@/lib/constants";
import { TypingExpiry, TypingSender } from "../typing";

/**
 * Both ends wired together as the server would (every frame arrives at once),
 * so each test reads as the product brief: what the other side's pill shows
 * while someone types, pauses and sends.
 */
function wire() {
  const frames: { at: number; on: boolean }[] = [];
  let pill = false;
  const expiry = new TypingExpiry(() => (pill = false));
  let socketOpen = true;
  const sender = new TypingSender((on) => {
    if (!socketOpen) return false;
    frames.push({ at: Date.now() - T0, on });
    pill = on;
    expiry.frame(on);
    return true;
  });
  return {
    sender,
    frames,
    pill: () => pill,
    /** Their message arrived: the pill goes at once (chat-sync), and so does the safety clear. */
    messageArrived: () => {
      pill = false;
      expiry.cancel();
    },
    setSocketOpen: (open: boolean) => (socketOpen = open),
  };
}

const T0 = Date.parse("2026-12-01T10:00:00Z");
beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
});
afterEach(() => vi.useRealTimers());

/** Keystrokes every `every` ms for `ms` ms, starting now (the first one at once). */
function typeFor(sender: TypingSender, ms: number, every = 150) {
  for (let t = 0; t < ms; t += every) {
    sender.keystroke();
    vi.advanceTimersByTime(every);
  }
}

describe("typing: the sender", () => {
  it("says 'on' at the first keystroke and then at most every TYPING_SEND_EVERY_MS while typing goes on", () => {
    const w = wire();
    typeFor(w.sender, 7_000);
    const ons = w.frames.filter((f) => f.on).map((f) => f.at);
    expect(ons[0]).toBe(0);
    for (let i = 1; i < ons.length; i++) expect(ons[i] - ons[i - 1]).toBeGreaterThanOrEqual(TYPING_SEND_EVERY_MS);
    // Continuous typing keeps a fresh "on" going out: never more than one window plus a keystroke apart.
    for (let i = 1; i < ons.length; i++) expect(ons[i] - ons[i - 1]).toBeLessThanOrEqual(TYPING_SEND_EVERY_MS + 150);
    expect(w.frames.some((f) => !f.on)).toBe(false);
  });

  it("sends a trailing 'on' for keystrokes inside a throttle window, so the last 'on' is never older than the last keystroke", () => {
    const w = wire();
    w.sender.keystroke(); // on at 0
    vi.advanceTimersByTime(1_900);
    w.sender.keystroke(); // throttled…
    vi.advanceTimersByTime(100); // …until the window ends at 2 000
    expect(w.frames).toEqual([
      { at: 0, on: true },
      { at: 2_000, on: true },
    ]);
    // No keystroke in the next window: no more frames until the idle "off".
    vi.advanceTimersByTime(TYPING_SEND_EVERY_MS);
    expect(w.frames).toHaveLength(2);
  });

  it("says 'off' TYPING_CLEAR_MS after the last keystroke, not before", () => {
    const w = wire();
    w.sender.keystroke();
    vi.advanceTimersByTime(800);
    w.sender.keystroke(); // the last one, at 800
    vi.advanceTimersByTime(TYPING_CLEAR_MS - 1);
    expect(w.frames.some((f) => !f.on)).toBe(false);
    vi.advanceTimersByTime(1);
    expect(w.frames.at(-1)).toEqual({ at: 800 + TYPING_CLEAR_MS, on: false });
  });

  it("says 'off' at once when the message is sent, and nothing more afterwards", () => {
    const w = wire();
    w.sender.keystroke();
    vi.advanceTimersByTime(1_000);
    w.sender.keystroke();
    w.sender.stop();
    expect(w.frames).toEqual([
      { at: 0, on: true },
      { at: 1_000, on: false },
    ]);
    vi.advanceTimersByTime(10_000);
    expect(w.frames).toHaveLength(2);
    // Nothing typed, nothing to take back.
    w.sender.stop();
    expect(w.frames).toHaveLength(2);
  });

  it("tries again at the next keystroke when the socket couldn't carry the 'on'", () => {
    const w = wire();
    w.setSocketOpen(false);
    w.sender.keystroke();
    expect(w.frames).toEqual([]);
    w.setSocketOpen(true);
    vi.advanceTimersByTime(300);
    w.sender.keystroke();
    expect(w.frames).toEqual([{ at: 300, on: true }]);
  });
});

describe("typing: what the other side sees", () => {
  it("stays on across pauses shorter than 5 s (no flicker) and clears 5 s after the last keystroke", () => {
    const w = wire();
    const seen: boolean[] = [];
    const watch = () => seen.push(w.pill());
    // Type 2 s, pause 3 s, type 1 s, pause 4.95 s, type a word: on the whole time.
    typeFor(w.sender, 2_000);
    for (let i = 0; i < 30; i++) (vi.advanceTimersByTime(100), watch());
    typeFor(w.sender, 1_000);
    for (let i = 0; i < 48; i++) (vi.advanceTimersByTime(100), watch());
    w.sender.keystroke();
    const lastKey = Date.now() - T0;
    expect(seen.every(Boolean)).toBe(true);
    expect(w.pill()).toBe(true);

    vi.advanceTimersByTime(TYPING_CLEAR_MS - 1);
    expect(w.pill()).toBe(true);
    vi.advanceTimersByTime(1);
    expect(w.pill()).toBe(false);
    expect(Date.now() - T0 - lastKey).toBe(TYPING_CLEAR_MS);
  });

  it("clears at once when their message arrives", () => {
    const w = wire();
    w.sender.keystroke();
    vi.advanceTimersByTime(500);
    w.messageArrived();
    w.sender.stop();
    expect(w.pill()).toBe(false);
  });

  it("clears by itself TYPING_CLEAR_MS after the last 'on' when the 'off' is lost", () => {
    let pill = true;
    const expiry = new TypingExpiry(() => (pill = false));
    expiry.frame(true);
    vi.advanceTimersByTime(1_500);
    expiry.frame(true); // the next "on" restarts the clock
    vi.advanceTimersByTime(TYPING_CLEAR_MS - 1);
    expect(pill).toBe(true);
    vi.advanceTimersByTime(1);
    expect(pill).toBe(false);
  });

  it("an 'off' cancels the safety clear", () => {
    const expire = vi.fn();
    const expiry = new TypingExpiry(expire);
    expiry.frame(true);
    expiry.frame(false);
    vi.advanceTimersByTime(TYPING_CLEAR_MS * 2);
    expect(expire).not.toHaveBeenCalled();
  });
});
