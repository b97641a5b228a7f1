import { and, desc, eq, gt, sql } from "drizzle-orm";
import type { DbHandle } from "../db/client";
import { conversations, messages } from "../db/schema";
import { staffActor } from "../lib/ctx";
import { selectMessageDTOs } from "../lib/chat/dto";
import { encodeCursor, listMessages, listMessagesAfter } from "../lib/chat/history";
import { markReceipt } from "../lib/chat/receipts";
import { createConversation, createProject, createStaff, visitorCtxFor } from "../tests/factories";
import { summarize, type Summary } from "./lib/stats";

export type HistoryConfig = { bigSize: number; smallSize: number; neighbourSize: number; calls: number; warmup: number; chunk: number };

export type HistoryRow = { name: string; phase: "quiet" | "busy"; small: Summary; big: Summary };
export type HistoryResult = {
  bigSize: number;
  smallSize: number;
  neighbourSize: number;
  insertMs: number;
  insertRowsPerSec: number;
  rows: HistoryRow[];
  deep: Summary;
  deepBack: number;
  explainLast30: string;
  indexScanBackward: boolean;
  explainDeep: string;
  explainReceipt: string;
  explainAfter: string;
  explainReceiptBusy: string;
  explainAfterBusy: string;
};

type Executable = { execute: (q: ReturnType<typeof sql.raw>) => Promise<unknown> };

/** Run EXPLAIN on a drizzle query (its exact SQL, parameters inlined) and return the plan text. */
export async function explain(db: DbHandle["db"], q: { sql: string; params: unknown[] }, analyze = true): Promise<string> {
  const text = q.sql.replace(/\$(\d+)/g, (_, n: string) => literal(q.params[Number(n) - 1]));
  const res = (await (db as unknown as Executable).execute(sql.raw(`EXPLAIN ${analyze ? "(ANALYZE, BUFFERS) " : ""}${text}`))) as {
    rows: Record<string, string>[];
  };
  return res.rows.map((r) => Object.values(r)[0]).join("\n");
}

function literal(v: unknown): string {
  if (v === null || v === undefined) return "NULL";
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v instanceof Date) return `'${v.toISOString()}'`;
  return `'${String(v).replace(/'/g, "''")}'`;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/**
 * History on a 50,000-message chat vs a 30-message one, through the real
 * domain functions with a visitor ctx (listMessages runs the access check and
 * the page query, as the history endpoint and `join` do).
 */
