import { randomBytes } from "node:crypto";
import type { Route } from "@playwright/test";
import { eq, sql } from "drizzle-orm";
import { openDatabase } from "../../db/client";
import { conversations, messages, projects, users, visitors } from "../../db/schema";

/**
 * Long chats written straight into a stopped server's database (the thread
 * spec and bench/thread.ts): thousands of messages over several days, with
 * timestamps in the past that no live send could produce. PGlite can't be
 * opened while the server holds it, so callers stop the server, seed, start it.
 */
export type SeededChat = {
  conversationId: number;
  /** The visitor's token: put it in localStorage `occ:v:<slug>` to open the chat as the visitor. */
  token: string;
  visitorName: string;
  /** Message ids, oldest first. */
  ids: number[];
  /** Bodies, oldest first (`seed <n>`; the n-th message from the start is `seed n`). */
  bodies: string[];
};

export type ChatSpec = {
  slug?: string;
  messages: number;
  /** Spread the messages evenly over this many days, ending a minute ago (1 = today only). */
  days?: number;
  /** Every k-th message is from the admin (the rest from the visitor). */
  staffEvery?: number;
  /** 1-based positions that are system lines instead (`system <n>`). */
  system?: number[];
  /** Optional extra messages (appended last, newest): a reply to the message `back` messages before it. */
  replies?: { back: number; body: string }[];
  assigneeEmail?: string;
  status?: "queued" | "active" | "offline" | "closed";
};

export async function seedChats(target: { url: string } | { dataDir: string }, specs: ChatSpec[]): Promise<SeededChat[]> {
  const handle = await openDatabase(target);
  const db = handle.db;
  try {
    const out: SeededChat[] = [];
    for (const spec of specs) {
      const [project] = await db.select().from(projects).where(eq(projects.slug, spec.slug ?? "default")).limit(1);
      if (!project) throw new Error(`no project ${spec.slug ?? "default"}: start the server once first`);
      const [admin] = await db.select().from(users).where(eq(users.role, "admin")).limit(1);
      const assignee = spec.assigneeEmail ? (await db.select().from(users).where(eq(users.email, spec.assigneeEmail)).limit(1))[0] : undefined;
      const u = randomBytes(3).toString("hex");
      const token = randomBytes(32).toString("base64url");
      const visitorName = `Longchat ${u}`;
      const [visitor] = await db
        .insert(visitors)
        .values({ projectId: project.id, token, name: visitorName, phone: `+1201555${String(Math.floor(Math.random() * 1e4)).padStart(4, "0")}`, email: `long-${u}@example.test`, firstIp: "203.0.113.9" })
        .returning();
      const now = Date.now() - 60_000;
      const days = spec.days ?? 1;
      const span = days > 1 ? (days - 1) * 86_400_000 : 3_600_000;
      const start = now - span;
      const n = spec.messages;
      const staffEvery = spec.staffEvery ?? 3;
      const [conversation] = await db
        .insert(conversations)
        .values({
          projectId: project.id,
          visitorId: visitor.id,
          visitorPhone: visitor.phone,
          status: spec.status ?? (assignee ? "active" : "queued"),
          assigneeId: assignee?.id ?? null,
          ip: "203.0.113.9",
          createdAt: new Date(start),
          lastMessageAt: new Date(now),
          lastMessagePreview: `seed ${n}`,
        })
        .returning();
      const system = new Set(spec.system ?? []);
      const rows = Array.from({ length: n }, (_, i) => {
        const fromStaff = staffEvery > 0 && i % staffEvery === staffEvery - 1;
        const kind = system.has(i + 1) ? ("system" as const) : fromStaff ? ("admin" as const) : ("visitor" as const);
        return {
          conversationId: conversation.id,
          senderKind: kind,
          senderId: kind === "admin" ? admin.id : null,
          body: kind === "system" ? `system ${i + 1}` : `seed ${i + 1}`,
          clientMsgId: `seed-${conversation.id}-${i + 1}`,
          createdAt: new Date(n > 1 ? start + Math.floor((span * i) / (n - 1)) : now),
        };
      });
      const ids: number[] = [];
      for (let i = 0; i < rows.length; i += 5000) {
        const r = await db.insert(messages).values(rows.slice(i, i + 5000)).returning({ id: messages.id });
        ids.push(...r.map((x) => x.id));
      }
      const bodies = rows.map((r) => r.body);
      for (const [k, reply] of (spec.replies ?? []).entries()) {
        const target = ids[ids.length - reply.back];
        const [r] = await db
          .insert(messages)
          .values({
            conversationId: conversation.id,
            senderKind: "admin",
            senderId: admin.id,
            body: reply.body,
            clientMsgId: `seed-${conversation.id}-reply-${k}`,
            replyToId: target,
            createdAt: new Date(now + 1 + k),
          })
          .returning({ id: messages.id });
        ids.push(r.id);
        bodies.push(reply.body);
      }
      out.push({ conversationId: conversation.id, token, visitorName, ids, bodies });
    }
    // As autovacuum would after a bulk load: the planner picks the (conversation_id, created_at, id) index.
    await db.execute(sql`analyze messages`);
    return out;
  } finally {
    await handle.close();
  }
}

/**
 * A `page.route` handler for the history endpoint (`messages?before=`) that answers the first
 * older-page request with the `n − 30` messages before the open page, fetched
 * from the real endpoint in pages of 100, as one page (paging back 30 at a time
 * would be n / 30 round trips); every later request goes through untouched. So
 * the client holds exactly what scrolling back would have given it.
 */
export function answerFirstOlderPageWith(n: number): (route: Route) => Promise<void> {
  let served = false;
  return async (route) => {
    if (served) return route.fallback();
    served = true;
    const url = new URL(route.request().url());
    let cursor = url.searchParams.get("before");
    const pages: unknown[][] = [];
    let got = 0;
    while (cursor && got < n - 30) {
      url.searchParams.set("before", cursor);
      url.searchParams.set("limit", String(Math.min(100, n - 30 - got)));
      const body = (await (await route.fetch({ url: url.toString() })).json()) as { messages: unknown[]; nextCursor: string | null };
      pages.unshift(body.messages);
      got += body.messages.length;
      cursor = body.nextCursor;
    }
    await route.fulfill({ json: { messages: pages.flat(), nextCursor: cursor } });
  };
}
