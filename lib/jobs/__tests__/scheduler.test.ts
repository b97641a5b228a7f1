import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { logger } from "../../logger";
import { startScheduler } from "../scheduler";

/** A promise the test resolves or rejects by hand. */
function deferred() {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

let stopFns: (() => Promise<void>)[] = [];
function start(...args: Parameters<typeof startScheduler>) {
  const s = startScheduler(...args);
  stopFns.push(() => s.stop());
  return s;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(async () => {
  for (const stop of stopFns.splice(0)) await stop().catch(() => {});
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("startScheduler", () => {
  it("runs a job every interval with the current time", async () => {
    const seen: number[] = [];
    start([{ name: "tick", everyMs: 1000, run: async (now) => void seen.push(now.getTime()) }]);
    expect(seen).toHaveLength(0);
    const t0 = Date.now();
    await vi.advanceTimersByTimeAsync(3000);
    expect(seen).toEqual([t0 + 1000, t0 + 2000, t0 + 3000]);
  });

  it("never overlaps two runs of one job", async () => {
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const gates: ReturnType<typeof deferred>[] = [];
    start([
      {
        name: "slow",
        everyMs: 100,
        run: async () => {
          runs++;
          running++;
          maxRunning = Math.max(maxRunning, running);
          const g = deferred();
          gates.push(g);
          await g.promise;
          running--;
        },
      },
    ]);
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toBe(1);
    // Ten more intervals pass while the first run is still going.
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(1);
    expect(maxRunning).toBe(1);
    gates[0].resolve();
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toBe(2);
    gates[1].resolve();
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toBe(3);
    expect(maxRunning).toBe(1);
    gates[2].resolve();
  });

  it("different jobs run independently", async () => {
    const gate = deferred();
    let fast = 0;
    start([
      { name: "stuck", everyMs: 100, run: () => gate.promise },
      { name: "fast", everyMs: 100, run: async () => void fast++ },
    ]);
    await vi.advanceTimersByTimeAsync(500);
    expect(fast).toBe(5);
    gate.resolve();
  });

  it("an error is logged and does not stop later runs", async () => {
    const errors = vi.spyOn(logger, "error").mockImplementation(() => undefined);
    let runs = 0;
    start([
      {
        name: "flaky",
        everyMs: 100,
        run: async () => {
          runs++;
          if (runs <= 2) throw new Error(`boom ${runs}`);
        },
      },
    ]);
    await vi.advanceTimersByTimeAsync(400);
    expect(runs).toBe(4);
    expect(errors).toHaveBeenCalledTimes(2);
    expect(errors.mock.calls[0][0]).toMatchObject({ job: "flaky" });
  });

  it("a synchronous throw is isolated too", async () => {
    vi.spyOn(logger, "error").mockImplementation(() => undefined);
    let runs = 0;
    start([
      {
        name: "sync-throw",
        everyMs: 100,
        run: () => {
          runs++;
          throw new Error("sync");
        },
      },
    ]);
    await vi.advanceTimersByTimeAsync(300);
    expect(runs).toBe(3);
  });

  it("stop() waits for the run in flight and no run starts afterwards", async () => {
    const gate = deferred();
    let runs = 0;
    let finished = false;
    const s = start([
      {
        name: "long",
        everyMs: 100,
        run: async () => {
          runs++;
          await gate.promise;
          finished = true;
        },
      },
    ]);
    await vi.advanceTimersByTimeAsync(100);
    expect(runs).toBe(1);
    let stopped = false;
    const stopping = s.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(1000);
    expect(stopped).toBe(false);
    expect(finished).toBe(false);
    gate.resolve();
    await stopping;
    expect(finished).toBe(true);
    expect(stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(runs).toBe(1);
  });

  it("stop() also waits for a run that fails", async () => {
    vi.spyOn(logger, "error").mockImplementation(() => undefined);
    const gate = deferred();
    const s = start([{ name: "failing", everyMs: 100, run: () => gate.promise }]);
    await vi.advanceTimersByTimeAsync(100);
    let stopped = false;
    const stopping = s.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    gate.reject(new Error("late failure"));
    await stopping;
    expect(stopped).toBe(true);
  });

  it("skips runs while shouldRun() says no (not the leader)", async () => {
    let leader = false;
    let runs = 0;
    start([{ name: "leader-only", everyMs: 100, run: async () => void runs++ }], { shouldRun: () => leader });
    await vi.advanceTimersByTimeAsync(300);
    expect(runs).toBe(0);
    leader = true;
    await vi.advanceTimersByTimeAsync(200);
    expect(runs).toBe(2);
  });

  it("does not keep the process alive (timers are unref'd)", () => {
    vi.useRealTimers();
    const spy = vi.spyOn(globalThis, "setInterval");
    start([{ name: "x", everyMs: 60_000, run: async () => {} }]);
    const timer = spy.mock.results[0].value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
  });
});
