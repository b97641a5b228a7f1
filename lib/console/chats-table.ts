import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "../../db/client";
import { rowsOf, sqlBool } from "../../db/raw";
import { LEAD_STAGES, type ConversationStatus, type LeadStage } from "../../db/schema";
import { assertCan, roleHoldsSql } from "../auth/permissions";
import { AI_AGENT, CHAT_PILLS } from "./chats-filters";
import { keysetCursor, keysetPage, pageFields, seekOrder, seekSql, totalAtLeastShown, type TablePage } from "./keyset";
import type { StaffCtx } from "../ctx";
import { singleton } from "../singleton";
import { DbId, DbIdValue } from "../validation";

export { AI_AGENT, CHAT_PILLS, type ChatPill } from "./chats-filters";

/** Sorted by last message time, newest first, then id: the cursor is that pair (ms since epoch — the column is ms precision). */
const Cursor = keysetCursor(z.tuple([z.number().int().min(0).max(8_640_000_000_000_000), DbIdValue]));

const Instant = z.iso.datetime({ offset: true, error: "Use an ISO date-time, like 2026-12-01T00:00:00Z." }).transform((s) => new Date(s));

export const ListChatsInput = z
  .object({
    pill: z.enum(CHAT_PILLS, { error: "Unknown filter: choose All, Assigned, Unassigned, Offline or Closed." }).default("all"),
    stage: z.enum(LEAD_STAGES, { error: "Unknown lead stage." }).optional(),
    agent: z.union([z.literal(AI_AGENT), DbId], { error: "Unknown agent." }).optional(),
    project: DbId.optional(),
    /** Last message at or after this instant (the date range is on "Updated", the table's sort key). */
    from: Instant.optional(),
    /** Last message before this instant (exclusive: the day after the range's last day, at midnight). */
    to: Instant.optional(),
    q: z.string().trim().max(100, "Search with at most 100 characters.").optional(),
    ...pageFields(Cursor),
  })
  .refine((d) => !d.from || !d.to || d.from < d.to, { path: ["to"], message: "The end of the date range must be after its start." });

export type ChatRowDTO = {
  id: number;
  visitor: { id: number; name: string; phone: string; email: string };
  projectId: number;
  projectTitle: string;
  status: ConversationStatus;
  assigneeId: number | null;
  assigneeName: string | null;
  assignedToAi: boolean;
  leadStage: LeadStage;
  lastMessageAt: string;
  lastMessagePreview: string;
  createdAt: string;
};

export type ChatsTablePage = TablePage<ChatRowDTO> & {
  /** The filter menus' choices: who may hold chats, and the projects. */
  options: { agents: { id: number; name: string; disabled: boolean }[]; projects: { id: number; title: string }[] };
};

/** How long a total is reused for the same filters: page turns within it cost no count. */
export const TOTAL_TTL_MS = 30_000;
const TOTAL_CACHE_SIZE = 200;

type CachedTotal = { at: number; n: Promise<number> };

/**
 * Totals per database per normalised filter set, on globalThis (server.ts and
 * Next's route handlers load separate copies of this module; one cache). A
 * Map kept in insertion order is the LRU: a hit re-inserts its key.
 */
const totals = () => singleton("chats-table-totals", () => new WeakMap<Db, Map<string, CachedTotal>>());

