import type { Db } from "../../db/client";
import { systemCtx } from "../ctx";
import { applyEffects } from "../effects";
import { drainQueue, sweepAgentGrace, sweepInactiveAgents, sweepOfflineVisitors } from "../routing";
import { AGENT_GRACE_SWEEP_MS } from "../routing/constants";
import type { Effects, VerbResult } from "../verb";

type Sweep = (a: { ctx: ReturnType<typeof systemCtx> }) => Promise<VerbResult<unknown>>;

/** One sweeper as a scheduler job: run it at `now`, then apply what it changed. */
function job(db: Db, name: string, everyMs: number, sweep: Sweep) {
  return {
    name,
    everyMs,
    run: async (now: Date) => {
      const ctx = systemCtx(db, name, now);
      const { effects }: { effects: Effects } = await sweep({ ctx });
      await applyEffects(ctx, effects);
    },
  };
}

/** The routing sweepers (server.ts schedules them on the sweeper leader only). */
export function routingJobs(db: Db) {
  return [
    // 15 s visitor grace, checked every 2 s.
    job(db, "visitor-offline", 2_000, sweepOfflineVisitors),
    // 30 s agent grace, checked every 5 s.
    job(db, "agent-grace", AGENT_GRACE_SWEEP_MS, sweepAgentGrace),
    // 5-minute inactivity sign-out.
    job(db, "agent-inactivity", 30_000, sweepInactiveAgents),
    // Safety net: capacity can appear in ways no event announces (another instance, a visitor's return).
    job(db, "queue-drain", 5_000, drainQueue),
  ];
}
