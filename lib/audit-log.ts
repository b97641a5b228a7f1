import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { rowsOf } from "../db/raw";
import { actionsInCategory, AUDIT_CATEGORY_NAMES, describeAuditAction, type AuditCategory } from "./audit-labels";
import { assertCan } from "./auth/permissions";
import { keysetCursor, keysetPage, pageFields, seekOrder, seekSql, type TablePage } from "./console/keyset";
import type { StaffCtx } from "./ctx";
import { AppError } from "./errors";
import { BigIdValue, DbId } from "./validation";

/** Newest first: the cursor is (created_at, id). */
const Cursor = keysetCursor(z.tuple([z.iso.datetime(), BigIdValue]));

/**
 * Past this many matching entries the "of Z" says "more than": counting a
 * year of assignments on every page turn is what keyset pagination avoids.
 */
export const AUDIT_COUNT_CAP = 10_000;

/** A day ("2026-05-01", that day in UTC) or an instant with its offset. */
const When = (edge: "start" | "end") =>
  z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: "Use a date (2026-05-31) or an ISO date and time." }).transform((v) => {
    if (v.length > 10) return new Date(v);
    const d = new Date(`${v}T00:00:00.000Z`);
    return edge === "start" ? d : new Date(d.getTime() + 24 * 3600_000 - 1);
  });

export const TARGET_TYPES = ["conversation", "user", "ip", "project", "lead"] as const;

export const ListAuditLogInput = z
  .object({
    category: z.enum(AUDIT_CATEGORY_NAMES as [AuditCategory, ...AuditCategory[]], { error: "Unknown category." }).optional(),
    /** One action, as stored ("ip.block"). */
    action: z
      .string()
      .trim()
      .max(64, "Unknown action.")
      .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)+$/, "Unknown action.")
      .optional(),
    /** Who did it: part of a staff member's name, email or username… */
    actor: z.string().trim().max(100, "Search with at most 100 characters.").optional(),
    /** …or exactly this staff member. */
    actorId: DbId.optional(),
    /** What it was done to: an address, a user id, a chat id (exact), optionally of one type. */
    target: z.string().trim().max(64, "At most 64 characters.").optional(),
    targetType: z.enum(TARGET_TYPES, { error: "Unknown target type." }).optional(),
    from: When("start").optional(),
    to: When("end").optional(),
    ...pageFields(Cursor),
  })
  .strict()
  .refine((i) => !(i.from && i.to) || i.from.getTime() <= i.to.getTime(), { message: "The start date must be on or before the end date.", path: ["to"] });

export type AuditEntryDTO = {
  id: number;
  at: string;
  action: string;
  label: string;
  category: AuditCategory;
  /** Who: a staff member, or the system job or visitor that did it. */
  actor: { kind: "staff"; id: number; name: string } | { kind: "system"; name: string } | { kind: "visitor" | "anonymous"; name: string };
  target: { type: string; id: string; label: string } | null;
  /** The entry's details as "what: value" lines, in the order written. */
  details: { key: string; value: string }[];
  /** The operator's address when it was done. */
  ip: string | null;
};

export type AuditLogPage = TablePage<AuditEntryDTO> & {
  /** `total` is a lower bound: more than AUDIT_COUNT_CAP entries match. */
  totalCapped: boolean;
};

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const iso = (v: unknown) => new Date(v as string | Date).toISOString();

/**
 * One page of the audit log, newest first (`security.view`): who did what,
 * to what, when, with its details — filtered by category or action, actor,
 * target and date range; keyset-paginated on (created_at, id). The total is
 * counted up to AUDIT_COUNT_CAP.
 */
