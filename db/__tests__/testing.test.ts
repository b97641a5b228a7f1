import { describe, expect, it } from "vitest";
import { createThrowawayDatabase } from "../testing";

/** The throwaway-database helper itself: only meaningful where a PostgreSQL server is configured. */
const base = process.env.TEST_DATABASE_URL;

describe.runIf(base)("createThrowawayDatabase", () => {
  it("accepts any label (hyphens, capitals) and drops what it created", async () => {
    const { url, drop } = await createThrowawayDatabase(base!, "occ_e2e_One-Socket");
    const name = new URL(url).pathname.slice(1);
    expect(name).toMatch(/^occ_e2e_one_socket_[a-z0-9]+_[0-9a-f]{8}$/);
    const { default: pg } = await import("pg");
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    expect((await c.query("select current_database() as d")).rows[0].d).toBe(name);
    await c.end();
    await drop();
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    expect((await admin.query("select 1 from pg_database where datname = $1", [name])).rowCount).toBe(0);
    await admin.end();
  });
});