function cachedTotal(db: Db, key: string, now: number, count: () => Promise<number>): Promise<number> {
  let cache = totals().get(db);
  if (!cache) totals().set(db, (cache = new Map()));
  const hit = cache.get(key);
  cache.delete(key);
  if (hit && now - hit.at < TOTAL_TTL_MS) {
    cache.set(key, hit);
    return hit.n;
  }
  const entry: CachedTotal = { at: now, n: count() };
  cache.set(key, entry);
  // A failed count is not remembered.
  entry.n.catch(() => cache.get(key) === entry && cache.delete(key));
  while (cache.size > TOTAL_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return entry.n;
}

/** Forget every cached total (tests; a caller that knows the numbers moved). */
export function forgetChatTotals(db: Db) {
  totals().delete(db);
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The search: a prefix of the visitor's email (the query has an "@"), of
 * their E.164 phone (only phone characters, 3+ digits; the country code
 * first), or of their name — all case-insensitive. Prefixes, because a
 * btree answers them at a million visitors; a substring would scan them all.
 * Email and phone prefixes are narrow: through the visitors' prefix indexes.
 * A name reads the chat's own copy (`visitor_search`, lowercased and kept by
 * triggers, migration 0015): a broad prefix walks the recency index, whose
 * entries carry it, without visiting a row that doesn't match; a narrow one
 * takes the prefix index.
 */
function searchFilter(q: string): SQL {
  const lower = likeEscape(q.toLowerCase());
  const visitor = (cond: SQL) => sql`exists (select 1 from visitors v where v.id = c.visitor_id and ${cond})`;
  if (q.includes("@")) return visitor(sql`lower(v.email) like ${lower + "%"}`);
  const digits = q.replace(/\D/g, "");
  if (/^[+\d\s().-]+$/.test(q) && digits.length >= 3) return visitor(sql`v.phone like ${"+" + digits + "%"}`);
  return sql`c.visitor_search like ${lower + "%"}`;
}

type Filters = Omit<z.output<typeof ListChatsInput>, "after" | "before" | "limit">;

function filterSql(f: Filters): SQL {
  const where: SQL[] = [];
  if (f.pill === "assigned") where.push(sql`c.status = 'active' and c.assignee_id is not null`);
  else if (f.pill === "unassigned") where.push(sql`c.status = 'queued'`);
  else if (f.pill === "offline") where.push(sql`c.status = 'offline'`);
  else if (f.pill === "closed") where.push(sql`c.status = 'closed'`);
  if (f.stage) where.push(sql`c.lead_stage = ${f.stage}`);
  if (f.agent === AI_AGENT) where.push(sql`c.assigned_to_ai`);
  else if (f.agent !== undefined) where.push(sql`c.assignee_id = ${f.agent}`);
  if (f.project !== undefined) where.push(sql`c.project_id = ${f.project}`);
  if (f.from) where.push(sql`c.last_message_at >= ${f.from.toISOString()}::timestamptz`);
  if (f.to) where.push(sql`c.last_message_at < ${f.to.toISOString()}::timestamptz`);
  if (f.q) where.push(searchFilter(f.q));
  return where.length ? sql.join(where, sql` and `) : sql`true`;
}

/** The cache key: the filters only, in a fixed order, so "?pill=all" and "" share one count. */
function filterKey(f: Filters): string {
  return JSON.stringify([f.pill, f.stage ?? null, f.agent ?? null, f.project ?? null, f.from?.getTime() ?? null, f.to?.getTime() ?? null, f.q?.toLowerCase() || null]);
}

const SORT = [sql`c.last_message_at`, sql`c.id`];

/**
 * One page of the back office's Chats table: every conversation, newest
 * message first, filtered by pill, lead stage, agent (or the AI), project,
 * last-message date range and visitor search; keyset-paginated on
 * (last_message_at, id) both ways. The "of Z" total is counted once per
 * filter set and reused for TOTAL_TTL_MS (a count at a million rows costs
 * more than the page itself), so it can trail new chats by that long.
 */
export async function listAllConversations({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<ChatsTablePage> {
  assertCan(ctx.actor, "chat.view_all");
  const data = ListChatsInput.parse(input);
  const filter = filterSql(data);
  const totalP = cachedTotal(ctx.db, filterKey(data), ctx.now.getTime(), async () => {
    const [{ n }] = rowsOf<{ n: number }>(await ctx.db.execute(sql`select count(*)::int as n from conversations c where ${filter}`));
    return Number(n);
  });
  const [page, total, options] = await Promise.all([
    keysetPage({
      page: data,
      encode: Cursor.encode,
      keyOf: (r: Record<string, unknown>) => [new Date(r.last_message_at as string).getTime(), Number(r.id)] as [number, number],
      total: 0,
      fetch: async (seek, take) =>
        rowsOf<Record<string, unknown>>(
          await ctx.db.execute(sql`
            select c.id, c.project_id, c.status, c.assignee_id, c.assigned_to_ai, c.lead_stage, c.last_message_at,
                   c.last_message_preview, c.created_at, c.visitor_id, v.name as visitor_name, v.phone as visitor_phone,
                   v.email as visitor_email, p.title as project_title, u.display_name as assignee_name
            from (
              -- The page's keys first (from an index alone where the filter allows), then its rows.
              select c.id from conversations c
              where ${filter}
                ${seek ? sql`and ${seekSql(SORT, { direction: seek.direction, key: [sql`${new Date(seek.key[0]).toISOString()}::timestamptz`, seek.key[1]] }, "desc")}` : sql``}
              order by ${sql.join(seekOrder(SORT, seek?.direction ?? "forward", "desc"), sql`, `)}
              limit ${take}
            ) k
            join conversations c on c.id = k.id
            join visitors v on v.id = c.visitor_id
            join projects p on p.id = c.project_id
            left join users u on u.id = c.assignee_id
            order by ${sql.join(seekOrder(SORT, seek?.direction ?? "forward", "desc"), sql`, `)}`),
        ),
    }),
    totalP,
    filterOptions(ctx.db),
  ]);
  return { ...page, total: totalAtLeastShown(page, total), items: page.items.map(toRow), options };
}

async function filterOptions(db: Db): Promise<ChatsTablePage["options"]> {
  const [agents, projects] = await Promise.all([
    db.execute(sql`select u.id, u.display_name, u.disabled from users u where ${roleHoldsSql("chat.view_own", "u")} order by lower(u.display_name), u.id`),
    db.execute(sql`select id, title from projects order by lower(title), id`),
  ]);
  return {
    agents: rowsOf<Record<string, unknown>>(agents).map((r) => ({ id: Number(r.id), name: String(r.display_name), disabled: sqlBool(r.disabled) })),
    projects: rowsOf<Record<string, unknown>>(projects).map((r) => ({ id: Number(r.id), title: String(r.title) })),
  };
}

const iso = (v: unknown) => new Date(v as string | Date).toISOString();

function toRow(r: Record<string, unknown>): ChatRowDTO {
  const ai = sqlBool(r.assigned_to_ai);
  return {
    id: Number(r.id),
    visitor: { id: Number(r.visitor_id), name: String(r.visitor_name), phone: String(r.visitor_phone), email: String(r.visitor_email) },
    projectId: Number(r.project_id),
    projectTitle: String(r.project_title),
    status: r.status as ConversationStatus,
    assigneeId: r.assignee_id == null ? null : Number(r.assignee_id),
    assigneeName: r.assignee_name == null ? null : String(r.assignee_name),
    assignedToAi: ai,
    leadStage: r.lead_stage as LeadStage,
    lastMessageAt: iso(r.last_message_at),
    lastMessagePreview: String(r.last_message_preview),
    createdAt: iso(r.created_at),
  };
}
