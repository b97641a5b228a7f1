import type { DeliveryResult, PhaseResult } from "../delivery";
import type { EchoPhase, EchoResult } from "../echo";
import type { HistoryResult } from "../history";
import { routingTable, type RoutingResult } from "../routing";
import { fmtCpu, type CpuUse } from "./cpu";
import { ms, ratio } from "./stats";

export type DbRun = {
  kind: "pglite" | "postgres";
  label: string;
  delivery: DeliveryResult[];
  history?: HistoryResult;
  routing?: RoutingResult;
  error?: string;
  cpu?: CpuUse;
};

const pp = (s: { p50: number; p99: number }) => `${ms(s.p50)} / ${ms(s.p99)}`;

function echoFor(echo: Map<number, EchoResult>, n: number, phase: string): EchoPhase | undefined {
  return echo.get(n)?.phases.find((p) => p.name === phase);
}

function planText(p: PhaseResult) {
  return p.plan.kind === "closed" ? "closed loop" : `paced ${p.plan.rate}/s`;
}

export function deliveryTable(run: DbRun, echo: Map<number, EchoResult>): string {
  const out: string[] = [];
  out.push(
    "| N chats | agents | load | msgs | throughput | ✓ ack p50 / p99 | delivery p50 / p99 / max | ack→deliver p50 | ✓✓ p50 / p99 | echo p50 / p99 (echo msg/s) | delivery ÷ echo p50 / p99 |",
    "|---:|---:|---|---:|---:|---|---|---:|---|---|---|",
  );
  for (const d of run.delivery) {
    for (const p of d.phases) {
      const e = echoFor(echo, d.conversations, p.name);
      out.push(
        `| ${d.conversations} | ${d.agents} | ${planText(p)} | ${p.ack.n} | ${Math.round(p.throughput)} msg/s | ${pp(p.ack)} | ${ms(p.delivery.p50)} / ${ms(p.delivery.p99)} / ${ms(p.delivery.max)} | ${ms(p.ackToDeliver.p50)} | ${p.tick ? pp(p.tick) : "—"} | ${e ? `${pp(e.rtt)} (${Math.round(e.throughput)})` : "—"} | ${e ? `${ratio(p.delivery.p50, e.rtt.p50)} / ${ratio(p.delivery.p99, e.rtt.p99)}` : "—"} |`,
      );
    }
  }
  return out.join("\n");
}

export function deliveryDetails(run: DbRun): string {
  const out: string[] = [
    "| N chats | load | sockets | connect+join | idle socket ping p50 / max | event-loop delay p99 / max | bench-process CPU per msg | cores used: bench / postgres / other processes | duplicate `message` frames at the agent | errors |",
    "|---:|---|---:|---:|---|---|---:|---|---:|---|",
  ];
  for (const d of run.delivery) {
    for (const p of d.phases) {
      out.push(
        `| ${d.conversations} | ${planText(p)} | ${d.sockets} | ${Math.round(d.connectMs)} ms | ${ms(p.bystanderPing.p50)} / ${ms(p.bystanderPing.max)} | ${ms(p.loopDelay.p99)} / ${ms(p.loopDelay.max)} | ${ms(p.cpuMsPerMsg)} | ${fmtCpu(p.cpu)} | ${p.duplicates} | ${d.errors.length ? d.errors.slice(0, 2).join("; ") : "none"} |`,
      );
    }
  }
  return out.join("\n");
}

export function ratioLines(run: DbRun, echo: Map<number, EchoResult>): string[] {
  const lines: string[] = [];
  for (const d of run.delivery) {
    for (const p of d.phases) {
      const e = echoFor(echo, d.conversations, p.name);
      if (!e) continue;
      lines.push(
        `[${run.kind}] N=${d.conversations} ${planText(p)}: delivery p50 = ${ms(p.delivery.p50)} = ${ratio(p.delivery.p50, e.rtt.p50)} raw ws echo (${ms(e.rtt.p50)}); ` +
          `p99 = ${ms(p.delivery.p99)} = ${ratio(p.delivery.p99, e.rtt.p99)} (${ms(e.rtt.p99)}); ack p50 = ${ms(p.ack.p50)} = ${ratio(p.ack.p50, e.rtt.p50)}; ` +
          `${Math.round(p.throughput)} msg/s vs echo ${Math.round(e.throughput)} msg/s`,
      );
    }
  }
  return lines;
}

