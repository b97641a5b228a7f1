import { monitorEventLoopDelay } from "node:perf_hooks";
import { cpuBetween, sampleCpu, type CpuUse } from "./cpu";
import { summarize, type Summary } from "./stats";

/**
 * The load generator shared by the full-stack run and the echo baseline:
 * - closed loop: every "lane" (a conversation, or an echo socket) sends its
 *   next message as soon as the previous one is acknowledged, so exactly one
 *   message per lane is in flight and N lanes = N in flight;
 * - paced (open loop): `rate` messages per second spread round-robin over the
 *   lanes, skipping a lane whose previous message is still unacknowledged.
 * It is bounded by a message count and a timeout.
 */
export type Lane = {
  /** Send message number `seq` of this lane; return the key the replies will carry. */
  send(seq: number): string;
};

const TICK_MS = 2;

export type Sample = { t0: number; ack?: number; deliver?: number; tick?: number; lane: number; msgId?: number };

export type LoadPlan =
  | { kind: "closed"; total: number }
  | { kind: "paced"; total: number; rate: number };

export type LoadResult = {
  samples: Sample[];
  wallMs: number;
  cpuMs: number;
  /** Cores in use during the run: this process, PostgreSQL, everything else. */
  cpu: CpuUse;
  loopDelay: { p50: number; p99: number; max: number };
  skipped: number;
};

/**
 * Drives lanes and collects timestamps. The caller routes frames in by
 * calling `ack(key, msgId)`, `deliver(key)` and `tick(lane, upToId)`; a
 * message is complete once every stage in `needs` has a timestamp.
 */
export class LoadRun {
  private pending = new Map<string, Sample>();
  private awaitingTick: Sample[][];
  private seq: number[];
  private quota: number[];
  private busy: boolean[];
  private done = 0;
  private sent = 0;
  private finish?: () => void;
  readonly samples: Sample[] = [];
  duplicates = 0;
  unknown = 0;

  constructor(
    private readonly lanes: Lane[],
    private readonly plan: LoadPlan,
    private readonly needs: { deliver: boolean; tick: boolean },
  ) {
    this.awaitingTick = lanes.map(() => []);
    this.seq = lanes.map(() => 0);
    this.busy = lanes.map(() => false);
    const n = lanes.length;
    this.quota = lanes.map((_, i) => (plan.kind === "closed" ? Math.floor(plan.total / n) + (i < plan.total % n ? 1 : 0) : Infinity));
  }

  private sendOn(lane: number, scheduledAt?: number) {
    const s: Sample = { t0: 0, lane };
    this.busy[lane] = true;
    this.sent++;
    this.quota[lane]--;
    const key = this.lanes[lane].send(this.seq[lane]++);
    // t0 is taken by the lane right before ws.send via `stamp`; fall back to now. A paced
    // message counts from when it was due (beyond the 2 ms timer tick): if the shared event
    // loop was stalled, a remote client would have sent it on time and waited (no
    // coordinated omission).
    const actual = this.stamped ?? performance.now();
    s.t0 = scheduledAt === undefined ? actual : Math.min(actual, scheduledAt + TICK_MS);
    this.stamped = undefined;
    this.pending.set(key, s);
    this.samples.push(s);
  }

  private stamped?: number;
  /** Lanes call this right before ws.send (after encoding) for a tighter t0. */
  stamp() {
    this.stamped = performance.now();
  }

  ack(key: string, now: number, msgId?: number) {
    const s = this.pending.get(key);
    if (!s) return void this.unknown++;
    if (s.ack !== undefined) return void this.duplicates++;
    s.ack = now;
    s.msgId = msgId;
    if (this.needs.tick) this.awaitingTick[s.lane].push(s);
    this.busy[s.lane] = false;
    this.check(key, s);
    if (this.plan.kind === "closed" && this.quota[s.lane] > 0) this.sendOn(s.lane);
  }

  /** Returns false when this key was already delivered (a duplicate frame). */
  deliver(key: string, now: number): boolean {
    const s = this.pending.get(key);
    if (!s) {
      this.unknown++;
      return true;
    }
    if (s.deliver !== undefined) {
      this.duplicates++;
      return false;
    }
    s.deliver = now;
    this.check(key, s);
    return true;
  }

  tick(lane: number, upToId: number, now: number) {
    const list = this.awaitingTick[lane];
    while (list.length && (list[0].msgId ?? Infinity) <= upToId) {
      const s = list.shift()!;
      s.tick = now;
      this.check(undefined, s);
    }
  }

  private check(_key: string | undefined, s: Sample) {
    if (s.ack === undefined) return;
    if (this.needs.deliver && s.deliver === undefined) return;
    if (this.needs.tick && s.tick === undefined) return;
    this.done++;
    if (this.done === this.plan.total) this.finish?.();
  }

  get progress() {
    return `${this.done}/${this.plan.total} complete, ${this.sent} sent`;
  }

  async run(timeoutMs: number): Promise<LoadResult> {
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    const cpu0 = process.cpuUsage();
    const m0 = sampleCpu();
    const t0 = performance.now();
    let skipped = 0;
    let timer: NodeJS.Timeout | undefined;
    const finished = new Promise<void>((r) => (this.finish = r));
    if (this.plan.kind === "closed") {
      for (let i = 0; i < this.lanes.length; i++) if (this.quota[i] > 0) this.sendOn(i);
    } else {
      const { rate, total } = this.plan;
      let rr = 0;
      timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
        while (this.sent < due) {
          // Next free lane, round-robin; a lane still waiting for its ack is skipped.
          let tries = 0;
          while (this.busy[rr] && tries < this.lanes.length) {
            rr = (rr + 1) % this.lanes.length;
            tries++;
          }
          if (this.busy[rr]) {
            skipped++;
            break;
          }
          this.sendOn(rr, t0 + (this.sent * 1000) / rate);
          rr = (rr + 1) % this.lanes.length;
        }
        if (this.sent >= total) clearInterval(timer);
      }, TICK_MS);
    }
    let to: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        finished,
        new Promise((_, reject) => {
          to = setTimeout(() => reject(new Error(`load run timed out after ${timeoutMs} ms (${this.progress})`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(to);
      clearInterval(timer);
      h.disable();
    }
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return {
      cpu: cpuBetween(m0, sampleCpu()),
      samples: this.samples,
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      loopDelay: { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 },
      skipped,
    };
  }
}

export function stage(samples: Sample[], pick: (s: Sample) => number | undefined): Summary {
  const out: number[] = [];
  for (const s of samples) {
    const v = pick(s);
    if (v !== undefined) out.push(v - s.t0);
  }
  return summarize(out);
}

