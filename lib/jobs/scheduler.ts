import { logger } from "../logger";

export type Job = { name: string; everyMs: number; run: (now: Date) => Promise<unknown> };

/**
 * Runs sweepers on fixed intervals: never two runs of one job at once, errors
 * logged and isolated, timers unref'd, `stop()` waits for runs in flight.
 */
export function startScheduler(jobs: Job[], opts: { shouldRun?: () => Promise<boolean> | boolean } = {}) {
  const timers: NodeJS.Timeout[] = [];
  const running = new Map<string, Promise<void>>();
  let stopped = false;

  for (const job of jobs) {
    const tick = () => {
      if (stopped || running.has(job.name)) return;
      // Start the body on a microtask, after `running` holds it: a job that
      // throws synchronously must not clear its entry before it is set.
      const p = Promise.resolve().then(async () => {
        try {
          if (opts.shouldRun && !(await opts.shouldRun())) return;
          await job.run(new Date());
        } catch (err) {
          logger.error({ err, job: job.name }, "job failed");
        } finally {
          running.delete(job.name);
        }
      });
      running.set(job.name, p);
    };
    const t = setInterval(tick, job.everyMs);
    t.unref();
    timers.push(t);
  }

  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await Promise.allSettled([...running.values()]);
    },
  };
}
