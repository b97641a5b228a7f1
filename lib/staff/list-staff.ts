import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { rowsOf, sqlBool } from "../../db/raw";
import { STAFF_ROLES, type StaffRole } from "../../db/schema";
import { assertCan, roleHoldsSql } from "../auth/permissions";
import { keysetCursor, keysetPage, pageFields, seekOrder, seekSql, type TablePage } from "../console/keyset";
import type { StaffCtx } from "../ctx";
import { agentConnectedSql, agentOnlineSql } from "../routing/eligibility";
import { presenceOf } from "../routing/list-agents";
import { DbIdValue } from "../validation";
import type { AgentPresence } from "../wire";
import { rolesWith } from "../auth/permissions";
import { assignableRoles, mayManageRole } from "./policy";

/** "agents": the people routing hands chats to (the Agents page); "staff": everyone else (admins, managers, QA). */
export const STAFF_KINDS = ["agents", "staff"] as const;
export type StaffKind = (typeof STAFF_KINDS)[number];

/** Sorted by name (case-insensitive), then id: the cursor is that pair. */
const Cursor = keysetCursor(z.tuple([z.string().max(400), DbIdValue]));

export const ListStaffInput = z.object({
  kind: z.enum(STAFF_KINDS, { error: "Choose agents or staff." }),
  q: z.string().trim().max(100, "Search with at most 100 characters.").optional(),
  status: z.enum(["all", "active", "disabled"], { error: "Unknown status filter." }).default("all"),
  role: z.enum(STAFF_ROLES, { error: "Unknown role." }).optional(),
  ...pageFields(Cursor),
});

/** online: a live console; grace: gone less than 30 s (a refresh); break: online but taking no chats; offline. */
export type Presence = AgentPresence;

export type StaffRowDTO = {
  id: number;
  displayName: string;
  email: string;
  username: string | null;
  role: StaffRole;
  disabled: boolean;
  liveChatEnabled: boolean;
  crmEnabled: boolean;
  activeChatLimit: number;
  offlineChatLimit: number;
  presence: Presence;
  activeCount: number;
  offlineCount: number;
  lastSeenAt: string | null;
  /** The row's updatedAt: sent back with an edit, so a stale save is refused. */
  version: string;
  /** What the viewer may do to this row (the page hides the rest; the verbs refuse it anyway). */
  rights: { edit: boolean; changeRole: boolean; resetPassword: boolean; signOut: boolean; disable: boolean };
};

export type StaffListPage = TablePage<StaffRowDTO> & {
  /** Roles the viewer may give (the create dialog's and the role select's options). */
  assignableRoles: StaffRole[];
  /** The roles routing hands chats to (the policy's `chat.receive_routed`): theirs are the Agents table and the chat limits and toggles. */
  agentRoles: StaffRole[];
};

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * One page of the Agents or Staff table, with presence and load, filtered by
 * search (name, email, username), status and role; keyset-paginated on
 * (lower(name), id). The total is an exact count: staff tables are small.
 */
export async function listStaff({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<StaffListPage> {
  const data = ListStaffInput.parse(input);
  assertCan(ctx.actor, data.kind === "agents" ? "agents.manage" : "staff.manage");
  const agents = roleHoldsSql("chat.receive_routed", "u");
  const where: SQL[] = [data.kind === "agents" ? agents : sql`not ${agents}`];
  if (data.status !== "all") where.push(sql`u.disabled = ${data.status === "disabled"}`);
  if (data.role) where.push(sql`u.role = ${data.role}`);
  if (data.q) {
    const like = `%${likeEscape(data.q)}%`;
    where.push(sql`(u.display_name ilike ${like} or u.email ilike ${like} or u.username ilike ${like})`);
  }
  const filter = sql.join(where, sql` and `);
  const [{ n }] = rowsOf<{ n: number }>(await ctx.db.execute(sql`select count(*)::int as n from users u where ${filter}`));
  const sortColumns = [sql`lower(u.display_name)`, sql`u.id`];

  const page = await keysetPage({
    page: data,
    encode: Cursor.encode,
    keyOf: (r: Record<string, unknown>) => [String(r.sort_name), Number(r.id)] as [string, number],
    total: Number(n),
    fetch: async (seek, take) =>
      rowsOf<Record<string, unknown>>(
        await ctx.db.execute(sql`
          select u.id, u.display_name, lower(u.display_name) as sort_name, u.email, u.username, u.role, u.disabled,
                 u.live_chat_enabled, u.crm_enabled, u.active_chat_limit, u.offline_chat_limit, u.on_break,
                 u.last_seen_at, u.updated_at,
                 ${agentConnectedSql(ctx.now)} as connected,
                 ${agentOnlineSql(ctx.now)} as online,
                 (select count(*) from conversations x where x.assignee_id = u.id and x.status = 'active')::int as active_count,
                 (select count(*) from conversations x where x.assignee_id = u.id and x.status = 'offline')::int as offline_count
          from users u
          where ${filter} ${seek ? sql`and ${seekSql(sortColumns, seek, "asc")}` : sql``}
          order by ${sql.join(seekOrder(sortColumns, seek?.direction ?? "forward", "asc"), sql`, `)}
          limit ${take}`),
      ),
  });
  return { ...page, items: page.items.map((r) => toDTO(ctx, r)), assignableRoles: assignableRoles(ctx.actor), agentRoles: rolesWith("chat.receive_routed") };
}

const iso = (v: unknown) => (v == null ? null : new Date(v as string | Date).toISOString());

function toDTO(ctx: StaffCtx, r: Record<string, unknown>): StaffRowDTO {
  const id = Number(r.id);
  const role = r.role as StaffRole;
  const presence: Presence = presenceOf(r);
  const self = id === ctx.actor.userId;
  const edit = mayManageRole(ctx.actor, role);
  return {
    id,
    displayName: String(r.display_name),
    email: String(r.email),
    username: r.username == null ? null : String(r.username),
    role,
    disabled: sqlBool(r.disabled),
    liveChatEnabled: sqlBool(r.live_chat_enabled),
    crmEnabled: sqlBool(r.crm_enabled),
    activeChatLimit: Number(r.active_chat_limit),
    offlineChatLimit: Number(r.offline_chat_limit),
    presence,
    activeCount: Number(r.active_count),
    offlineCount: Number(r.offline_count),
    lastSeenAt: iso(r.last_seen_at),
    version: iso(r.updated_at)!,
    rights: {
      edit,
      changeRole: edit && !self && assignableRoles(ctx.actor).length > 1,
      resetPassword: edit && !self,
      signOut: edit && !self,
      disable: edit && !self,
    },
  };
}
