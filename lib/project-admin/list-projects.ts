import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { rowsOf, sqlBool } from "../../db/raw";
import { assertCan } from "../auth/permissions";
import { keysetCursor, keysetPage, pageFields, seekOrder, seekSql, type TablePage } from "../console/keyset";
import type { StaffCtx } from "../ctx";
import { getEnv } from "../env";
import { safeAccent } from "../projects/branding";

/** Sorted by slug (unique): the cursor is the slug alone. */
const Cursor = keysetCursor(z.tuple([z.string().max(100)]));

export const ListProjectsInput = z.object({
  q: z.string().trim().max(100, "Search with at most 100 characters.").optional(),
  ...pageFields(Cursor),
});

export type ProjectRowDTO = {
  id: number;
  slug: string;
  title: string;
  subtitle: string;
  accentColor: string;
  iconUrl: string | null;
  widgetPosition: "right" | "left";
  isDefault: boolean;
  originCount: number;
  version: string;
};

export type ProjectListPage = TablePage<ProjectRowDTO> & {
  /** APP_URL (or, without it, this server's configured address): the base of every embed code and page link. */
  appUrl: string;
  /** False when APP_URL isn't set: the links shown are a local stand-in. */
  appUrlConfigured: boolean;
};

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The base of absolute URLs shown to admins: APP_URL, never a request's Host header. */
export function publicBaseUrl(): { appUrl: string; appUrlConfigured: boolean } {
  const env = getEnv();
  if (env.appUrl) return { appUrl: env.appUrl, appUrlConfigured: true };
  const host = env.host === "0.0.0.0" || env.host === "::" ? "localhost" : env.host;
  return { appUrl: `http://${host}:${env.port}`, appUrlConfigured: false };
}

/**
 * One page of the Projects table (`projects.edit`), searched by slug or
 * title, keyset-paginated on the slug. The total is an exact count: an
 * install has a handful of projects, not millions.
 */
export async function listProjects({ ctx, input }: { ctx: StaffCtx; input: unknown }): Promise<ProjectListPage> {
  assertCan(ctx.actor, "projects.edit");
  const data = ListProjectsInput.parse(input);
  const where: SQL[] = [sql`true`];
  if (data.q) {
    const like = `%${likeEscape(data.q)}%`;
    where.push(sql`(p.slug ilike ${like} or p.title ilike ${like})`);
  }
  const filter = sql.join(where, sql` and `);
  const [{ n }] = rowsOf<{ n: number }>(await ctx.db.execute(sql`select count(*)::int as n from projects p where ${filter}`));
  const sortColumns = [sql`p.slug`];
  const page = await keysetPage({
    page: data,
    encode: Cursor.encode,
    keyOf: (r: Record<string, unknown>) => [String(r.slug)] as [string],
    total: Number(n),
    fetch: async (seek, take) =>
      rowsOf<Record<string, unknown>>(
        await ctx.db.execute(sql`
          select p.id, p.slug, p.title, p.subtitle, p.accent_color, p.icon_url, p.widget_position, p.is_default, p.updated_at,
                 jsonb_array_length(p.allowed_origins)::int as origin_count
          from projects p
          where ${filter} ${seek ? sql`and ${seekSql(sortColumns, seek, "asc")}` : sql``}
          order by ${sql.join(seekOrder(sortColumns, seek?.direction ?? "forward", "asc"), sql`, `)}
          limit ${take}`),
      ),
  });
  return {
    ...page,
    items: page.items.map((r) => ({
      id: Number(r.id),
      slug: String(r.slug),
      title: String(r.title),
      subtitle: String(r.subtitle),
      accentColor: safeAccent(String(r.accent_color)),
      iconUrl: r.icon_url == null ? null : String(r.icon_url),
      widgetPosition: r.widget_position === "left" ? "left" : "right",
      isDefault: sqlBool(r.is_default),
      originCount: Number(r.origin_count),
      version: new Date(r.updated_at as string | Date).toISOString(),
    })),
    ...publicBaseUrl(),
  };
}