export async function listAuditLog({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<AuditLogPage> {
  assertCan(ctx.actor, "security.view");
  const data = ListAuditLogInput.parse(input);
  const where: SQL[] = [sql`true`];
  if (data.category) {
    const actions = actionsInCategory(data.category);
    if (actions.length === 0) where.push(sql`false`);
    else where.push(sql`a.action in (${sql.join(actions.map((x) => sql`${x}`), sql`, `)})`);
  }
  if (data.action) where.push(sql`a.action = ${data.action}`);
  if (data.actorId) where.push(sql`a.actor_kind = 'staff' and a.actor_id = ${data.actorId}`);
  if (data.actor) {
    const like = `%${likeEscape(data.actor)}%`;
    where.push(
      sql`a.actor_kind = 'staff' and a.actor_id in (select x.id from users x where x.display_name ilike ${like} or x.email ilike ${like} or x.username ilike ${like})`,
    );
  }
  if (data.targetType) where.push(sql`a.target_type = ${data.targetType}`);
  if (data.target) where.push(sql`a.target_id = ${data.target}`);
  if (data.from) where.push(sql`a.created_at >= ${data.from.toISOString()}::timestamptz`);
  if (data.to) where.push(sql`a.created_at <= ${data.to.toISOString()}::timestamptz`);
  const filter = sql.join(where, sql` and `);
  const [{ n }] = rowsOf<{ n: number }>(
    await ctx.db.execute(sql`select count(*)::int as n from (select 1 from audit_log a where ${filter} limit ${AUDIT_COUNT_CAP + 1}) c`),
  );
  const capped = Number(n) > AUDIT_COUNT_CAP;
  const columns = [sql`a.created_at`, sql`a.id`];
  const page = await keysetPage({
    page: data,
    encode: Cursor.encode,
    keyOf: (r: Record<string, unknown>) => [iso(r.created_at), Number(r.id)] as [string, number],
    total: Math.min(Number(n), AUDIT_COUNT_CAP),
    fetch: async (seek, take) =>
      rowsOf<Record<string, unknown>>(
        await ctx.db.execute(sql`
          select a.id, a.created_at, a.action, a.actor_kind, a.actor_id, a.target_type, a.target_id, a.data, a.ip,
                 au.display_name as actor_name, tu.display_name as target_user_name, tp.title as target_project_title
          from audit_log a
          left join users au on a.actor_kind = 'staff' and au.id = a.actor_id
          left join users tu on a.target_type = 'user' and tu.id::text = a.target_id
          left join projects tp on a.target_type = 'project' and tp.id::text = a.target_id
          where ${filter} ${seek ? sql`and ${seekSql(columns, { ...seek, key: [sql`${seek.key[0]}::timestamptz`, seek.key[1]] }, "desc")}` : sql``}
          order by ${sql.join(seekOrder(columns, seek?.direction ?? "forward", "desc"), sql`, `)}
          limit ${take}`),
      ),
  });
  return { ...page, items: page.items.map(toDTO), totalCapped: capped };
}

function actorOf(r: Record<string, unknown>): AuditEntryDTO["actor"] {
  const kind = String(r.actor_kind);
  if (kind === "staff" && r.actor_id != null) return { kind: "staff", id: Number(r.actor_id), name: r.actor_name == null ? `Deleted user #${r.actor_id}` : String(r.actor_name) };
  if (kind.startsWith("system")) {
    const job = kind.slice("system:".length);
    return { kind: "system", name: job ? `System (${job})` : "System" };
  }
  if (kind === "visitor") return { kind: "visitor", name: r.actor_id == null ? "A visitor" : `Visitor #${r.actor_id}` };
  return { kind: "anonymous", name: "Anonymous" };
}

function targetOf(r: Record<string, unknown>): AuditEntryDTO["target"] {
  if (r.target_type == null || r.target_id == null) return null;
  const type = String(r.target_type);
  const id = String(r.target_id);
  const label =
    type === "user"
      ? r.target_user_name == null
        ? `Deleted user #${id}`
        : String(r.target_user_name)
      : type === "conversation"
        ? `Chat #${id}`
        : type === "project"
          ? r.target_project_title == null
            ? `Project #${id}`
            : String(r.target_project_title)
          : id;
  return { type, id, label };
}

function toDTO(r: Record<string, unknown>): AuditEntryDTO {
  const action = String(r.action);
  const info = describeAuditAction(action);
  return {
    id: Number(r.id),
    at: iso(r.created_at),
    action,
    label: info.label,
    category: info.category,
    actor: actorOf(r),
    target: targetOf(r),
    details: auditDetails(parseData(r.data)),
    ip: r.ip == null ? null : String(r.ip),
  };
}

function parseData(v: unknown): Record<string, unknown> {
  if (typeof v === "string") {
    try {
      return JSON.parse(v) as Record<string, unknown>;
    } catch {
      throw new AppError("internal", "An audit row's data doesn't parse.");
    }
  }
  return (v ?? {}) as Record<string, unknown>;
}

/** Ids that only matter to the database, not to a reader of the log. */
const HIDDEN_KEYS = new Set(["blockId"]);

const words = (key: string) => {
  const w = key.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/[_.]/g, " ").toLowerCase();
  return w.charAt(0).toUpperCase() + w.slice(1);
};

function show(v: unknown): string {
  if (v === null || v === undefined || v === "") return "—";
  if (Array.isArray(v)) return v.length ? v.map(show).join(", ") : "none";
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if ("from" in o && "to" in o) return `${show(o.from)} → ${show(o.to)}`;
    return Object.entries(o)
      .map(([k, x]) => `${words(k)}: ${show(x)}`)
      .join("; ");
  }
  if (typeof v === "boolean") return v ? "yes" : "no";
  return String(v);
}

/**
 * An entry's data as lines a person reads: `{ changes: { "login.limit": {from: 5, to: 6} } }`
 * → "Login limit: 5 → 6"; `{ role: { from: "agent", to: "manager" } }` → "Role: agent → manager".
 */
export function auditDetails(data: Record<string, unknown>): { key: string; value: string }[] {
  const out: { key: string; value: string }[] = [];
  for (const [k, v] of Object.entries(data)) {
    if (HIDDEN_KEYS.has(k)) continue;
    // One level of named changes ("changes", a settings diff) reads better flattened.
    if (k === "changes" && v && typeof v === "object" && !Array.isArray(v)) {
      for (const [ck, cv] of Object.entries(v as Record<string, unknown>)) out.push({ key: words(ck), value: show(cv) });
      continue;
    }
    out.push({ key: words(k), value: show(v) });
  }
  return out;
}
