import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { getEnv } from "../lib/env";
import { logger } from "../lib/logger";
import { peekSingleton, setSingleton, singleton } from "../lib/singleton";
import * as schema from "./schema";

export type Schema = typeof schema;
/** Either driver's database (or a transaction on it): domain code takes this. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type DbHandle = {
  db: Db;
  kind: "pglite" | "postgres";
  /** Random per opened database: lets tests prove server.ts and Next share one instance. */
  instanceId: string;
  close: () => Promise<void>;
  /**
   * Whether this process is the sweeper leader. With PostgreSQL, several app
   * instances share one database and only the holder of a session-level
   * advisory lock (on a connection kept for it) runs the sweepers; PGlite is
   * one process, always the leader.
   */
  isLeader: () => Promise<boolean>;
};

export const MIGRATIONS_DIR = path.resolve(process.cwd(), "db/migrations");
// Arbitrary constants: serialise migrations, and elect the sweeper leader, across app instances.
const MIGRATION_LOCK = 727_311;
const LEADER_LOCK = 727_312;

/** Open a database (PGlite dir/memory, or a PostgreSQL URL) and apply migrations. */
export async function openDatabase(opts: { url?: string; dataDir?: string }): Promise<DbHandle> {
  if (opts.url) {
    const { default: pg } = await import("pg");
    const { drizzle } = await import("drizzle-orm/node-postgres");
    const { migrate } = await import("drizzle-orm/node-postgres/migrator");
    const pool = new pg.Pool({ connectionString: opts.url, max: 10 });
    // A connection that dies (server restart, failover, pg_terminate_backend) emits
    // 'error' on its client: with no listener, that is an uncaughtException. Idle
    // clients are the pool's ('error' below); a checked-out client (a transaction,
    // the leader lock) has no listener of the pool's while it is out, so every
    // client gets its own for life. The query in flight still rejects, and the pool
    // drops the broken client when it is released.
    pool.on("error", (err) => logger.warn({ err: connectionError(err) }, "postgres: idle connection lost"));
    pool.on("connect", (client) => {
      client.on("error", (err) => logger.warn({ err: connectionError(err) }, "postgres: connection lost"));
    });
    const db = drizzle({ client: pool, schema });
    const lockClient = await pool.connect();
    try {
      await lockClient.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
      await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await lockClient.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]).catch(() => {});
      lockClient.release();
    }
    let leaderClient: import("pg").PoolClient | null = null;
    const isLeader = async () => {
      if (leaderClient) return true;
      const c = await pool.connect();
      try {
        const r = await c.query<{ ok: boolean }>("select pg_try_advisory_lock($1) as ok", [LEADER_LOCK]);
        if (r.rows[0]?.ok) {
          leaderClient = c;
          // Losing this connection loses the lock: let another instance (or us, next tick) take
          // over, and hand the dead client back so the pool discards it (once: 'error' can repeat).
          c.once("error", (err) => {
            if (leaderClient !== c) return;
            leaderClient = null;
            c.release(err);
          });
          return true;
        }
      } catch (err) {
        logger.warn({ err }, "leader election failed");
      }
      c.release();
      return false;
    };
    const close = async () => {
      leaderClient?.release();
      leaderClient = null;
      await pool.end();
    };
    return { db: db as unknown as Db, kind: "postgres", instanceId: randomUUID(), close, isLeader };
  }
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  // PGlite does not create parent directories itself.
  if (opts.dataDir) fs.mkdirSync(path.dirname(opts.dataDir), { recursive: true });
  const client = opts.dataDir ? new PGlite(opts.dataDir) : new PGlite();
  await client.waitReady;
  const db = drizzle({ client, schema });
  await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  return { db: db as unknown as Db, kind: "pglite", instanceId: randomUUID(), close: () => client.close(), isLeader: async () => true };
}

/** What a lost connection's log line needs (pg-pool hangs the whole client object on `err.client`). */
function connectionError(err: Error & { code?: string }) {
  return { message: err.message, code: err.code };
}

export { isTransientDbError } from "./transient";

/**
 * The process's database, opened lazily on first use and kept on globalThis:
 * two PGlite instances on one directory corrupt it (STACK-NOTES pitfall 2),
 * and `next build` must be able to import routes without opening anything.
 */
export function getDbHandle(): Promise<DbHandle> {
  return singleton("db", () => {
    const env = getEnv();
    const p = openDatabase(
      env.databaseUrl ? { url: env.databaseUrl } : { dataDir: path.join(env.dataDir, "pglite") },
    );
    p.catch(() => setSingleton("db", undefined));
    return p;
  });
}

export async function getDb(): Promise<Db> {
  return (await getDbHandle()).db;
}

export async function closeDb(): Promise<void> {
  const p = peekSingleton<Promise<DbHandle>>("db");
  if (!p) return;
  setSingleton("db", undefined);
  await (await p).close();
}
