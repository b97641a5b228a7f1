/**
 * Routing and inbox benchmarks (issue "Routing and the agent console", item 9):
 *  1. assignment latency and throughput: 50 online agents, 5,000 queued chats,
 *     drained one assignment per transaction under the cursor lock, against a
 *     baseline of an empty transaction that takes the same row lock;
 *  2. a concurrent drain (4 callers at once) over another 5,000 chats;
 *  3. an agent's bucket page 1 against page 500 (keyset) at 100,000 conversations.
 */
import { sql } from "drizzle-orm";
import type { DbHandle } from "../db/client";
import { roundRobinCursor } from "../db/schema";
import { staffActor, systemCtx } from "../lib/ctx";
import { listBucket } from "../lib/inbox/list-bucket";
import { drainQueue } from "../lib/routing/assign";
import { CURSOR_KEY } from "../lib/routing/constants";
import { setStaffConnections } from "../lib/routing/presence";
import { createProject, createStaff } from "../tests/factories";
import { ms, ratio, summarize, type Summary } from "./lib/stats";

export type RoutingConfig = { agents: number; queued: number; conversations: number; pageCalls: number; deepPage: number };

export type RoutingResult = {
  agents: number;
  queued: number;
  baseline: Summary;
  assign: Summary;
  assignPerSec: number;
  concurrentPerSec: number;
  concurrentCallers: number;
  limitsRespected: boolean;
  conversations: number;
  deepPage: number;
  page1: Summary;
  pageDeep: Summary;
};

type Exec = { execute: (q: ReturnType<typeof sql>) => Promise<{ rows: Record<string, unknown>[] }> };
const exec = (h: DbHandle) => h.db as unknown as Exec;

/** Insert `n` visitors and queued (or given-status) conversations in large multi-row statements. */
async function bulkConversations(
  h: DbHandle,
  projectId: number,
  n: number,
  opts: { status: "queued" | "closed"; assigneeId?: number; start: Date; stepMs: number },
) {
  const chunk = 5_000;
  for (let off = 0; off < n; off += chunk) {
    const size = Math.min(chunk, n - off);
    await exec(h).execute(sql`
      with v as (
        insert into visitors (project_id, token, name, phone, email)
        select ${projectId}, md5(random()::text || g::text), 'Bench visitor ' || g, '+1555' || lpad(g::text, 7, '0'), 'b' || g || '@bench.test'
        from generate_series(${off + 1}::int, ${off + size}::int) g
        returning id, phone
      )
      insert into conversations (project_id, visitor_id, visitor_phone, status, assignee_id, queued_at, last_message_at, created_at)
      select ${projectId}, v.id, v.phone, ${opts.status}::conversation_status, ${opts.assigneeId ?? null}::int,
             ${opts.start.toISOString()}::timestamptz + (v.id * ${opts.stepMs} || ' milliseconds')::interval,
             ${opts.start.toISOString()}::timestamptz + (v.id * ${opts.stepMs} || ' milliseconds')::interval,
             ${opts.start.toISOString()}::timestamptz
      from v`);
  }
}

