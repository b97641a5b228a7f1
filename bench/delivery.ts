import { randomBytes } from "node:crypto";
import { and, count, inArray, isNull } from "drizzle-orm";
import type { DbHandle } from "../db/client";
import { conversations, visitors } from "../db/schema";
import { peekSingleton } from "../lib/singleton";
import { createProject, createStaff } from "../tests/factories";
import { BenchSocket, type Frame } from "./lib/client";
import { countQueries } from "./lib/db";
import { LoadRun, stage, type Lane, type LoadPlan, type LoadResult } from "./lib/load";
import { startAppServer, type AppServer } from "./lib/servers";
import { mapLimit, sleep, summarize, waitFor, type Summary } from "./lib/stats";

export const BODY = "Hi! I'd like to know whether the premium plan includes phone support on weekends.";

export type DeliveryConfig = {
  conversations: number;
  chatsPerAgent: number;
  /** The agent console acknowledges delivery (✓✓) of each message, as components/chat/useChat.ts does. */
  receipts: boolean;
  plans: { name: string; plan: LoadPlan }[];
  warmupPerConversation: number;
  timeoutMs: number;
  /** Capture the statements of one send and one receipt (N=1 only). */
  probeQueries?: boolean;
};

export type PhaseResult = {
  name: string;
  plan: LoadPlan;
  ack: Summary;
  delivery: Summary;
  tick: Summary | null;
  /** Time between the sender's ack and the recipient's message (the post-commit part of the path). */
  ackToDeliver: Summary;
  throughput: number;
  wallMs: number;
  cpuMsPerMsg: number;
  cpu: LoadResult["cpu"];
  loopDelay: LoadResult["loopDelay"];
  duplicates: number;
  skipped: number;
  /** Ping → pong from an idle extra staff socket during the phase: how long unrelated traffic waits. */
  bystanderPing: Summary;
};

export type DeliveryResult = {
  conversations: number;
  agents: number;
  sockets: number;
  setupMs: number;
  connectMs: number;
  sendFrameBytes: number;
  messageFrameBytes: number;
  phases: PhaseResult[];
  probe?: { send: string[]; receipt: string[] };
  errors: string[];
};

type Chat = { idx: number; convId: number; visitorId: number; agentIdx: number; visitor?: BenchSocket };

