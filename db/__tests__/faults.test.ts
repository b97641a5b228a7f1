import { sql } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Db, DbHandle } from "../client";
import { isTransientDbError } from "../client";
import { createTestDb } from "../testing";

/**
 * A PostgreSQL connection killed under a running app (a failover, a restart,
 * an operator's pg_terminate_backend) must cost at most the query in flight:
 * no uncaughtException, and the next query works. PostgreSQL only: PGlite
 * runs in-process and has no connection to lose. Without the per-client
 * 'error' listener in db/client.ts, the checked-out cases below crash with an
 * uncaught "terminating connection due to administrator command".
 */
const pgOnly = !process.env.TEST_DATABASE_URL;

describe.skipIf(pgOnly)("a PostgreSQL connection killed mid-flow", () => {
  let h: DbHandle;
  let admin: import("pg").Client;
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);

  beforeAll(async () => {
    process.on("uncaughtException", onUncaught);
    process.on("unhandledRejection", onUncaught);
    h = await createTestDb();
    const { default: pg } = await import("pg");
    admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await admin.connect();
  });
  beforeEach(() => {
    uncaught.length = 0;
  });
  afterAll(async () => {
    await admin?.end();
    await h?.close();
    process.off("uncaughtException", onUncaught);
    process.off("unhandledRejection", onUncaught);
  });

  async function pidOf(db: Db): Promise<number> {
    const r = (await db.execute(sql`select pg_backend_pid() as pid`)) as unknown as { rows: { pid: number }[] };
    return r.rows[0].pid;
  }

  /** Terminate a backend from another connection, and wait until it is gone. */
  async function kill(pid: number) {
    const r = await admin.query<{ ok: boolean }>("select pg_terminate_backend($1) as ok", [pid]);
    expect(r.rows[0].ok).toBe(true);
    for (let i = 0; i < 100; i++) {
      const { rows } = await admin.query("select 1 from pg_stat_activity where pid = $1", [pid]);
      if (rows.length === 0) return;
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error(`backend ${pid} did not exit`);
  }

  /** Let the socket's close reach the client (and any 'error' it emits) before we look. */
  const settle = () => new Promise((res) => setTimeout(res, 100));

  it("inside a transaction between two queries: the transaction fails, nothing is thrown at the process, the next query works", async () => {
    let failure: unknown;
    try {
      await h.db.transaction(async (tx) => {
        await kill(await pidOf(tx as unknown as Db));
        await settle();
        await tx.execute(sql`select 1`);
      });
    } catch (err) {
      failure = err;
    }
    expect(failure).toBeDefined();
    expect(isTransientDbError(failure)).toBe(true);
    const r = (await h.db.execute(sql`select 42 as n`)) as unknown as { rows: { n: number }[] };
    expect(r.rows[0].n).toBe(42);
    expect(uncaught).toEqual([]);
  });

  it("during a running statement: that statement fails as transient, the next query works", async () => {
    let failure: unknown;
    try {
      await h.db.transaction(async (tx) => {
        const pid = await pidOf(tx as unknown as Db);
        const slow = tx.execute(sql`select pg_sleep(30)`);
        // pg_sleep is running once the backend says so.
        for (let i = 0; i < 100; i++) {
          const { rows } = await admin.query("select 1 from pg_stat_activity where pid = $1 and query like '%pg_sleep%' and state = 'active'", [pid]);
          if (rows.length) break;
          await new Promise((res) => setTimeout(res, 20));
        }
        await kill(pid);
        await slow;
      });
    } catch (err) {
      failure = err;
    }
    expect(isTransientDbError(failure)).toBe(true);
    await settle();
    const r = (await h.db.execute(sql`select 7 as n`)) as unknown as { rows: { n: number }[] };
    expect(r.rows[0].n).toBe(7);
    expect(uncaught).toEqual([]);
  });

  it("idle in the pool: the pool drops it and the next query gets a fresh connection", async () => {
    const pid = await pidOf(h.db);
    await kill(pid);
    await settle();
    for (let i = 0; i < 3; i++) {
      const r = (await h.db.execute(sql`select pg_backend_pid() as pid`)) as unknown as { rows: { pid: number }[] };
      expect(r.rows[0].pid).not.toBe(pid);
    }
    expect(uncaught).toEqual([]);
  });

  it("the sweeper leader's lock connection: leadership is given up and taken again on a new connection", async () => {
    expect(await h.isLeader()).toBe(true);
    const dbName = ((await h.db.execute(sql`select current_database() as name`)) as unknown as { rows: { name: string }[] }).rows[0].name;
    // A one-key advisory lock keeps its key's low 32 bits in objid (db/client.ts LEADER_LOCK).
    const holder = async () =>
      (
        await admin.query<{ pid: number }>(
          "select pid from pg_locks where locktype = 'advisory' and objid = 727312 and granted and database = (select oid from pg_database where datname = $1)",
          [dbName],
        )
      ).rows[0]?.pid;
    const before = await holder();
    expect(before).toBeTypeOf("number");
    await kill(before!);
    await settle();
    expect(await h.isLeader()).toBe(true);
    const after = await holder();
    expect(after).toBeTypeOf("number");
    expect(after).not.toBe(before);
    expect(uncaught).toEqual([]);
  });
});

describe("isTransientDbError", () => {
  it("knows a lost connection and a retryable SQLSTATE, through drizzle's wrapping", () => {
    expect(isTransientDbError(new Error("Connection terminated unexpectedly"))).toBe(true);
    expect(isTransientDbError(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))).toBe(true);
    expect(isTransientDbError(new Error("Failed query: insert …", { cause: Object.assign(new Error("x"), { code: "40001" }) }))).toBe(true);
    expect(isTransientDbError(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }))).toBe(true);
  });

  it("does not mistake a bug or a constraint for an outage", () => {
    expect(isTransientDbError(Object.assign(new Error("duplicate key"), { code: "23505" }))).toBe(false);
    expect(isTransientDbError(Object.assign(new Error("syntax error"), { code: "42601" }))).toBe(false);
    expect(isTransientDbError(new TypeError("x is undefined"))).toBe(false);
    expect(isTransientDbError(Object.assign(new Error("Forbidden"), { name: "AppError", code: "forbidden" }))).toBe(false);
    expect(isTransientDbError(null)).toBe(false);
  });
});