export function historyTable(h: HistoryResult): string {
  const out = [
    `| operation | ${h.smallSize}-message chat p50 / p99 | ${h.bigSize.toLocaleString("en")}-message chat p50 / p99 | ratio (p50) |`,
    "|---|---|---|---:|",
  ];
  const open = h.rows[0];
  for (const r of h.rows) {
    const tag = r.phase === "busy" ? ` — after ${h.neighbourSize.toLocaleString("en")} newer messages in another chat` : "";
    out.push(`| ${r.name}${tag} | ${pp(r.small)} | ${pp(r.big)} | ${ratio(r.big.p50, r.small.p50)} |`);
    if (r === open) {
      out.push(`| older page ~${h.deepBack.toLocaleString("en")} back (keyset cursor) | — | ${pp(h.deep)} | ${ratio(h.deep.p50, open.small.p50)} vs 30-msg open |`);
    }
  }
  return out.join("\n");
}

export function echoTable(echo: Map<number, EchoResult>): string {
  const out = [
    "| N sockets | load | msgs | round trip p50 / p99 / max | throughput | cores used: bench / postgres / other |",
    "|---:|---|---:|---|---:|---|",
  ];
  for (const [n, r] of echo) {
    for (const p of r.phases) {
      out.push(
        `| ${n} | ${p.plan.kind === "closed" ? "closed loop" : `paced ${p.plan.rate}/s`} | ${p.rtt.n} | ${ms(p.rtt.p50)} / ${ms(p.rtt.p99)} / ${ms(p.rtt.max)} | ${Math.round(p.throughput)} msg/s | ${fmtCpu(p.cpu)} |`,
      );
    }
  }
  return out.join("\n");
}

export function markdown(runs: DbRun[], echo: Map<number, EchoResult>, meta: string[]): string {
  const out: string[] = [...meta, ""];
  const frame = [...echo.values()][0]?.frameBytes;
  out.push(`### Baseline: raw \`ws\` echo (${frame ?? "?"}-byte frames, same process, same load shapes)`, "", echoTable(echo), "");
  for (const run of runs) {
    out.push(`### ${run.label}`, "");
    if (run.cpu) {
      out.push(
        `Average cores in use over this database's whole run: bench process ${run.cpu.selfCores.toFixed(2)}, PostgreSQL ${run.cpu.pgCores.toFixed(2)}, other processes on the machine ${run.cpu.otherCores.toFixed(2)}.`,
        "",
      );
    }
    if (run.error) out.push(`**Failed:** ${run.error}`, "");
    if (run.routing) out.push(routingTable(run.kind === "pglite" ? "PGlite" : "PostgreSQL", run.routing), "");
    if (run.delivery.length) {
      const d0 = run.delivery.find((d) => d.sendFrameBytes);
      out.push(
        deliveryTable(run, echo),
        "",
        d0 ? `Frames: visitor \`send\` ${d0.sendFrameBytes} bytes, agent \`message\` ${d0.messageFrameBytes} bytes.` : "",
        "",
        deliveryDetails(run),
        "",
      );
      const probe = run.delivery.find((d) => d.probe)?.probe;
      if (probe) {
        out.push(
          `Statements behind one visitor send (until the agent has it): **${probe.send.length}**; behind one ✓✓ receipt: **${probe.receipt.length}**` +
            (run.kind === "pglite" ? " (PGlite's own BEGIN/COMMIT not counted)" : " (BEGIN/COMMIT included)") +
            ".",
          "",
          "```",
          ...probe.send.map((s, i) => `send ${i + 1}: ${s.slice(0, 150)}`),
          ...probe.receipt.map((s, i) => `receipt ${i + 1}: ${s.slice(0, 150)}`),
          "```",
          "",
        );
      }
    }
    if (run.history) {
      const h = run.history;
      out.push(
        `History (bulk insert of ${h.bigSize.toLocaleString("en")} messages: ${Math.round(h.insertMs)} ms, ${Math.round(h.insertRowsPerSec).toLocaleString("en")} rows/s):`,
        "",
        historyTable(h),
        "",
        `EXPLAIN (ANALYZE, BUFFERS) of the last-30 query on the ${h.bigSize.toLocaleString("en")}-message chat — index scan backward on messages_conversation_created_idx: **${h.indexScanBackward ? "yes" : "NO"}**`,
        "",
        "```",
        h.explainLast30,
        "```",
        "",
        "Older page (keyset):",
        "",
        "```",
        h.explainDeep,
        "```",
        "",
        "markReceipt's watermark read (`max(id)` of the chat):",
        "",
        "```",
        h.explainReceipt,
        "```",
        "",
        "Reconnect catch-up (`id > N order by id`):",
        "",
        "```",
        h.explainAfter,
        "```",
        "",
      );
      if (h.explainReceiptBusy) {
        out.push(
          `The same two after ${h.neighbourSize.toLocaleString("en")} newer messages in another chat:`,
          "",
          "```",
          h.explainReceiptBusy,
          "```",
          "",
          "```",
          h.explainAfterBusy,
          "```",
          "",
        );
      }
    }
  }
  return out.join("\n");
}