/** One concurrency level: fixture, sockets, warm-up, measured phases, teardown. */
export async function runDelivery(handle: DbHandle, cfg: DeliveryConfig, log: (s: string) => void): Promise<DeliveryResult> {
  const db = handle.db;
  const N = cfg.conversations;
  const t0 = performance.now();

  // --- fixture: one project, agents holding `chatsPerAgent` active chats each, one visitor per chat.
  const project = await createProject(db);
  const agentCount = Math.ceil(N / cfg.chatsPerAgent);
  const agents: { id: number }[] = [];
  for (let i = 0; i < agentCount; i++) agents.push(await createStaff(db, { role: "agent", activeChatLimit: cfg.chatsPerAgent }));
  const chats: Chat[] = [];
  for (let start = 0; start < N; start += 500) {
    const n = Math.min(500, N - start);
    const vs = await db
      .insert(visitors)
      .values(
        Array.from({ length: n }, (_, k) => ({
          projectId: project.id,
          token: randomBytes(24).toString("base64url"),
          name: `Bench visitor ${start + k}`,
          phone: `+44770${String(900000 + start + k).padStart(6, "0")}`,
          email: `bench-${start + k}-${randomBytes(3).toString("hex")}@example.test`,
          firstIp: "203.0.113.7",
        })),
      )
      .returning({ id: visitors.id, phone: visitors.phone });
    const now = new Date();
    const cs = await db
      .insert(conversations)
      .values(
        vs.map((v, k) => ({
          projectId: project.id,
          visitorId: v.id,
          visitorPhone: v.phone,
          status: "active" as const,
          assigneeId: agents[Math.floor((start + k) / cfg.chatsPerAgent)].id,
          assignedAt: now,
          ip: "203.0.113.7",
        })),
      )
      .returning({ id: conversations.id, visitorId: conversations.visitorId });
    cs.forEach((c, k) => chats.push({ idx: start + k, convId: c.id, visitorId: c.visitorId, agentIdx: Math.floor((start + k) / cfg.chatsPerAgent) }));
  }
  const setupMs = performance.now() - t0;

  const errors: string[] = [];
  let app: AppServer | undefined;
  const agentSocks: BenchSocket[] = [];
  let bystander: BenchSocket | undefined;
  const result: DeliveryResult = {
    conversations: N,
    agents: agentCount,
    sockets: 0,
    setupMs,
    connectMs: 0,
    sendFrameBytes: 0,
    messageFrameBytes: 0,
    phases: [],
    errors,
  };
  try {
    app = await startAppServer();
    const url = app.url;
    const c0 = performance.now();
    // Agents first (their consoles are open), each joining every chat it holds.
    const agentChats = agents.map(() => [] as Chat[]);
    for (const c of chats) agentChats[c.agentIdx].push(c);
    await mapLimit(agents, 32, async (a, i) => {
      const s = await BenchSocket.open(`${url}?bench=staff:${a.id}`, { expectHello: true });
      agentSocks[i] = s;
      for (const c of agentChats[i]) await s.request({ type: "join", ref: `a${c.convId}`, conversationId: c.convId });
    });
    // Then one socket per visitor, joined to its own chat (this marks the visitor online).
    await mapLimit(chats, 32, async (c) => {
      c.visitor = await BenchSocket.open(`${url}?bench=visitor:${c.visitorId}:${project.id}`, { expectHello: true });
      await c.visitor.request({ type: "join", ref: `v${c.convId}`, conversationId: c.convId });
    });
    result.connectMs = performance.now() - c0;
    // A second console tab of the first agent that only pings (answered before any db work in dispatch).
    bystander = await BenchSocket.open(`${url}?bench=staff:${agents[0].id}`, { expectHello: true });
    result.sockets = app.hub.size;
    log(`  N=${N}: ${agentCount} agents + ${N} visitors connected and joined in ${Math.round(result.connectMs)} ms (fixture ${Math.round(setupMs)} ms)`);

    const runPhase = async (name: string, plan: LoadPlan, lanesOf: Chat[], record: boolean): Promise<PhaseResult | null> => {
      const prefix = `${name.replace(/[^A-Za-z0-9]/g, "")}${N}x`;
      const lanes: Lane[] = lanesOf.map((c) => ({
        send(seq) {
          const clientMsgId = `${prefix}_${c.idx}_${seq}`.padEnd(8, "0");
          const text = JSON.stringify({ type: "send", ref: clientMsgId, conversationId: c.convId, clientMsgId, body: BODY });
          if (!result.sendFrameBytes) result.sendFrameBytes = Buffer.byteLength(text);
          run.stamp();
          c.visitor!.sendRaw(text);
          return clientMsgId;
        },
      }));
      const run = new LoadRun(lanes, plan, { deliver: true, tick: cfg.receipts });
      const laneOfConv = new Map(lanesOf.map((c, i) => [c.convId, i]));
      const lastDelivered = new Map<number, number>();
      for (const [i, c] of lanesOf.entries()) {
        c.visitor!.onFrame = (f: Frame, now) => {
          if (f.type === "ack") run.ack(f.clientMsgId as string, now, (f.message as { id: number }).id);
          else if (f.type === "receipt" && f.side === "visitor" && f.kind === "delivered") run.tick(i, f.upToId as number, now);
          else if (f.type === "error") errors.push(`visitor ${c.idx}: ${String(f.code)} ${String(f.message)}`);
        };
      }
      for (const s of agentSocks) {
        s.onFrame = (f: Frame, now) => {
          if (f.type === "message") {
            const m = f.message as { id: number; conversationId: number; clientMsgId: string };
            if (!result.messageFrameBytes) result.messageFrameBytes = Buffer.byteLength(JSON.stringify(f));
            const first = run.deliver(m.clientMsgId, now);
            // The console sends ✓✓ once per new message (useChat.sendReceipts); the second copy of a frame is a no-op there.
            if (first && cfg.receipts && laneOfConv.has(m.conversationId) && (lastDelivered.get(m.conversationId) ?? 0) < m.id) {
              lastDelivered.set(m.conversationId, m.id);
              s.send({ type: "delivered", conversationId: m.conversationId, upToId: m.id });
            }
          } else if (f.type === "error") errors.push(`agent: ${String(f.code)} ${String(f.message)}`);
        };
      }
      let pinging = record;
      const pings: number[] = [];
      const pinger = (async () => {
        let i = 0;
        while (pinging) {
          const t = performance.now();
          await bystander!.request({ type: "ping", ref: `p${i++}` }, cfg.timeoutMs);
          pings.push(performance.now() - t);
          await sleep(50);
        }
      })();
      let r: LoadResult;
      try {
        r = await run.run(cfg.timeoutMs);
      } finally {
        pinging = false;
        await pinger.catch(() => {});
      }
      if (!record) return null;
      const samples = r.samples;
      return {
        name,
        plan,
        ack: stage(samples, (s) => s.ack),
        delivery: stage(samples, (s) => s.deliver),
        tick: cfg.receipts ? stage(samples, (s) => s.tick) : null,
        ackToDeliver: summarize(samples.filter((s) => s.ack !== undefined && s.deliver !== undefined).map((s) => s.deliver! - s.ack!)),
        throughput: (samples.length / r.wallMs) * 1000,
        wallMs: r.wallMs,
        cpuMsPerMsg: r.cpuMs / samples.length,
        cpu: r.cpu,
        loopDelay: r.loopDelay,
        duplicates: run.duplicates,
        skipped: r.skipped,
        bystanderPing: summarize(pings),
      };
    };

    // Warm-up (JIT, connection pool, caches), not recorded.
    const warm = chats.slice(0, Math.min(N, 100));
    await runPhase("warm", { kind: "closed", total: warm.length * cfg.warmupPerConversation }, warm, false);
    await sleep(100);

    for (const p of cfg.plans) {
      const res = await runPhase(p.name, p.plan, chats, true);
      if (res) {
        result.phases.push(res);
        log(
          `  N=${N} ${p.name}: ${res.ack.n} msgs, ${Math.round(res.throughput)} msg/s, ack p50 ${res.ack.p50.toFixed(2)} ms, delivery p50 ${res.delivery.p50.toFixed(2)} / p99 ${res.delivery.p99.toFixed(2)} ms` +
            (res.duplicates ? `, ${res.duplicates} duplicate frames` : ""),
        );
      }
      await sleep(200);
    }

    if (cfg.probeQueries) result.probe = await probeStatements(handle, chats[0], agentSocks[0]);
  } catch (err) {
    errors.push((err as Error).message);
    log(`  N=${N}: FAILED: ${(err as Error).message}`);
  } finally {
    // Teardown: close every client, let onConnClose's "visitor went away" writes finish, stop the server.
    await mapLimit([...chats.map((c) => c.visitor), ...agentSocks, bystander].filter((s): s is BenchSocket => !!s), 64, (s) => s.close());
    const ids = chats.map((c) => c.convId);
    await waitFor(
      "visitor presence writes after close",
      async () => {
        const [{ n }] = await db
          .select({ n: count() })
          .from(conversations)
          .where(and(inArray(conversations.id, ids), isNull(conversations.visitorOfflineSince)));
        return n === 0;
      },
      30_000,
      50,
    ).catch((err) => errors.push((err as Error).message));
    await app?.close();
    const left = peekSingleton<Map<number, number>>("visitor-sockets");
    if (left && left.size > 0) errors.push(`visitor-sockets registry still holds ${left.size} entries after close`);
  }
  return result;
}

/** The statements behind one visitor send (until the agent has the message) and one ✓✓ receipt. */
async function probeStatements(handle: DbHandle, chat: Chat, agent: BenchSocket): Promise<{ send: string[]; receipt: string[] }> {
  const visitor = chat.visitor!;
  let got: ((f: Frame) => void) | undefined;
  const wait = (pred: (f: Frame) => boolean) =>
    new Promise<Frame>((resolve) => {
      got = (f) => pred(f) && resolve(f);
    });
  visitor.onFrame = (f) => got?.(f);
  agent.onFrame = (f) => got?.(f);

  const q1 = countQueries(handle);
  const clientMsgId = `probe_${chat.idx}_${Date.now()}`;
  const delivered = wait((f) => f.type === "message");
  visitor.send({ type: "send", ref: clientMsgId, conversationId: chat.convId, clientMsgId, body: BODY });
  const msg = await delivered;
  await sleep(100);
  q1.stop();

  const q2 = countQueries(handle);
  const tick = wait((f) => f.type === "receipt");
  agent.send({ type: "delivered", conversationId: chat.convId, upToId: (msg.message as { id: number }).id });
  await tick;
  await sleep(100);
  q2.stop();
  return { send: q1.counter.statements, receipt: q2.counter.statements };
}
