import pg from "pg";
import type { DbHandle } from "../../db/client";
import { createTestDb } from "../../db/testing";
import { sql } from "drizzle-orm";
import { setSingleton } from "../../lib/singleton";
import { setBenchDatabase } from "./cpu";

export const DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/test";

export type PgTarget = { url: string; explicit: boolean } | null;

/** BENCH_DATABASE_URL, else TEST_DATABASE_URL, else the local default if something answers there. */
export async function resolvePostgres(): Promise<{ target: PgTarget; note: string }> {
  const explicit = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;
  const url = explicit || DEFAULT_PG_URL;
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  c.on("error", () => {});
  try {
    await c.connect();
    const r = await c.query<{ v: string }>("select current_setting('server_version') as v");
    return { target: { url, explicit: !!explicit }, note: `PostgreSQL ${r.rows[0].v} at ${redact(url)}` };
  } catch (err) {
    return { target: null, note: `PostgreSQL not reachable at ${redact(url)} (${(err as Error).message})` };
  } finally {
    await c.end().catch(() => {});
  }
}

export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(invalid url)";
  }
}

/**
 * A fresh migrated database through db/testing.ts's createTestDb: in-memory
 * PGlite, or a throwaway database on the PostgreSQL server (dropped by
 * `close()`). Installed as the process's db singleton, so everything in lib/
 * that calls getDb() uses it.
 */
export async function openBenchDb(kind: "pglite" | "postgres", pgUrl?: string): Promise<DbHandle> {
  const saved = process.env.TEST_DATABASE_URL;
  try {
    if (kind === "postgres") process.env.TEST_DATABASE_URL = pgUrl;
    else delete process.env.TEST_DATABASE_URL;
    const handle = await createTestDb();
    setSingleton("db", Promise.resolve(handle));
    if (kind === "postgres") {
      const r = (await handle.db.execute(sql`select current_database() as name`)) as unknown as { rows: { name: string }[] };
      setBenchDatabase(r.rows[0]?.name);
    } else {
      setBenchDatabase(undefined);
    }
    return handle;
  } finally {
    if (saved === undefined) delete process.env.TEST_DATABASE_URL;
    else process.env.TEST_DATABASE_URL = saved;
  }
}

export async function closeBenchDb(handle: DbHandle): Promise<void> {
  setSingleton("db", undefined);
  await handle.close();
}

/**
 * Count the statements drizzle sends (through its logger hook, which the
 * transaction sessions inherit). PGlite issues its own BEGIN/COMMIT inside
 * `client.transaction()`, which this does not see; node-postgres's go through
 * drizzle and are counted.
 */
export function countQueries(handle: DbHandle) {
  const session = (handle.db as unknown as { session: { logger: unknown; options: { logger?: unknown } } }).session;
  const before = { logger: session.logger, options: session.options.logger };
  const counter = { n: 0, statements: [] as string[] };
  const logger = {
    logQuery(query: string) {
      counter.n++;
      counter.statements.push(query);
    },
  };
  session.logger = logger;
  session.options.logger = logger;
  return {
    counter,
    stop() {
      session.logger = before.logger;
      session.options.logger = before.options;
    },
  };
}
