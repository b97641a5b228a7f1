import { and, eq, isNotNull, ne, or, sql } from "drizzle-orm";
import { conversations } from "../../db/schema";
import type { StaffCtx } from "../ctx";
import { assertAgentInbox } from "./access";
import { bucketWhere } from "./list-bucket";
import type { Bucket } from "./buckets";

export type BucketCount = { count: number; unread: number };
export type BucketCounts = Record<Bucket, BucketCount>;

const n = (expr: ReturnType<typeof sql>) => sql<number>`${expr}`.mapWith(Number);

/**
 * Live count and unread badge of every bucket, in one query (conditional
 * aggregates). Own buckets: unread = unread visitor messages summed. Unassigned:
 * how many queued chats have unread messages. Others: always 0 — a teammate's
 * unread messages are theirs to read, and badging them would be noise.
 */
export async function bucketCounts({ ctx }: { ctx: StaffCtx }): Promise<BucketCounts> {
  assertAgentInbox(ctx);
  const me = ctx.actor.userId;
  const c = conversations;
  const own = (b: Bucket) => ({
    count: n(sql`count(*) filter (where ${bucketWhere(b, me)})`),
    unread: n(sql`coalesce(sum(${c.staffUnread}) filter (where ${bucketWhere(b, me)}), 0)`),
  });
  const [row] = await ctx.db
    .select({
      active: own("active"),
      offline: own("offline"),
      closed: own("closed"),
      unassigned: {
        count: n(sql`count(*) filter (where ${bucketWhere("unassigned", me)})`),
        unread: n(sql`count(*) filter (where ${bucketWhere("unassigned", me)} and ${c.staffUnread} > 0)`),
      },
      others: { count: n(sql`count(*) filter (where ${bucketWhere("others", me)})`), unread: n(sql`0`) },
    })
    .from(c)
    // Every row any bucket could count, so the scan stays on the indexed columns.
    .where(or(eq(c.status, "queued"), eq(c.assigneeId, me), and(isNotNull(c.assigneeId), ne(c.status, "closed"))));
  return row as BucketCounts;
}