export async function runHistory(handle: DbHandle, cfg: HistoryConfig, log: (s: string) => void): Promise<HistoryResult> {
  const db = handle.db;
  const project = await createProject(db);
  const agent = await createStaff(db, { role: "agent" });
  const big = await createConversation(db, { projectId: project.id, assigneeId: agent.id, status: "active" });
  const small = await createConversation(db, { projectId: project.id, assigneeId: agent.id, status: "active" });

  // Bulk insert: one multi-row INSERT per `chunk` rows, one second apart, visitor and agent alternating.
  const fill = async (conversationId: number, n: number, base: number) => {
    for (let start = 0; start < n; start += cfg.chunk) {
      const len = Math.min(cfg.chunk, n - start);
      await db.insert(messages).values(
        Array.from({ length: len }, (_, k) => {
          const i = start + k;
          const fromVisitor = i % 2 === 0;
          return {
            conversationId,
            senderKind: fromVisitor ? ("visitor" as const) : ("agent" as const),
            senderId: fromVisitor ? null : agent.id,
            body: `Message ${i}: ${fromVisitor ? "could you tell me more about the delivery times?" : "sure, usually two to three working days."}`,
            clientMsgId: `hist_${conversationId}_${i}`,
            createdAt: new Date(base + i * 1000),
          };
        }),
      );
    }
  };
  const ti = performance.now();
  // Timestamps one second apart, all in the past, each chat after the previous one.
  const t0 = Date.now() - (cfg.bigSize + cfg.smallSize + cfg.neighbourSize) * 1000 - 3_600_000;
  await fill(big.conversation.id, cfg.bigSize, t0);
  const insertMs = performance.now() - ti;
  await fill(small.conversation.id, cfg.smallSize, t0 + cfg.bigSize * 1000);
  // What autovacuum would do after a bulk load (PGlite has no autovacuum).
  await (db as unknown as Executable).execute(sql.raw("ANALYZE messages"));
  log(`  history: inserted ${cfg.bigSize} messages in ${Math.round(insertMs)} ms (${Math.round((cfg.bigSize / insertMs) * 1000)} rows/s)`);

  const vBig = visitorCtxFor(db, big.visitor);
  const vSmall = visitorCtxFor(db, small.visitor);
  const staff = { actor: staffActor(agent), db, now: new Date() };

  // The cursor ~40,000 messages back from the newest.
  const deepBack = Math.min(40_000, cfg.bigSize - 31);
  const [deepRow] = await db
    .select({ id: messages.id, createdAt: messages.createdAt })
    .from(messages)
    .where(eq(messages.conversationId, big.conversation.id))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .offset(deepBack)
    .limit(1);
  const deepCursor = encodeCursor({ id: deepRow.id, createdAt: deepRow.createdAt.toISOString() });

  // Sanity: the pages are what they claim to be.
  const pBig = await listMessages({ ctx: vBig, input: { conversationId: big.conversation.id } });
  const pDeep = await listMessages({ ctx: vBig, input: { conversationId: big.conversation.id, before: deepCursor } });
  if (pBig.messages.length !== 30 || pDeep.messages.length !== 30 || pDeep.messages[29].id >= deepRow.id) {
    throw new Error(`history sanity check failed: ${pBig.messages.length} / ${pDeep.messages.length}`);
  }
  const newestId = (c: typeof big) =>
    db
      .select({ id: messages.id })
      .from(messages)
      .where(eq(messages.conversationId, c.conversation.id))
      .orderBy(desc(messages.id))
      .limit(1)
      .then((r) => r[0].id);
  const bigNewest = await newestId(big);
  const smallNewest = await newestId(small);

  // ✓✓ on the newest visitor message: reset (untimed) so every timed call does the real work.
  const visitorMsgIds = async (c: typeof big) =>
    (
      await db
        .select({ id: messages.id })
        .from(messages)
        .where(and(eq(messages.conversationId, c.conversation.id), eq(messages.senderKind, "visitor")))
        .orderBy(desc(messages.createdAt), desc(messages.id))
        .limit(2)
    ).map((r) => r.id);
  const [bigV1, bigV0] = await visitorMsgIds(big);
  const [smallV1, smallV0] = await visitorMsgIds(small);
  const resetReceipt = async (convId: number, prev: number, last: number) => {
    await db.update(conversations).set({ visitorMsgsDeliveredUpTo: prev }).where(eq(conversations.id, convId));
    await db.update(messages).set({ deliveredAt: null }).where(eq(messages.id, last));
  };

  type Op = { name: string; small: () => Promise<unknown>; big: () => Promise<unknown>; before?: { small: () => Promise<void>; big: () => Promise<void> } };
  const ops: Op[] = [
    {
      name: "open: last 30 (listMessages, no cursor)",
      small: () => listMessages({ ctx: vSmall, input: { conversationId: small.conversation.id } }),
      big: () => listMessages({ ctx: vBig, input: { conversationId: big.conversation.id } }),
    },
    {
      name: "reconnect catch-up: listMessagesAfter(last id − 10)",
      small: () => listMessagesAfter(vSmall, small.conversation.id, smallNewest - 10),
      big: () => listMessagesAfter(vBig, big.conversation.id, bigNewest - 10),
    },
    {
      name: "✓✓ receipt: markReceipt(delivered) by the agent",
      small: () => markReceipt({ ctx: staff, input: { conversationId: small.conversation.id, upToId: smallV1, kind: "delivered" } }),
      big: () => markReceipt({ ctx: staff, input: { conversationId: big.conversation.id, upToId: bigV1, kind: "delivered" } }),
      before: {
        small: () => resetReceipt(small.conversation.id, smallV0, smallV1),
        big: () => resetReceipt(big.conversation.id, bigV0, bigV1),
      },
    },
  ];

  const rows: HistoryRow[] = [];
  const deepSamples: number[] = [];
  const measure = async (phase: "quiet" | "busy") => {
    for (const op of ops) {
      for (let i = 0; i < cfg.warmup; i++) {
        await op.before?.small();
        await op.small();
        await op.before?.big();
        await op.big();
      }
      const s: number[] = [];
      const b: number[] = [];
      // Interleaved so drift (GC, caches, autovacuum) hits both sides alike.
      for (let i = 0; i < cfg.calls; i++) {
        await op.before?.small();
        s.push(await time(op.small));
        await op.before?.big();
        b.push(await time(op.big));
        if (op === ops[0] && phase === "quiet") {
          deepSamples.push(await time(() => listMessages({ ctx: vBig, input: { conversationId: big.conversation.id, before: deepCursor } })));
        }
      }
      const row = { name: op.name, phase, small: summarize(s), big: summarize(b) };
      rows.push(row);
      log(`  history (${phase}): ${op.name}: ${cfg.smallSize} msgs p50 ${row.small.p50.toFixed(3)} ms, ${cfg.bigSize} msgs p50 ${row.big.p50.toFixed(3)} ms`);
    }
  };
  await measure("quiet");

  const last30 = selectMessageDTOs(db)
    .where(eq(messages.conversationId, big.conversation.id))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(31)
    .toSQL();
  const explainLast30 = await explain(db, last30);
  const deepQ = selectMessageDTOs(db)
    .where(
      and(
        eq(messages.conversationId, big.conversation.id),
        sql`(${messages.createdAt}, ${messages.id}) < (${deepRow.createdAt.toISOString()}::timestamptz, ${deepRow.id})`,
      ),
    )
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(31)
    .toSQL();
  const explainDeep = await explain(db, deepQ);
  // The watermark read inside markReceipt (lib/chat/receipts.ts), verbatim in shape.
  const receiptQ = {
    sql: `select "visitor_msgs_delivered_up_to", (select coalesce(max("messages"."id"), 0) from "messages" where "messages"."conversation_id" = $1) from "conversations" where "conversations"."id" = $1`,
    params: [big.conversation.id],
  };
  const explainReceipt = await explain(db, receiptQ);
  const afterQ = selectMessageDTOs(db)
    .where(and(eq(messages.conversationId, big.conversation.id), gt(messages.id, bigNewest - 10)))
    .orderBy(messages.id)
    .limit(201)
    .toSQL();
  const explainAfter = await explain(db, afterQ);

  // "Busy": another chat then receives `neighbourSize` messages, so both chats'
  // newest rows are far from the newest ids in the table (a long chat that
  // sat idle while others talked). Same operations again.
  let explainReceiptBusy = "";
  let explainAfterBusy = "";
  if (cfg.neighbourSize > 0) {
    const neighbour = await createConversation(db, { projectId: project.id, assigneeId: agent.id, status: "active" });
    await fill(neighbour.conversation.id, cfg.neighbourSize, t0 + (cfg.bigSize + cfg.smallSize) * 1000);
    await (db as unknown as Executable).execute(sql.raw("ANALYZE messages"));
    log(`  history: ${cfg.neighbourSize} newer messages inserted in another chat`);
    await measure("busy");
    explainReceiptBusy = await explain(db, receiptQ);
    explainAfterBusy = await explain(db, afterQ);
  }

  return {
    bigSize: cfg.bigSize,
    smallSize: cfg.smallSize,
    neighbourSize: cfg.neighbourSize,
    insertMs,
    insertRowsPerSec: (cfg.bigSize / insertMs) * 1000,
    rows,
    deep: summarize(deepSamples),
    deepBack,
    explainLast30,
    indexScanBackward: /Index Scan Backward using messages_conversation_created_idx/.test(explainLast30),
    explainDeep,
    explainReceipt,
    explainAfter,
    explainReceiptBusy,
    explainAfterBusy,
  };
}