export async function runRouting(h: DbHandle, cfg: RoutingConfig, log: (s: string) => void): Promise<RoutingResult> {
  const now = new Date();
  const project = await createProject(h.db);
  // 50 agents with room for everything, online on one instance.
  const perAgent = Math.ceil((cfg.queued * 2) / cfg.agents) + 1;
  const agents = [];
  for (let i = 0; i < cfg.agents; i++) {
    const a = await createStaff(h.db, { role: "agent", activeChatLimit: perAgent, offlineChatLimit: perAgent });
    await setStaffConnections(h.db, { userId: a.id, instanceId: "bench", connections: 1, now });
    agents.push(a);
  }
  await bulkConversations(h, project.id, cfg.queued, { status: "queued", start: new Date(now.getTime() - 3_600_000), stepMs: 1 });
  log(`routing: ${cfg.agents} agents online, ${cfg.queued} chats queued`);

  // Baseline: the cheapest transaction that takes the same lock.
  await h.db.insert(roundRobinCursor).values({ key: CURSOR_KEY }).onConflictDoNothing();
  const base: number[] = [];
  for (let i = 0; i < 500; i++) {
    const t = performance.now();
    await h.db.transaction(async (tx) => {
      await (tx as unknown as Exec).execute(sql`select last_user_id from round_robin_cursor where key = ${CURSOR_KEY} for update`);
    });
    base.push(performance.now() - t);
  }

  // Assignment, one at a time (the latency an arriving chat sees).
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < cfg.queued; i++) {
    const t = performance.now();
    const { result: done } = await drainQueue({ ctx: systemCtx(h.db, "drain", now), input: { max: 1 } });
    lat.push(performance.now() - t);
    if (done.length !== 1) throw new Error(`drain stopped after ${i} assignments`);
  }
  const assignPerSec = cfg.queued / ((performance.now() - t0) / 1000);
  log(`routing: ${cfg.queued} assignments, p50 ${ms(summarize(lat).p50)}`);

  // Concurrent drains over a second batch: still one owner per chat, limits held.
  await bulkConversations(h, project.id, cfg.queued, { status: "queued", start: now, stepMs: 1 });
  const callers = 4;
  const t1 = performance.now();
  const results = await Promise.all(
    Array.from({ length: callers }, async () => (await drainQueue({ ctx: systemCtx(h.db, "drain", now), input: { max: cfg.queued } })).result),
  );
  const concurrentPerSec = cfg.queued / ((performance.now() - t1) / 1000);
  const assigned = results.flat();
  const over = await exec(h).execute(sql`
    select count(*)::int as n from users u
    where u.role = 'agent' and (select count(*) from conversations c where c.assignee_id = u.id and c.status = 'active') > u.active_chat_limit`);
  const limitsRespected = new Set(assigned.map((a) => a.conversationId)).size === assigned.length && Number(over.rows[0].n) === 0;

  // Bucket paging at 100k: one agent's Closed bucket holds them all.
  const owner = agents[0];
  await bulkConversations(h, project.id, cfg.conversations, { status: "closed", assigneeId: owner.id, start: new Date(now.getTime() - 86_400_000), stepMs: 50 });
  await exec(h).execute(sql`analyze conversations`);
  const ctx = { actor: staffActor(owner), db: h.db, now };
  let cursor: string | null = null;
  for (let p = 1; p < cfg.deepPage; p++) {
    const page = await listBucket({ ctx, input: { bucket: "closed", after: cursor ?? undefined } });
    cursor = page.nextCursor;
    if (!cursor) throw new Error(`bucket ended at page ${p}`);
  }
  const deepCursor = cursor!;
  const page1: number[] = [];
  const deep: number[] = [];
  for (let i = 0; i < cfg.pageCalls; i++) {
    let t = performance.now();
    await listBucket({ ctx, input: { bucket: "closed" } });
    page1.push(performance.now() - t);
    t = performance.now();
    const p = await listBucket({ ctx, input: { bucket: "closed", after: deepCursor } });
    deep.push(performance.now() - t);
    if (p.items.length !== 20) throw new Error("deep page is short");
  }
  log(`routing: bucket page 1 p50 ${ms(summarize(page1).p50)}, page ${cfg.deepPage} p50 ${ms(summarize(deep).p50)}`);

  return {
    agents: cfg.agents,
    queued: cfg.queued,
    baseline: summarize(base),
    assign: summarize(lat),
    assignPerSec,
    concurrentPerSec,
    concurrentCallers: callers,
    limitsRespected,
    conversations: cfg.conversations,
    deepPage: cfg.deepPage,
    page1: summarize(page1),
    pageDeep: summarize(deep),
  };
}

export function routingTable(db: string, r: RoutingResult): string {
  return [
    `#### Routing on ${db}: ${r.agents} agents, ${r.queued} queued chats; bucket paging at ${r.conversations.toLocaleString("en")} conversations`,
    "",
    "| measure | p50 | p99 | ratio (p50) |",
    "|---|---|---|---|",
    `| baseline: empty transaction taking the cursor lock | ${ms(r.baseline.p50)} | ${ms(r.baseline.p99)} | 1× |`,
    `| one assignment (drainQueue, max 1) | ${ms(r.assign.p50)} | ${ms(r.assign.p99)} | ${ratio(r.assign.p50, r.baseline.p50)} the baseline |`,
    `| bucket page 1 (20 rows) | ${ms(r.page1.p50)} | ${ms(r.page1.p99)} | 1× |`,
    `| bucket page ${r.deepPage} (keyset) | ${ms(r.pageDeep.p50)} | ${ms(r.pageDeep.p99)} | ${ratio(r.pageDeep.p50, r.page1.p50)} page 1 |`,
    "",
    `Throughput: ${Math.round(r.assignPerSec)} assignments/s one at a time; ${Math.round(r.concurrentPerSec)} assignments/s with ${r.concurrentCallers} concurrent drains ` +
      `(limits respected, one owner per chat: ${r.limitsRespected ? "yes" : "NO"}).`,
    "",
  ].join("\n");
}
