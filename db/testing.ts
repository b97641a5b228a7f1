import { randomBytes } from "node:crypto";
import { openDatabase, type DbHandle } from "./client";

/**
 * A fresh, migrated database for one test file: an in-memory PGlite by
 * default, or a throwaway database on the server in TEST_DATABASE_URL.
 */
export async function createTestDb(): Promise<DbHandle> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) return openDatabase({});
  const { default: pg } = await import("pg");
  const name = `occ_t_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ url: url.toString() });
  return {
    ...handle,
    close: async () => {
      await handle.close();
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}
