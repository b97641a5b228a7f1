import { and, desc, eq, ilike, inArray, isNotNull, ne, or, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { keysetCursor } from "../validation";
import { conversations, stars, visitors } from "../../db/schema";
import type { StaffCtx } from "../ctx";
import { loadConversationDTOs } from "../chat/dto";
import type { ConversationDTO } from "../wire";
import { assertAgentInbox } from "./access";
import { BUCKETS, phoneDigits, SEARCH_MAX_CHARS, type Bucket } from "./buckets";

/** `<last_message_at ms>.<id>` of the last row of the previous page. */
export const BucketCursor = keysetCursor(2_147_483_647);

export const ListBucketInput = z.object({
  bucket: z.enum(BUCKETS),
  // Empty or whitespace-only means "no search" (the box was cleared).
  q: z
    .string()
    .trim()
    .max(SEARCH_MAX_CHARS, `Search is limited to ${SEARCH_MAX_CHARS} characters.`)
    .optional()
    .transform((s) => (s ? s : undefined)),
  after: BucketCursor.optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});
export type ListBucketInput = z.input<typeof ListBucketInput>;

export type InboxItem = ConversationDTO & { starred: boolean };
export type BucketPage = { items: InboxItem[]; nextCursor: string | null };

/** The rows of one bucket for agent `userId` (see `bucketOf` in ./buckets for the same rule in the browser). */
export function bucketWhere(bucket: Bucket, userId: number): SQL {
  const c = conversations;
  switch (bucket) {
    case "active":
    case "offline":
    case "closed":
      return and(eq(c.assigneeId, userId), eq(c.status, bucket))!;
    case "unassigned":
      return eq(c.status, "queued");
    case "others":
      return and(inArray(c.status, ["active", "offline"]), isNotNull(c.assigneeId), ne(c.assigneeId, userId))!;
  }
}

/** `%`, `_` and `\` are literal in a search, not LIKE wildcards. */
function likeContains(s: string) {
  return `%${s.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

/**
 * One page of an agent's bucket, most recent message first. Sorted by last
 * message time only, keyset on (last_message_at DESC, id DESC): opening a chat
 * or changing its lead stage never reorders the list, and paging never skips
 * or repeats rows even when many chats share a timestamp.
 */
export async function listBucket({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<BucketPage> {
  assertAgentInbox(ctx);
  const data = ListBucketInput.parse(input);
  const me = ctx.actor.userId;
  const c = conversations;

  const where: SQL[] = [bucketWhere(data.bucket, me)];
  if (data.q) {
    const byName = ilike(visitors.name, likeContains(data.q));
    const digits = phoneDigits(data.q);
    // Phones are stored E.164 ("+447700900123"); compare digits only, so "+44 7700 900123" and "07700 900123" both match.
    const phone = sql`regexp_replace(${visitors.phone}, '[^0-9]', '', 'g')`;
    where.push(digits ? or(byName, ...digits.filter(Boolean).map((d) => sql`${phone} like ${likeContains(d)}`))! : byName);
  }
  if (data.after) {
    where.push(sql`(${c.lastMessageAt}, ${c.id}) < (${data.after.at.toISOString()}::timestamptz, ${data.after.id})`);
  }

  const rows = await ctx.db
    .select({ id: c.id, lastMessageAt: c.lastMessageAt, starred: sql<boolean>`${stars.userId} is not null` })
    .from(c)
    .innerJoin(visitors, eq(visitors.id, c.visitorId))
    .leftJoin(stars, and(eq(stars.conversationId, c.id), eq(stars.userId, me)))
    .where(and(...where))
    .orderBy(desc(c.lastMessageAt), desc(c.id))
    .limit(data.limit + 1);

  const page = rows.slice(0, data.limit);
  const dtos = new Map((await loadConversationDTOs(ctx.db, page.map((r) => r.id))).map((d) => [d.id, d]));
  const last = page.at(-1);
  return {
    items: page.flatMap((r) => {
      const dto = dtos.get(r.id);
      return dto ? [{ ...dto, starred: Boolean(r.starred) }] : [];
    }),
    nextCursor: rows.length > data.limit && last ? `${last.lastMessageAt.getTime()}.${last.id}` : null,
  };
}
