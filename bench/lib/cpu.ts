import fs from "node:fs";
import os from "node:os";

/**
 * Who used the CPU during a phase (Linux /proc; zeros elsewhere): this
 * process (hub + clients + PGlite), PostgreSQL's processes, and everything
 * else on the machine (other people's builds and tests skew a run — the
 * report shows how much).
 */
export type CpuSample = { t: number; total: number; busy: number; self: number; pg: Map<number, number> };
export type CpuUse = { selfCores: number; pgCores: number; otherCores: number; busyShare: number };

const HZ = 100; // USER_HZ on Linux

let benchDatabase: string | undefined;
/**
 * Attribute to "postgres" only the bench's own backends (their title names
 * the throwaway database) and the server's shared processes (postmaster, WAL
 * writer, checkpointer…); other people's test backends count as "other".
 */
export function setBenchDatabase(name: string | undefined) {
  benchDatabase = name;
}

function isOurs(cmdline: string): boolean {
  const isClientBackend = /\(\d+\)/.test(cmdline) || /\[local\]/.test(cmdline);
  if (!isClientBackend) return true;
  return !!benchDatabase && cmdline.includes(` ${benchDatabase} `);
}

function read(path: string): string | null {
  try {
    return fs.readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** utime + stime (ticks) and the command name from /proc/<pid>/stat. */
function procTicks(stat: string | null): { comm: string; ticks: number } | null {
  if (!stat) return null;
  const open = stat.indexOf("(");
  const close = stat.lastIndexOf(")");
  const fields = stat.slice(close + 2).split(" ");
  // fields[0] is state (field 3); utime is field 14, stime field 15.
  return { comm: stat.slice(open + 1, close), ticks: Number(fields[11]) + Number(fields[12]) };
}

export function sampleCpu(): CpuSample {
  const t = performance.now();
  const stat = read("/proc/stat");
  if (!stat) {
    const cpus = os.cpus();
    let busy = 0;
    let total = 0;
    for (const c of cpus) {
      busy += (c.times.user + c.times.nice + c.times.sys + c.times.irq) / 10;
      total += (c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle) / 10;
    }
    return { t, total, busy, self: 0, pg: new Map() };
  }
  const v = stat.split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal
  const busy = v[0] + v[1] + v[2] + v[5] + v[6] + (v[7] ?? 0);
  const total = busy + v[3] + v[4];
  const self = procTicks(read("/proc/self/stat"))?.ticks ?? 0;
  const pg = new Map<number, number>();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    const p = procTicks(read(`/proc/${d}/stat`));
    if (!p || !(p.comm === "postgres" || p.comm.startsWith("postgres"))) continue;
    const cmdline = (read(`/proc/${d}/cmdline`) ?? "").replace(/\0/g, " ");
    if (isOurs(cmdline)) pg.set(Number(d), p.ticks);
  }
  return { t, total, busy, self, pg };
}

export function cpuBetween(a: CpuSample, b: CpuSample): CpuUse {
  const secs = Math.max(1e-3, (b.t - a.t) / 1000);
  const busyCores = (b.busy - a.busy) / HZ / secs;
  const selfCores = (b.self - a.self) / HZ / secs;
  // Per process, so a backend that exits between the samples doesn't subtract its whole history.
  let pgTicks = 0;
  for (const [pid, ticks] of b.pg) pgTicks += ticks - (a.pg.get(pid) ?? 0);
  const pgCores = pgTicks / HZ / secs;
  return {
    selfCores,
    pgCores,
    otherCores: Math.max(0, busyCores - selfCores - pgCores),
    busyShare: (b.busy - a.busy) / Math.max(1, b.total - a.total),
  };
}

export function fmtCpu(c: CpuUse): string {
  return `${c.selfCores.toFixed(2)} / ${c.pgCores.toFixed(2)} / ${c.otherCores.toFixed(2)}`;
}
