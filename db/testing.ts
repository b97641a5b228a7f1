import { randomBytes } from "node:crypto";
import { openDatabase, type DbHandle } from "./client";

/**
 * A new, empty database on the PostgreSQL server at `base` (a postgres:// URL),
 * and how to drop it again. `prefix` tells test runs apart on the server.
 */
export async function createThrowawayDatabase(base: string, prefix = "occ_t") {
  const { default: pg } = await import("pg");
  // An unquoted identifier: anything but [a-z0-9_] in the caller's label (a spec's "one-socket") becomes "_".
  const label = prefix.toLowerCase().replace(/[^a-z0-9_]/g, "_").slice(0, 40);
  const name = `${label}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      // pool.end() resolves before its backends have gone: let them finish
      // (bounded), so `force` doesn't kill them mid-goodbye and log pool errors.
      for (let i = 0; i < 50; i++) {
        const { rows } = await c.query("select count(*)::int as n from pg_stat_activity where datname = $1", [name]);
        if (rows[0].n === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/**
 * A fresh, migrated database for one test file: an in-memory PGlite by
 * default, or a throwaway database on the server in TEST_DATABASE_URL.
 */
export async function createTestDb(): Promise<DbHandle> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) return openDatabase({});
  const { url, drop } = await createThrowawayDatabase(base);
  const handle = await openDatabase({ url });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await drop();
    },
  };
}
